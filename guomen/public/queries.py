"""Reads of the public app: what the public sees, and what the office and the command see (through Scope)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext_lazy

from guomen.lib import clock
from guomen.org.scoping import Scope

from .models import Bulletin, BulletinStatus, CitizenReport, Question, QuestionStatus, QuestionTopic, Refusal, RefusalReason


def public_bulletins() -> QuerySet[Bulletin]:
    """What the public page and the feed show: published and not from a drill."""
    return (
        Bulletin.objects.filter(status=BulletinStatus.PUBLISHED, exercise=False)
        .select_related("references", "jurisdiction", "passage", "village")
        .order_by("-published_at")
    )


def public_bulletin(public_id: Any) -> Bulletin:
    from django.http import Http404

    try:
        return public_bulletins().get(public_id=public_id)
    except (Bulletin.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def latest_of(b: Bulletin) -> Bulletin | None:
    """The published correction or withdrawal that supersedes ``b``, if any."""
    return b.followups.filter(status=BulletinStatus.PUBLISHED).order_by("-published_at").first()


def office_bulletins() -> QuerySet[Bulletin]:
    return Bulletin.objects.select_related("author", "last_editor", "approver", "references").order_by("-edited_at")


def bulletin_get(public_id: Any) -> Bulletin:
    from django.http import Http404

    try:
        return office_bulletins().get(public_id=public_id)
    except (Bulletin.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def notices_on_map() -> list[dict[str, Any]]:
    """Published notices tied to a port or a village, with a point: what the map links to."""
    out = []
    for b in public_bulletins().filter(Q(passage__isnull=False) | Q(village__isnull=False)):
        if latest_of(b) is not None:
            continue
        place = b.passage or b.village
        if place.lat is None:
            continue
        out.append({"id": str(b.public_id), "title": b.title, "lat": place.lat, "lon": place.lon, "topic": b.topic})
    return out


def published_questions(q: str = "", topic: str = "") -> QuerySet[Question]:
    qs = Question.objects.filter(status=QuestionStatus.PUBLISHED)
    if topic:
        qs = qs.filter(topic=topic)
    for word in q.split()[:5]:
        qs = qs.filter(Q(text__icontains=word) | Q(answer_zh__icontains=word) | Q(answer_en__icontains=word))
    return qs.annotate(asked=Count("asked_again") + 1).order_by("-asked", "-published_at")


def frequent_questions(per_topic: int = 5) -> list[dict[str, Any]]:
    """Published questions grouped by topic, the most asked first (a question linked as the same counts)."""
    groups = []
    for value, label in QuestionTopic.choices:
        items = list(published_questions(topic=value)[:per_topic])
        if items:
            groups.append({"topic": value, "label": label, "questions": items, "asked": sum(i.asked for i in items)})
    return sorted(groups, key=lambda g: -g["asked"])


def questions_to_handle() -> QuerySet[Question]:
    return Question.objects.filter(status__in=[QuestionStatus.NEW, QuestionStatus.ACCEPTED, QuestionStatus.ANSWER_SUBMITTED]).order_by(
        "asked_at"
    )


def refusals(days: int = 7) -> list[dict[str, Any]]:
    since = clock.today().toordinal() - days + 1
    from datetime import date

    rows = (
        Refusal.objects.filter(day__gte=date.fromordinal(since))
        .values("form", "reason")
        .annotate(total=Sum("n"))
        .order_by("form", "reason")
    )
    reasons = dict(RefusalReason.choices)
    return [
        {**r, "form_label": REFUSAL_FORMS.get(r["form"], r["form"]), "reason_label": reasons.get(r["reason"], r["reason"])} for r in rows
    ]


# The public forms whose refusals are counted (``abuse``), by the name they are counted under.
REFUSAL_FORMS = {"report": gettext_lazy("Citizen reports"), "question": gettext_lazy("Questions from the public")}


def reports(scope: Scope) -> QuerySet[CitizenReport]:
    return scope.filter(CitizenReport.objects.select_related("jurisdiction", "assigned_to", "assigned_unit")).defer("photo")


def report_get(scope: Scope, code: str) -> CitizenReport:
    return scope.get(CitizenReport.objects.select_related("jurisdiction", "village", "segment", "assigned_to", "assigned_unit"), code=code)


def report_by_code(code: str) -> CitizenReport | None:
    """For the reporter's status page: the report with this code, or None."""
    return CitizenReport.objects.filter(code=(code or "").strip().upper()).defer("photo", "phone").first()
