"""What each message type does to a thread, the same on both sides: the sender records its own
message when it queues it, the receiver when it applies it. A step out of turn is refused."""

from __future__ import annotations

import csv
import io
from typing import Any
from uuid import UUID

from django.utils.translation import gettext as _

from guomen.lib import clock
from guomen.lib.errors import DomainError
from guomen.loop.manifest import FIELDS

from . import hooks
from .models import Kind, Partner, Thread

AID_STEPS = {
    "aid_request": "requested",
    "aid_offer": "offered",
    "aid_commitment": "committed",
    "aid_shipment": "shipped",
    "aid_receipt": "received",
}
# The steps each step may follow (None: opens the thread).
AFTER = {
    "manifest": {None},
    "case_notice": {None},
    "case_followup": {"notified", "traced", "isolated", "tested", "not_found"},
    "handover_offer": {None},
    "handover_answer": {"offered"},
    "aid_request": {None},
    "aid_offer": {None, "requested"},
    "aid_commitment": {"offered"},
    "aid_shipment": {"committed", "shipped"},
    "aid_receipt": {"shipped"},
    "team_deployment": {None},
    "team_arrival": {"deployed"},
    "team_return": {"arrived"},
}
# Steps only the side that did NOT take the answered step may take (the two-sided rule).
ANSWERS = {
    "handover_answer": "handover_offer",
    "case_followup": "case_notice",
    "aid_receipt": "aid_shipment",
    "team_arrival": "team_deployment",
    "team_return": "team_deployment",
}


def record(partner: Partner, type_: str, body: dict[str, Any], *, incoming: bool) -> Thread:
    """Move the thread of ``body['ref']`` by one step; raise ``DomainError`` if out of turn."""
    from .schemas import TYPES

    kind = TYPES[type_][0]
    ref = UUID(str(body["ref"]))
    try:
        thread = Thread.objects.select_for_update().get(partner=partner, ref=ref)
    except Thread.DoesNotExist:
        thread = None
    if thread is not None and thread.kind != kind:
        raise DomainError("wrong_thread", _("This reference belongs to another kind of exchange."), status=409)
    state = thread.status if thread is not None else None
    if state not in AFTER[type_]:
        raise DomainError(
            "out_of_turn", _("A %(type)s cannot follow %(state)s.") % {"type": type_, "state": state or _("nothing")}, status=409
        )
    if thread is None:
        thread = Thread(partner=partner, ref=ref, kind=kind, ours=not incoming, status="", data={})
    side = "them" if incoming else "us"
    data = dict(thread.data)
    by = dict(data.get("by", {}))
    if type_ in ANSWERS and by.get(ANSWERS[type_]) == side:
        raise DomainError("not_your_step", _("Only the other side answers this step."), status=409)
    by[type_] = side
    data["by"] = by
    if kind == Kind.AID:
        thread.status = AID_STEPS[type_]
        data[thread.status] = body
        if type_ == "aid_shipment":  # shipments add up: the receipt is compared with all of them
            data["shipped_total"] = [*data.get("shipped_total", []), *body.get("items", [])]
        if type_ == "aid_receipt":
            shipped = data.get("shipped_total") or data.get("shipped", {}).get("items", [])
            data["discrepancies"] = discrepancies(shipped, body.get("items", []))
    elif type_ == "handover_answer":
        thread.status = "accepted" if body["accepted"] else "declined"
        data["answer"] = body
    elif type_ == "case_followup":
        thread.status = body["action"]
        data.setdefault("followups", []).append(body)
    else:
        thread.status = {
            "manifest": "sent" if not incoming else "received",
            "case_notice": "notified",
            "handover_offer": "offered",
            "team_deployment": "deployed",
            "team_arrival": "arrived",
            "team_return": "returned",
        }[type_]
        data[type_] = body
    thread.data = data
    thread.updated_at = clock.now()
    if thread.pk is None:
        thread.save(force_insert=True)
    else:
        thread.save(update_fields=["status", "data", "updated_at"])
    return thread


def discrepancies(shipped: list[dict[str, Any]], received: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each (item, unit) whose received quantity differs from the shipped one."""
    sent: dict[tuple[str, str], int] = {}
    got: dict[tuple[str, str], int] = {}
    for row in shipped:
        sent[(row["item"], row["unit"])] = sent.get((row["item"], row["unit"]), 0) + int(row["quantity"])
    for row in received:
        got[(row["item"], row["unit"])] = got.get((row["item"], row["unit"]), 0) + int(row["quantity"])
    out = []
    for key in sorted(set(sent) | set(got)):
        if sent.get(key, 0) != got.get(key, 0):
            out.append({"item": key[0], "unit": key[1], "shipped": sent.get(key, 0), "received": got.get(key, 0)})
    return out


def apply(partner: Partner, type_: str, body: dict[str, Any], message_id: str) -> dict[str, Any] | None:
    """Apply a partner's message here (inside the inbox's transaction); the result returns in the acknowledgement."""
    thread = record(partner, type_, body, incoming=True)
    result = None
    if type_ == "manifest":
        result = _manifest(partner, body)
        thread.data = {**thread.data, "outcome": result}
        thread.save(update_fields=["data"])
    elif type_ == "handover_answer" and body["accepted"] and thread.ours and thread.data.get("journey"):
        _handed_over(partner, thread, body)
    hooks.fire(type_, partner=partner, thread=thread, body=body, message_id=message_id)
    return result


def _handed_over(partner: Partner, thread: Thread, body: dict[str, Any]) -> None:
    """The partner accepted the person we offered: their journey closes through the loop's service."""
    from guomen.loop import services as loop
    from guomen.loop.models import Journey

    journey = Journey.objects.filter(code=thread.data["journey"]).first()
    if journey is None:
        return
    event = loop.journey_close_abroad(journey=journey, authority=partner.authority, unit=body["unit"], ref=str(thread.ref))
    thread.data = {**thread.data, "journey_closed": event is not None}
    thread.save(update_fields=["data"])


# The columns of a partner's manifest: a manifest row's fields without phone numbers.
MANIFEST_FIELDS = [f for f in FIELDS if f != "phone"]


def _manifest(partner: Partner, body: dict[str, Any]) -> dict[str, Any]:
    """The rows become declarations through the manifest import's own service; per-row outcomes back."""
    from guomen.loop.manifest import manifest_import

    fields = MANIFEST_FIELDS

    port = partner.port_units.filter(code=body["port"]).first()
    if port is None or partner.manifest_user is None:
        raise DomainError("unknown_port", _("This port does not take manifests from you: %(port)s") % {"port": body["port"]}, status=422)
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(fields)
    for row in body["rows"]:
        writer.writerow(["" if row.get(f) is None else row.get(f) for f in fields])
    report = manifest_import(
        actor=partner.manifest_user,
        port_unit=port,
        file_name=f"{partner.authority}-{body['ref']}.csv",
        content=buf.getvalue().encode("utf-8"),
        source=f"{partner.authority} {body['ref']}",
    )
    outcomes: list[dict[str, Any]] = []
    for r in report.taken:
        outcomes.append({"row": r["row"] - 1, "outcome": "declared"})
    for r in report.unchanged:
        outcomes.append({"row": r["row"] - 1, "outcome": "unchanged"})
    for r in report.rejected:
        outcomes.append({"row": r["row"] - 1, "outcome": "rejected", "code": r["code"], "reason": r["reason"]})
    outcomes.sort(key=lambda o: o["row"])
    return {"rows": report.rows, "declared": report.n_taken, "rejected": len(report.rejected), "outcomes": outcomes}
