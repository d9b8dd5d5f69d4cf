"""The forms of the loop's pages. They only parse what was typed; the rules live in the services,
whose ``DomainError`` messages the views put back on these forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from guomen.lib.errors import DomainError
from guomen.people.models import Category, DocumentKind, Sex
from guomen.places.forms import ReturneeForm

from .destinations import use_picker
from .models import Disposition, Risk
from .services import SYMPTOMS

SYMPTOM_CHOICES = [
    ("cough", _("Cough")),
    ("sore_throat", _("Sore throat")),
    ("breathless", _("Short of breath")),
    ("fatigue", _("Fatigue")),
    ("loss_of_smell", _("Loss of smell or taste")),
    ("diarrhoea", _("Diarrhoea")),
    ("other", _("Other symptom")),
]
assert [c for c, _l in SYMPTOM_CHOICES] == list(SYMPTOMS)

CONDITION_CHOICES = [
    ("stable", _("Stable")),
    ("improving", _("Improving")),
    ("serious", _("Serious")),
    ("critical", _("Critical")),
    ("recovered", _("Recovered")),
]
RESULT_CHOICES = [("negative", _("Negative")), ("positive", _("Positive"))]
NO_DOCUMENT = [("", "—")]

# The services name fields by their own names; these are where they sit on our forms.
FIELD_ALIASES = {
    "number": "doc_number",
    "kind": "doc_kind",
    "issuing_country": "doc_country",
    "valid_until": "doc_valid_until",
    "border_county": "doc_border_county",
    "documents": "doc_number",
    "sample_id": "sample_id",
}


def add_domain_error(form: forms.Form, error: DomainError) -> None:
    """Show a service's refusal on the field it names, or above the form."""
    details = error.details if isinstance(error.details, dict) else {}
    name = details.get("field")
    name = FIELD_ALIASES.get(name, name)
    if name in form.fields:
        form.add_error(name, error.message)
    else:
        form.add_error(None, error.message)


def _text(max_length: int, label: Any, required: bool = False, **kw: Any) -> forms.CharField:
    return forms.CharField(label=label, max_length=max_length, required=required, strip=True, **kw)


