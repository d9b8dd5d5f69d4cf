"""What each step of the journey page is called, its button and its hint, in the reader's language."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from ..models import Journey, State

TEXT: dict[str, dict[str, Any]] = {
    "arrive": {"title": _("Arrival"), "button": _("Arrived")},
    "accept": {"title": _("Accept the handover"), "button": _("Accept into my custody")},
    "withdraw": {
        "title": _("Withdraw the handover"),
        "button": _("Withdraw"),
        "hint": _("Not yet accepted: take the offer back and decide again."),
    },
    "redirect": {"title": _("Redirect the handover"), "button": _("Offer to this unit instead")},
    "refuse": {"title": _("Refuse the handover"), "button": _("Refuse"), "danger": True},
    "document": {
        "title": _("Check a document"),
        "button": _("Check"),
        "hint": _("Expiry, watch-list, the same number held by someone else, border pass outside its county."),
    },
    "screen": {"title": _("Screen"), "button": _("Record screening")},
    "check": {"title": _("Health check"), "button": _("Record check")},
    "sample": {"title": _("Take a sample"), "button": _("Record sample")},
    "result": {"title": _("Test result"), "button": _("Record result")},
    "dispose": {
        "title": _("Decide where the person goes"),
        "button": _("Decide and offer the handover"),
        "hint": _(
            "Quarantine at a facility, hospital, home monitoring in the village, or release. "
            "A person with fever, symptoms or a positive test goes to hospital."
        ),
    },
    "home_here": {
        "title": _("Home monitoring here"),
        "button": _("Stays at home here under monitoring"),
        "hint": _(
            "The person stays at home in this village, in your custody, with a health check every day. "
            "Fever, symptoms or a positive test: the person goes to hospital instead."
        ),
    },
    "report": {"title": _("Daily status report"), "button": _("Report")},
    "release": {"title": _("Release from quarantine"), "button": _("Release")},
    "offer": {"title": _("Offer a handover"), "button": _("Offer handover")},
    "close": {"title": _("Close at the end of monitoring"), "button": _("Close the journey")},
    "override_release": {"title": _("Release by override"), "button": _("Release by override"), "danger": True},
    "override_close": {"title": _("Close by override"), "button": _("Close by override"), "danger": True},
}


def text_of(name: str, j: Journey, needs_room: bool) -> dict[str, Any]:
    t = dict(TEXT[name])
    if name == "close" and j.state == State.IN_HOSPITAL:
        t.update(title=_("Discharge"), button=_("Discharge and close"))
    if name == "accept" and not needs_room:
        t["hint"] = _("No room number is needed.")
    return t
