"""Forms for the village pages and the public self-declaration (validation of shape only; rules live in services)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .models import Country, Jurisdiction, Level, RecordKind, Risk


class VillageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Jurisdiction) -> str:
        parent = obj.parent
        county = parent.parent if parent else None
        return " / ".join(str(x) for x in (county, parent, obj) if x is not None)


def _villages():
    return Jurisdiction.objects.filter(level=Level.VILLAGE).select_related("parent", "parent__parent").order_by("path")


COUNTRY_CHOICES = [("", "—"), *[(c.value, c.label) for c in Country if c != Country.CHN], ("CHN", _("Elsewhere in China"))]


class SelfDeclarationForm(forms.Form):
    """County → township → village: the county from a short list, the village typed with suggestions
    (see declare.py and static/places/declare.js)."""

    name = forms.CharField(label=_("Your name"), max_length=120)
    phone = forms.CharField(label=_("Your phone"), max_length=40)
    county = forms.ChoiceField(label=_("Your county"), choices=())
    township = forms.CharField(label=_("Your township"), required=False, max_length=9, widget=forms.Select(choices=[("", "—")]))
    village = forms.CharField(
        label=_("Your village"),
        max_length=120,
        help_text=_("Type a few characters of the name and pick your village from the suggestions."),
        widget=forms.TextInput(attrs={"list": "village-options", "autocomplete": "off"}),
    )
    came_from_country = forms.ChoiceField(label=_("Coming from (country)"), choices=COUNTRY_CHOICES, required=False)
    came_from = forms.CharField(label=_("Coming from (place)"), max_length=200)
    returned_on = forms.DateField(label=_("Date of return"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        from .declare import declare_counties

        super().__init__(*args, **kwargs)
        self.fields["county"].choices = [("", "—"), *[(c.code, c.name) for c in declare_counties()]]
        chosen = self.data.get("township") if self.is_bound else ""
        if chosen:  # keep a township chosen before a failed submission selectable
            self.fields["township"].widget.choices = [("", "—"), *Jurisdiction.objects.filter(code=chosen).values_list("code", "name_zh")]


class ReturneeForm(forms.Form):
    village = VillageChoiceField(label=_("Village"), queryset=Jurisdiction.objects.none())
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=120)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    nationality = forms.CharField(label=_("Nationality (ISO 3166 alpha-3)"), max_length=3, initial="CHN")
    came_from_country = forms.ChoiceField(label=_("Coming from (country)"), choices=COUNTRY_CHOICES, required=False)
    came_from = forms.CharField(label=_("Coming from (place)"), max_length=120, required=False)
    place = forms.CharField(label=_("Where found"), max_length=200, required=False)
    risk = forms.ChoiceField(label=_("Risk"), choices=Risk.choices, initial=Risk.HIGH)

    def __init__(self, *args, villages=None, **kwargs):
        super().__init__(*args, **kwargs)
        if villages is not None:
            self.fields["village"].queryset = villages


class SegmentRecordForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=RecordKind.choices)
    text = forms.CharField(label=_("Record"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)


class RejectForm(forms.Form):
    note = forms.CharField(label=_("Why"), max_length=300)