class RegisterForm(forms.Form):
    """A person arriving at the port who was not declared: who they are, their documents, where from."""

    name_native = _text(120, _("Name (native script)"), required=True)
    name_latin = _text(120, _("Name (Latin letters, as in the passport)"))
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, initial=Sex.UNKNOWN)
    birth_date = forms.DateField(label=_("Date of birth"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    nationality = _text(3, _("Nationality (3 letters, e.g. MMR, CHN)"), required=True)
    phone = _text(40, _("Phone"), widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}))
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices, initial=Category.TRAVELLER)
    doc_kind = forms.ChoiceField(label=_("Document type"), choices=DocumentKind.choices, initial=DocumentKind.PASSPORT)
    doc_country = _text(3, _("Issuing country"))
    doc_number = _text(40, _("Document number"), widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}))
    doc_valid_until = forms.DateField(label=_("Valid until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    doc_border_county = _text(12, _("Border county code (border passes)"))
    doc2_kind = forms.ChoiceField(label=_("Second document type"), choices=NO_DOCUMENT + list(DocumentKind.choices), required=False)
    doc2_country = _text(3, _("Issuing country"))
    doc2_number = _text(40, _("Document number"), widget=forms.TextInput(attrs={"autocomplete": "off"}))
    doc2_valid_until = forms.DateField(label=_("Valid until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    origin_country = _text(3, _("Coming from (country, 3 letters)"))
    origin_place = _text(120, _("Coming from (place)"))
    risk = forms.ChoiceField(label=_("Risk level"), choices=Risk.choices, initial=Risk.MEDIUM)

    def documents(self) -> list[dict[str, Any]]:
        d = self.cleaned_data
        out = []
        if d.get("doc_number"):
            out.append(
                {
                    "kind": d["doc_kind"],
                    "issuing_country": d.get("doc_country") or d.get("nationality"),
                    "number": d["doc_number"],
                    "valid_until": d.get("doc_valid_until"),
                    "border_county": d.get("doc_border_county") or None,
                }
            )
        if d.get("doc2_kind") and d.get("doc2_number"):
            out.append(
                {
                    "kind": d["doc2_kind"],
                    "issuing_country": d.get("doc2_country") or d.get("nationality"),
                    "number": d["doc2_number"],
                    "valid_until": d.get("doc2_valid_until"),
                }
            )
        return out

    def clean(self) -> dict[str, Any]:
        d = super().clean()
        if not d.get("doc_number") and not self.has_error("doc_number"):
            self.add_error("doc_number", _("Give the number of the document the person crossed with."))
        return d


class UnitPicker(forms.TextInput):
    """A unit typed or picked: type-ahead over the units' names and codes (``<datalist>``), the
    likely receivers first. The value sent is the unit's code."""

    template_name = "loop/widgets/unit_picker.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"autocomplete": "off", "spellcheck": "false", **(attrs or {})})
        self.choices: Any = []

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        ctx = super().get_context(name, value, attrs)
        options: list[tuple[str, str]] = []
        for code, label in self.choices:
            if isinstance(label, list | tuple):
                options.extend((c, f"{lab} · {code}") for c, lab in label if c)
            elif code:
                options.append((code, str(label)))
        ctx["widget"]["options"] = options
        # the box holds a code ("v533102103201"): its unit's name is shown beside it
        ctx["widget"]["picked"] = dict(options).get(str(value or ""), "")
        ctx["widget"]["attrs"]["list"] = f"{ctx['widget']['attrs'].get('id', name)}-units"
        return ctx


def _pickers(form: forms.Form, *names: str) -> None:
    for name in names:
        field = form.fields[name]
        widget = UnitPicker()
        widget.choices = field.choices
        field.widget = widget


class ReturneeDocumentForm(ReturneeForm):
    """A returnee found locally, with the document they carry (a resident card mostly); the only
    village of the worker is chosen already."""

    document_kind = forms.ChoiceField(
        label=_("Document type"), choices=DocumentKind.choices, initial=DocumentKind.RESIDENT_ID, required=False
    )
    document_number = _text(40, _("Document number (if the person has one at hand)"), widget=forms.TextInput(attrs={"autocomplete": "off"}))

    field_order = ["village", "name", "document_kind", "document_number", "phone", "nationality"]

    def __init__(self, *args: Any, villages: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, villages=villages, **kwargs)
        if villages is not None and not self.is_bound:
            only = list(villages[:2])
            if len(only) == 1:
                self.initial.setdefault("village", only[0].pk)


class DocumentCheckForm(forms.Form):
    document = forms.ChoiceField(label=_("Document"))

    def __init__(self, *args: Any, documents: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["document"].choices = [(str(d.public_id), f"{d.get_kind_display()} {d.issuing_country} {d.masked}") for d in documents]


class _TemperatureForm(forms.Form):
    temperature = forms.CharField(
        label=_("Temperature (°C)"), max_length=6, widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "36.6"})
    )
    symptoms = forms.MultipleChoiceField(label=_("Symptoms"), choices=SYMPTOM_CHOICES, required=False, widget=forms.CheckboxSelectMultiple)


class ScreenForm(_TemperatureForm):
    pass


class CheckForm(_TemperatureForm):
    sample_id = _text(40, _("Sample number (if a test was taken)"))
    result = forms.ChoiceField(label=_("Test result"), choices=[("", "—"), *RESULT_CHOICES], required=False)


class SampleForm(forms.Form):
    sample_id = _text(40, _("Sample number"), required=True)


class ResultForm(forms.Form):
    sample_id = _text(40, _("Sample number"))
    result = forms.ChoiceField(label=_("Result"), choices=RESULT_CHOICES)


class DisposeForm(forms.Form):
    disposition = forms.ChoiceField(label=_("Decision"), choices=Disposition.choices)
    to_unit = forms.ChoiceField(label=_("Destination"), required=False)
    via_unit = forms.ChoiceField(label=_("Transfer team (optional)"), required=False)
    note = _text(300, _("Note"))
    override_reason = _text(300, _("Reason for sending a flagged person elsewhere than hospital (command only)"))

    def __init__(
        self, *args: Any, destinations: Any = (), teams: Any = (), picker: bool = False, sender: Any = None, kinds: Any = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        groups: dict[str, list[tuple[str, str]]] = {}
        for u in destinations:
            groups.setdefault(str(u.get_kind_display()), []).append((u.code, u.name))
        self.fields["to_unit"].choices = [("", "—"), *groups.items()]
        self.fields["via_unit"].choices = [("", _("None: the destination collects the person")), *[(u.code, u.name) for u in teams]]
        if picker:
            self.fields["to_unit"].choices = [("", "—"), *[(u.code, f"{u.name} ({u.get_kind_display()})") for u in destinations]]
            _pickers(self, "to_unit", "via_unit")
        if sender is not None:  # hundreds of villages: searched by name, or chosen by county and township
            use_picker(self, "to_unit", destinations, sender, kinds)


class HomeHereForm(forms.Form):
    """Home monitoring in the village that holds the person: nothing to choose, a note at most."""

    note = _text(300, _("Note"))


class BusDisposeForm(DisposeForm):
    """One decision for a busload: everyone not split out goes the same way, through one team."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, picker=True, **kwargs)
        del self.fields["note"], self.fields["override_reason"]
        self.fields["disposition"].choices = [c for c in Disposition.choices if c[0] != Disposition.HOSPITAL]
        self.fields["via_unit"].label = _("Transfer team")


class OfferForm(forms.Form):
    to_unit = forms.ChoiceField(label=_("Hand over to"))
    override_reason = _text(300, _("Reason for sending a flagged person elsewhere than hospital (command only)"))

    def __init__(self, *args: Any, units: Any = (), picker: bool = False, sender: Any = None, kinds: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        groups: dict[str, list[tuple[str, str]]] = {}
        for u in units:
            groups.setdefault(str(u.get_kind_display()), []).append((u.code, u.name))
        self.fields["to_unit"].choices = [("", "—"), *groups.items()]
        if picker:
            self.fields["to_unit"].choices = [("", "—"), *[(u.code, f"{u.name} ({u.get_kind_display()})") for u in units]]
            _pickers(self, "to_unit")
        if sender is not None:
            use_picker(self, "to_unit", units, sender, kinds)


class AcceptForm(forms.Form):
    room = _text(20, _("Room number"))
    card_code = _text(16, _("Code on the person's loop card"))
    without_card_reason = _text(300, _("No card at hand: why"))


class WithdrawForm(forms.Form):
    reason = _text(300, _("Why the handover is withdrawn"), required=True)


class RedirectForm(OfferForm):
    reason = _text(300, _("Why the handover goes elsewhere"), required=True)

    field_order = ["to_unit", "reason", "override_reason"]


class RefuseForm(forms.Form):
    reason = _text(300, _("Why the handover is refused"), required=True)


class ReportForm(forms.Form):
    condition = forms.ChoiceField(label=_("Condition"), choices=CONDITION_CHOICES)
    note = _text(300, _("Note"))


class OverrideForm(forms.Form):
    override_reason = _text(300, _("Reason for overriding the policy (command only)"))


class ConfirmForm(forms.Form):
    """A step with nothing to type (an arrival): the confirmation page asks before it is taken."""


class UndoForm(forms.Form):
    seq = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ScanForm(forms.Form):
    code = _text(
        16,
        _("Loop code"),
        required=True,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "placeholder": "GM…", "spellcheck": "false"}),
    )
    room = _text(20, _("Room number (quarantine facilities)"))

    def clean_code(self) -> str:
        return "".join(self.cleaned_data["code"].split()).upper()
