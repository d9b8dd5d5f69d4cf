"""Bulletins: drafted (from the figures or by hand), edited, approved by a second information
officer, published. A published bulletin never changes; a correction is an Update, a withdrawal
a Cancel, each referencing the earlier message."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from guomen.lib import clock
from guomen.lib.text import clean_text
from guomen.places.models import Jurisdiction, Passage

from . import cap
from .figures import draft_texts, figures_for
from .models import Bulletin, BulletinKind, BulletinStatus, MsgType, NoticeTopic
from .rules import FourEyes, PublicError, require_information_officer

TEXT_FIELDS = ("title_zh", "title_en", "body_zh", "body_en")
SITE_URL = "https://guomen.yn"  # used in CAP <web> when no request is at hand; pages pass their own


def _texts(values: dict[str, Any]) -> dict[str, str]:
    return {
        "title_zh": clean_text(values.get("title_zh"), "title_zh", max_length=200, required=True, label=_("the title (Chinese)")),
        "title_en": clean_text(values.get("title_en"), "title_en", max_length=200, required=True, label=_("the title (English)")),
        "body_zh": clean_text(
            values.get("body_zh"), "body_zh", max_length=5000, required=True, multiline=True, label=_("the text (Chinese)")
        ),
        "body_en": clean_text(
            values.get("body_en"), "body_en", max_length=5000, required=True, multiline=True, label=_("the text (English)")
        ),
    }


def province() -> Jurisdiction:
    return Jurisdiction.objects.get(parent__isnull=True)


@transaction.atomic
def bulletin_draft(
    *,
    actor: Any,
    title_zh: str,
    title_en: str,
    body_zh: str,
    body_en: str,
    topic: str = NoticeTopic.GENERAL,
    jurisdiction: Jurisdiction | None = None,
    passage: Passage | None = None,
    village: Jurisdiction | None = None,
    exercise: bool = False,
    kind: str = BulletinKind.NOTICE,
    figures: dict[str, Any] | None = None,
    day: date | None = None,
) -> Bulletin:
    """A new draft. ``exercise=True`` marks one written in a drill: its CAP status is Exercise and it
    never reaches the public page or feed."""
    require_information_officer(actor)
    if topic not in NoticeTopic.values:
        raise PublicError("bad_topic", _("Unknown topic."), details={"field": "topic"})
    texts = _texts({"title_zh": title_zh, "title_en": title_en, "body_zh": body_zh, "body_en": body_en})
    now = clock.now()
    return Bulletin.objects.create(
        kind=kind,
        topic=topic,
        exercise=bool(exercise),
        jurisdiction=jurisdiction or (passage.county if passage else None) or village or province(),
        passage=passage,
        village=village,
        figures=figures or {},
        day=day,
        author=actor,
        last_editor=actor,
        created_at=now,
        edited_at=now,
        **texts,
    )


def bulletin_draft_figures(*, actor: Any, day: date, jurisdiction: Jurisdiction | None = None, exercise: bool = False) -> Bulletin:
    """A draft whose figures and first wording come from the loop's counters for ``day``."""
    require_information_officer(actor)
    root = jurisdiction or province()
    figs = figures_for(root, day)
    return bulletin_draft(
        actor=actor, jurisdiction=root, exercise=exercise, kind=BulletinKind.FIGURES, figures=figs, day=day, **draft_texts(root, figs)
    )


def _for_update(public_id: Any) -> Bulletin:
    try:
        return Bulletin.objects.select_for_update().get(public_id=public_id)
    except (Bulletin.DoesNotExist, ValueError) as exc:
        raise PublicError("not_found", _("Not found."), status=404) from exc


