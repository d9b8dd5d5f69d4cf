"""Answers to the public (回应关切): a question from anyone, moderated; an answer written by one
information officer and approved by another; then published and searchable."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from guomen.lib import clock
from guomen.lib.text import clean_text

from .models import Question, QuestionStatus, QuestionTopic
from .rules import FourEyes, PublicError, require_information_officer


def question_submit(*, text: str, language: str = "") -> Question:
    body = clean_text(text, "text", max_length=1000, required=True, multiline=True, label=_("the question"))
    if len(body) < 5:
        raise PublicError("too_short", _("Please write your question in a few words."), details={"field": "text"})
    return Question.objects.create(text=body, language=(language or "")[:10], asked_at=clock.now())


def _locked(q: Question) -> Question:
    return Question.objects.select_for_update().get(pk=q.pk)


@transaction.atomic
def question_moderate(
    *, actor: Any, question: Question, accept: bool, topic: str = QuestionTopic.OTHER, same_as: Question | None = None
) -> Question:
    """Accept (with a topic) or reject. A question already answered is linked to that answer:
    it counts towards the frequent questions of its topic."""
    require_information_officer(actor)
    q = _locked(question)
    if q.status not in (QuestionStatus.NEW, QuestionStatus.ACCEPTED):
        raise PublicError("moderated", _("This question was already handled."), status=409)
    if topic not in QuestionTopic.values:
        raise PublicError("bad_topic", _("Unknown topic."), details={"field": "topic"})
    if same_as is not None:
        same_as = Question.objects.get(pk=same_as.pk)  # its status as stored, not as the caller last saw it
    if same_as is not None and (same_as.pk == q.pk or same_as.status != QuestionStatus.PUBLISHED):
        raise PublicError("bad_same_as", _("Link only to a published question."), details={"field": "same_as"})
    q.status = QuestionStatus.ACCEPTED if accept else QuestionStatus.REJECTED
    q.topic = same_as.topic if same_as else topic
    q.same_as = same_as
    q.moderated_by, q.moderated_at = actor, clock.now()
    q.save()
    return q


@transaction.atomic
def question_answer(*, actor: Any, question: Question, answer_zh: str, answer_en: str) -> Question:
    require_information_officer(actor)
    q = _locked(question)
    if q.status not in (QuestionStatus.ACCEPTED, QuestionStatus.ANSWER_SUBMITTED) or q.same_as_id:
        raise PublicError("not_answerable", _("Only an accepted question is answered."), status=409)
    q.answer_zh = clean_text(answer_zh, "answer_zh", max_length=4000, required=True, multiline=True, label=_("the answer (Chinese)"))
    q.answer_en = clean_text(answer_en, "answer_en", max_length=4000, required=True, multiline=True, label=_("the answer (English)"))
    q.answer_author, q.answered_at = actor, clock.now()
    q.answer_approver = None
    q.status = QuestionStatus.ANSWER_SUBMITTED
    q.save()
    return q


@transaction.atomic
def question_approve(*, actor: Any, question: Question) -> Question:
    require_information_officer(actor)
    q = _locked(question)
    if q.answer_author_id == actor.pk:
        raise FourEyes("four_eyes", _("The author of an answer cannot approve it: a second information officer must."))
    if q.status != QuestionStatus.ANSWER_SUBMITTED:
        raise PublicError("not_submitted", _("Only an answer awaiting approval can be approved."), status=409)
    q.answer_approver, q.published_at = actor, clock.now()
    q.status = QuestionStatus.PUBLISHED
    q.save()
    return q
