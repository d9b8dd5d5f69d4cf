"""Material aid, checked before we send a step: quantities that add up along the thread.

An offer, a commitment and a shipment each carry at least one item with a quantity above zero,
and each (item, unit) once. A commitment commits only what was offered, at most the offered
quantity; shipments ship only what was committed, and all shipments together at most the
committed quantity. A receipt reports what arrived, whatever it is: the differences from what
was shipped are shown as discrepancies, not refused."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.utils.translation import gettext as _

from guomen.lib.errors import DomainError

from .models import Partner, Thread

Key = tuple[str, str]


def totals(items: list[dict[str, Any]]) -> dict[Key, int]:
    out: dict[Key, int] = {}
    for row in items:
        key = (row["item"], row["unit"])
        out[key] = out.get(key, 0) + int(row["quantity"])
    return out


def _bad(code: str, text: str) -> DomainError:
    return DomainError(code, text, status=422)


def check_send(type_: str, body: dict[str, Any], partner: Partner) -> None:
    """Raise a clear ``DomainError`` if this aid step of ours does not add up."""
    if type_ not in ("aid_request", "aid_offer", "aid_commitment", "aid_shipment"):
        return
    items = body.get("items", [])
    if not items or all(int(r["quantity"]) == 0 for r in items):
        raise _bad("aid_no_items", _("Name at least one item with a quantity above zero."))
    keys = [(r["item"].strip(), r["unit"].strip()) for r in items]
    if any(not item or not unit for item, unit in keys):
        raise _bad("aid_item_unnamed", _("Every item needs a name and a unit."))
    if len(set(keys)) != len(keys):
        raise _bad("aid_item_twice", _("Each item and unit once per message: add the quantities up."))
    if type_ not in ("aid_commitment", "aid_shipment"):
        return
    thread = Thread.objects.filter(partner=partner, ref=UUID(str(body["ref"]))).first()
    data = thread.data if thread is not None else {}
    mine = totals(items)
    if type_ == "aid_commitment":
        offered = totals(data.get("offered", {}).get("items", []))
        for (item, unit), qty in mine.items():
            if qty > offered.get((item, unit), 0):
                raise _bad(
                    "aid_more_than_offered",
                    _("%(item)s: %(qty)s %(unit)s is more than the %(offered)s offered.")
                    % {"item": item, "qty": qty, "unit": unit, "offered": offered.get((item, unit), 0)},
                )
        return
    committed = totals(data.get("committed", {}).get("items", []))
    shipped = totals(data.get("shipped_total", []))
    for (item, unit), qty in mine.items():
        left = committed.get((item, unit), 0) - shipped.get((item, unit), 0)
        if qty > left:
            raise _bad(
                "aid_more_than_committed",
                _("%(item)s: %(qty)s %(unit)s is more than the %(left)s committed and not yet shipped.")
                % {"item": item, "qty": qty, "unit": unit, "left": max(left, 0)},
            )