@transaction.atomic
def bulletin_edit(*, actor: Any, bulletin: Bulletin, **values: Any) -> Bulletin:
    require_information_officer(actor)
    b = _for_update(bulletin.public_id)
    if b.status == BulletinStatus.PUBLISHED:
        raise PublicError("published", _("A published bulletin is never edited: publish a correction instead."), status=409)
    texts = _texts({f: values.get(f, getattr(b, f)) for f in TEXT_FIELDS})
    for k, v in texts.items():
        setattr(b, k, v)
    b.status = BulletinStatus.DRAFT  # an edit sends it back for review
    b.last_editor = actor
    b.edited_at = clock.now()
    b.submitted_at = None
    b.save()
    return b


@transaction.atomic
def bulletin_submit(*, actor: Any, bulletin: Bulletin) -> Bulletin:
    require_information_officer(actor)
    b = _for_update(bulletin.public_id)
    if b.status != BulletinStatus.DRAFT:
        raise PublicError("not_draft", _("Only a draft can be sent for approval."), status=409)
    b.status = BulletinStatus.SUBMITTED
    b.submitted_at = clock.now()
    b.save(update_fields=["status", "submitted_at"])
    return b


def bulletin_url(b: Bulletin) -> str:
    return reverse("public:bulletin", args=[b.public_id])


@transaction.atomic
def bulletin_approve(*, actor: Any, bulletin: Bulletin, site: str = SITE_URL) -> Bulletin:
    """The second pair of eyes: someone other than the author and the last editor approves, and the
    bulletin is published with its CAP message frozen as approved."""
    require_information_officer(actor)
    b = _for_update(bulletin.public_id)
    if actor.pk in (b.author_id, b.last_editor_id):
        raise FourEyes("four_eyes", _("The author or last editor of a bulletin cannot approve it: a second information officer must."))
    if b.status != BulletinStatus.SUBMITTED:
        raise PublicError("not_submitted", _("Only a bulletin sent for approval can be approved."), status=409)
    if b.references_id is not None:
        earlier = Bulletin.objects.select_for_update().get(pk=b.references_id)
        if earlier.followups.filter(status=BulletinStatus.PUBLISHED).exclude(pk=b.pk).exists():
            raise PublicError(
                "already_followed", _("That bulletin was already corrected or withdrawn: correct the latest one."), status=409
            )
    now = clock.now()
    b.approver = actor
    b.published_at = now
    b.status = BulletinStatus.PUBLISHED
    b.cap_xml = cap.build(b, sent=now, web=site.rstrip("/") + bulletin_url(b)).decode()
    cap.validate(b.cap_xml)
    b.save(update_fields=["approver", "published_at", "status", "cap_xml"])
    return b


@transaction.atomic
def bulletin_follow_up(*, actor: Any, bulletin: Bulletin, msg_type: str = MsgType.UPDATE, **texts: Any) -> Bulletin:
    """A correction (Update) or withdrawal (Cancel) of a published bulletin: a new draft that
    references it and goes through the same approval."""
    require_information_officer(actor)
    b = _for_update(bulletin.public_id)
    if b.status != BulletinStatus.PUBLISHED:
        raise PublicError("not_published", _("Only a published bulletin can be corrected or withdrawn."), status=409)
    if msg_type not in (MsgType.UPDATE, MsgType.CANCEL):
        raise PublicError("bad_type", _("A follow-up is a correction or a withdrawal."))
    if b.followups.filter(status=BulletinStatus.PUBLISHED).exists():
        raise PublicError("already_followed", _("That bulletin was already corrected or withdrawn: correct the latest one."), status=409)
    values = {f: texts.get(f) or getattr(b, f) for f in TEXT_FIELDS}
    now = clock.now()
    return Bulletin.objects.create(
        kind=b.kind,
        topic=b.topic,
        msg_type=msg_type,
        references=b,
        exercise=b.exercise,
        day=b.day,
        jurisdiction=b.jurisdiction,
        passage=b.passage,
        village=b.village,
        figures=b.figures,
        author=actor,
        last_editor=actor,
        created_at=now,
        edited_at=now,
        **_texts(values),
    )
