"""The liaison desk's forms: one per message type, each turning what a liaison types into the
message body its schema expects (the service checks it again and decides)."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .handlers import MANIFEST_FIELDS

LOCAL = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DAY = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _when(label: Any, required: bool = True) -> forms.DateTimeField:
    return forms.DateTimeField(label=label, required=required, widget=LOCAL, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])


class ComposeForm(forms.Form):
    """What every message carries: the partner, the thread it continues, its text in our two
    languages and the partner's."""

    partner = forms.ChoiceField(label=_("Partner"))
    ref = forms.UUIDField(widget=forms.HiddenInput, required=False)
    text_zh = forms.CharField(label=_("Text in Chinese"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2, "lang": "zh-Hans"}))
    text_en = forms.CharField(label=_("Text in English"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2, "lang": "en"}))
    text_local = forms.CharField(
        label=_("Text in the partner's language (Burmese, Lao or Vietnamese)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    texted = True

    def __init__(self, *args: Any, partners: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.partners = {p.authority: p for p in partners}
        self.fields["partner"].choices = [(p.authority, f"{p.name_zh} · {p.name_en}") for p in partners]
        if not self.texted:
            for name in ("text_zh", "text_en", "text_local"):
                del self.fields[name]

    def text(self) -> dict[str, str]:
        d = self.cleaned_data
        out = {"zh-Hans": d["text_zh"].strip(), "en": d["text_en"].strip()}
        partner = self.partners[d["partner"]]
        local = (partner.languages or [""])[0]
        if d.get("text_local", "").strip() and local in ("my", "lo", "vi"):
            out[local] = d["text_local"].strip()
        return out

    def body(self) -> dict[str, Any]:
        ref = self.cleaned_data.get("ref") or uuid.uuid4()
        out = {"ref": str(ref), **self.fields_body()}
        if self.texted:
            out["text"] = self.text()
        return out

    def fields_body(self) -> dict[str, Any]:
        return {}


class PersonFields(forms.Form):
    name_latin = forms.CharField(label=_("Name (Latin letters)"), max_length=200)
    birth_year = forms.IntegerField(label=_("Year of birth"), required=False, min_value=1900, max_value=2100)
    nationality = forms.CharField(label=_("Nationality (ISO code)"), max_length=3, required=False)
    document_number = forms.CharField(label=_("Document number"), max_length=200, required=False)

    def person(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "name_latin": d["name_latin"].strip(),
            "birth_year": d.get("birth_year"),
            "nationality": (d.get("nationality") or "").strip().upper(),
            "document_number": (d.get("document_number") or "").strip(),
        }


class CaseNoticeForm(ComposeForm, PersonFields):
    category = forms.ChoiceField(
        label=_("Category"),
        choices=[("confirmed", _("Confirmed case")), ("suspected", _("Suspected case")), ("contact", _("Close contact"))],
    )
    crossed_at = _when(_("Crossed at"))
    port = forms.CharField(label=_("Port of crossing"), max_length=200)
    tested_at = _when(_("Tested at"), required=False)

    def fields_body(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "category": d["category"],
            "person": self.person(),
            "crossed_at": d["crossed_at"].isoformat(),
            "port": d["port"].strip(),
            "tested_at": d["tested_at"].isoformat() if d.get("tested_at") else None,
        }


class CaseFollowupForm(ComposeForm):
    action = forms.ChoiceField(
        label=_("What was done"),
        choices=[
            ("traced", _("Traced")),
            ("isolated", _("Isolated")),
            ("tested", _("Tested")),
            ("not_found", _("Not found")),
            ("closed", pgettext_lazy("case follow-up", "Closed")),
        ],
    )

    def fields_body(self) -> dict[str, Any]:
        return {"action": self.cleaned_data["action"]}


class HandoverOfferForm(ComposeForm, PersonFields):
    journey = forms.CharField(label=_("Loop code of the person (kept here, not sent)"), max_length=20, required=False)
    port = forms.CharField(label=_("Port of handover"), max_length=200)
    at = _when(_("Handover at"))
    from_unit = forms.CharField(label=_("Our unit handing over"), max_length=200)

    def fields_body(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {"person": self.person(), "port": d["port"].strip(), "at": d["at"].isoformat(), "from_unit": d["from_unit"].strip()}


class HandoverAnswerForm(ComposeForm):
    accepted = forms.TypedChoiceField(
        label=_("Answer"), choices=[("yes", _("Accept the person")), ("no", _("Decline"))], coerce=lambda v: v == "yes"
    )
    unit = forms.CharField(label=_("Our receiving unit"), max_length=200)

    def fields_body(self) -> dict[str, Any]:
        return {"accepted": self.cleaned_data["accepted"], "unit": self.cleaned_data["unit"].strip()}


def _lines(text: str) -> list[list[str]]:
    return [[part.strip() for part in line.replace("；", ";").split(";")] for line in text.splitlines() if line.strip()]


class AidForm(ComposeForm):
    items = forms.CharField(
        label=_("Items, one per line: item; quantity; unit"),
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "N95 口罩; 1000; box"}),
        required=False,
    )

    def clean_items(self) -> list[dict[str, Any]]:
        rows = []
        for n, parts in enumerate(_lines(self.cleaned_data["items"]), start=1):
            if len(parts) != 3 or not parts[1].isdigit():
                raise forms.ValidationError(_("Line %(n)s: write item; quantity; unit, the quantity a whole number."), params={"n": n})
            rows.append({"item": parts[0], "quantity": int(parts[1]), "unit": parts[2]})
        return rows

    def fields_body(self) -> dict[str, Any]:
        return {"items": self.cleaned_data["items"]}


class TeamDeploymentForm(ComposeForm):
    name = forms.CharField(label=_("Team name"), max_length=200)
    members = forms.CharField(
        label=_("Members, one per line: name; skill, skill"),
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "李医生; ICU, 感染科"}),
    )
    from_date = forms.DateField(label=_("From"), widget=DAY)
    to_date = forms.DateField(label=_("To"), widget=DAY)
    where = forms.CharField(label=_("Where"), max_length=200)

    def clean_members(self) -> list[dict[str, Any]]:
        members = []
        for parts in _lines(self.cleaned_data["members"]):
            skills = [s.strip() for s in (parts[1] if len(parts) > 1 else "").replace("，", ",").split(",") if s.strip()]
            members.append({"name": parts[0], "skills": skills})
        if not members:
            raise forms.ValidationError(_("Name at least one member."))
        return members

    def clean(self) -> dict[str, Any]:
        d = super().clean()
        if d.get("from_date") and d.get("to_date") and d["to_date"] < d["from_date"]:
            self.add_error("to_date", _("The end is before the start."))
        return d

    def fields_body(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "name": d["name"].strip(),
            "members": d["members"],
            "from_date": d["from_date"].isoformat(),
            "to_date": d["to_date"].isoformat(),
            "where": d["where"].strip(),
        }


