"""The release certificate as a PDF (WeasyPrint), in Chinese and English.

The CJK font is the system's Noto Sans CJK SC (Debian: fonts-noto-cjk), named by its family and
found through fontconfig; nothing is fetched from outside.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from guomen.org.models import Unit, UnitKind
from guomen.people.models import DocumentKind, Sex

from .models import EventKind, Journey

SEX_BILINGUAL = {Sex.FEMALE: "女 Female", Sex.MALE: "男 Male", Sex.UNKNOWN: "— Unspecified"}
DOCUMENT_BILINGUAL = {
    DocumentKind.PASSPORT: "护照 Passport",
    DocumentKind.RESIDENT_ID: "居民身份证 Resident ID",
    DocumentKind.BORDER_PASS: "边境通行证 Border pass",
    DocumentKind.ENTRY_EXIT_PERMIT: "出入境通行证 Entry-exit permit",
    DocumentKind.OTHER: "其他证件 Other document",
}


def _t(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _override(j: Journey, events: list[Any]) -> dict[str, Any] | None:
    """What a release or closure by command override left unmet: the certificate says so, by
    whom, when and why, instead of certifying a quarantine that was not completed."""
    from .services import rules_of

    event = next(
        (e for e in events if (e.kind == EventKind.RELEASED and e.data.get("override_reason")) or e.kind == EventKind.OVERRIDE_CLOSED),
        None,
    )
    if event is None:
        return None
    rules, facts = rules_of(j), j.facts or {}
    start = _t(facts.get("quarantine_started_at"))
    taken = [t for t in facts.get("tests", []) if t.get("in_facility") and _t(t["at"]) <= event.occurred_at]
    actor = event.actor
    return {
        "kind": "release" if event.kind == EventKind.RELEASED else "close",
        "at": event.occurred_at,
        "by": (actor.get_full_name() or actor.get_username()) if actor else "—",
        "by_login": actor.get_username() if actor else "",
        "reason": event.data.get("override_reason") or event.data.get("reason") or "",
        "days_served": (event.occurred_at - start).days if start else None,
        "days_required": rules.quarantine_days[j.risk],
        "tests_required": len(rules.test_days),
        "tests_taken": len(taken),
        "tests_missing": max(len(rules.test_days) - len(taken), 0),
        "tests_positive": sum(1 for t in taken if t["result"] == "positive"),
    }


def certificate_context(j: Journey, *, events: list[Any], document: Any) -> dict[str, Any]:
    facts = j.facts or {}
    facility = village = None
    issuer = j.custodian
    for e in events:
        if e.kind == EventKind.HANDOVER_ACCEPTED and e.unit.kind == UnitKind.QUARANTINE_FACILITY:
            facility = e.unit
        if e.kind == EventKind.HANDOVER_ACCEPTED and e.unit.kind == UnitKind.VILLAGE_COMMITTEE:
            village = e.unit
        if e.kind == EventKind.RELEASED:
            issuer = e.unit
    released = next((e.occurred_at for e in events if e.kind == EventKind.RELEASED), None)
    tests = [{"at": _t(t["at"]), "result": t["result"]} for t in facts.get("tests", [])]
    return {
        "j": j,
        "sex": SEX_BILINGUAL.get(j.person.sex, j.person.sex),
        "document": document,
        "document_kind": DOCUMENT_BILINGUAL.get(document.kind, document.kind) if document else "",
        "arrived": _t(facts.get("arrived_at")) or j.opened_at,
        "facility": facility,
        "village": village,
        "quarantine_start": _t(facts.get("quarantine_started_at")),
        "released": released or _t(facts.get("released_at")) or j.closed_at,
        "monitoring_start": _t(facts.get("monitoring_started_at")),
        "closed": j.closed_at,
        "tests": tests,
        "issuer": issuer if isinstance(issuer, Unit) else j.custodian,
        "issued": timezone.localtime(),
        "demo": bool(getattr(issuer, "is_demo", False)),
        "override": _override(j, events),
    }


def certificate_pdf(j: Journey, *, events: list[Any], document: Any) -> bytes:
    from weasyprint import HTML

    html = render_to_string("loop/certificate.html", certificate_context(j, events=events, document=document))
    return HTML(string=html, base_url=None).write_pdf()