class TeamConfirmationForm(ComposeForm):
    at = _when(_("At"))

    def fields_body(self) -> dict[str, Any]:
        return {"at": self.cleaned_data["at"].isoformat()}


class ManifestForm(ComposeForm):
    texted = False
    port = forms.CharField(label=_("The partner's port code"), max_length=200)
    rows = forms.CharField(
        label=_("Travellers, CSV with a header row"),
        widget=forms.Textarea(attrs={"rows": 6, "placeholder": ",".join(MANIFEST_FIELDS)}),
    )

    def clean_rows(self) -> list[dict[str, Any]]:
        reader = csv.DictReader(io.StringIO(self.cleaned_data["rows"].strip()))
        unknown = [f for f in reader.fieldnames or [] if f not in MANIFEST_FIELDS]
        if unknown:
            raise forms.ValidationError(_("Unknown columns: %(cols)s"), params={"cols": ", ".join(unknown)})
        rows = [{k: v.strip() for k, v in row.items() if k and v and v.strip()} for row in reader]
        if not rows:
            raise forms.ValidationError(_("Add at least one traveller below the header row."))
        return rows

    def fields_body(self) -> dict[str, Any]:
        return {"port": self.cleaned_data["port"].strip(), "rows": self.cleaned_data["rows"]}


FORMS: dict[str, type[ComposeForm]] = {
    "case_notice": CaseNoticeForm,
    "case_followup": CaseFollowupForm,
    "handover_offer": HandoverOfferForm,
    "handover_answer": HandoverAnswerForm,
    "aid_request": AidForm,
    "aid_offer": AidForm,
    "aid_commitment": AidForm,
    "aid_shipment": AidForm,
    "aid_receipt": AidForm,
    "team_deployment": TeamDeploymentForm,
    "team_arrival": TeamConfirmationForm,
    "team_return": TeamConfirmationForm,
    "manifest": ManifestForm,
}
# Messages that open a thread (the desk's "new message" list); the others answer a thread.
OPENING = ["case_notice", "handover_offer", "aid_request", "aid_offer", "team_deployment", "manifest"]
# Where a service's refusal belongs on the form.
ERROR_FIELDS = {
    "birth_year_future": "birth_year",
    "unknown_country": "nationality",
    "crossed_in_future": "crossed_at",
    "tested_in_future": "tested_at",
    "unknown_journey": "journey",
    "wrong_state": "journey",
    "aid_no_items": "items",
    "aid_item_unnamed": "items",
    "aid_item_twice": "items",
    "aid_more_than_offered": "items",
    "aid_more_than_committed": "items",
}
TITLES = {
    "case_notice": _("Case notice"),
    "case_followup": _("Case follow-up"),
    "handover_offer": _("Offer a person across the border"),
    "handover_answer": _("Answer a handover"),
    "aid_request": _("Request aid"),
    "aid_offer": _("Offer aid"),
    "aid_commitment": _("Commit aid"),
    "aid_shipment": _("Ship aid"),
    "aid_receipt": _("Confirm aid received"),
    "team_deployment": _("Deploy a medical or expert team"),
    "team_arrival": _("Team arrived"),
    "team_return": _("Team returned"),
    "manifest": _("Pre-arrival manifest"),
}
