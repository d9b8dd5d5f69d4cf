"""The planner's forms: a plan's names and trigger rule, and a version's steps as rows (a formset).

The forms only read the input (types, lengths, required fields); the rules (reach, dependencies,
targets, approval) are the services'."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from guomen.org.models import Role

from .models import InjectKind, Scenario, TriggerKind

MAX_ROWS = 200
SPLIT = re.compile(r"[\s,，、;；]+")


class PlanForm(forms.Form):
    name_zh = forms.CharField(label=_("name (Chinese)"), max_length=200)
    name_en = forms.CharField(label=_("name (English)"), max_length=200, required=False)
    scenario = forms.ChoiceField(label=_("scenario"), choices=Scenario.choices)
    facility = forms.CharField(label=_("port or facility (unit code)"), max_length=60, required=False)
    trigger_kind = forms.ChoiceField(label=_("trigger"), choices=TriggerKind.choices)
    trigger_threshold = forms.IntegerField(
        label=_("trigger threshold (N or %)"),
        min_value=0,
        max_value=1_000_000,
        initial=0,
        help_text=_("Forecast rule: days ahead (0: the whole 14-day forecast)."),
    )


class NewPlanForm(PlanForm):
    code = forms.SlugField(label=_("code"), max_length=60)
    owner_unit = forms.ChoiceField(label=_("command that owns the plan"))
    jurisdiction = forms.CharField(label=_("scope (place code, empty: the command's own)"), max_length=40, required=False)

    field_order = ["code", "name_zh", "name_en", "scenario", "owner_unit", "jurisdiction", "facility", "trigger_kind", "trigger_threshold"]

    def __init__(self, *args: Any, owners: list[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner_unit"].choices = list(owners)


class VersionForm(forms.Form):
    review_due = forms.DateField(label=_("review due"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}))
    note = forms.CharField(label=_("what changed"), max_length=300, required=False)


class StepForm(forms.Form):
    code = forms.CharField(label=_("step"), max_length=12, required=False)
    kind = forms.SlugField(
        label=_("kind of step"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"list": "step-kinds"}),
    )
    title_zh = forms.CharField(label=_("what (Chinese)"), max_length=200, required=False)
    title_en = forms.CharField(label=_("what (English)"), max_length=200, required=False)
    role = forms.ChoiceField(label=_("role"), choices=[("", "—"), *Role.choices], required=False)
    unit = forms.CharField(label=_("unit (code)"), max_length=60, required=False, widget=forms.TextInput(attrs={"list": "units"}))
    target_minutes = forms.IntegerField(label=_("target (minutes from activation)"), min_value=1, max_value=60 * 24 * 30, required=False)
    after = forms.CharField(label=_("after (step codes)"), max_length=300, required=False)
    checklist = forms.CharField(
        label=_("checklist (one item a line)"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    REQUIRED = ("code", "title_zh", "role", "unit", "target_minutes")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not any(data.get(f) not in (None, "") for f in self.fields):
            return data  # an empty row: left out
        for name in self.REQUIRED:
            if data.get(name) in (None, "") and name not in self.errors:
                self.add_error(name, _("This field is required."))
        return data

    def is_blank(self) -> bool:
        return not any(self.cleaned_data.get(f) not in (None, "") for f in self.fields)

    def step(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "code": d["code"].strip(),
            "kind": d["kind"] or d["code"].strip(),
            "title_zh": d["title_zh"],
            "title_en": d["title_en"],
            "role": d["role"],
            "unit": d["unit"].strip(),
            "target_minutes": d["target_minutes"],
            "after": [a for a in SPLIT.split(d["after"]) if a],
            "checklist": [line.strip() for line in d["checklist"].splitlines() if line.strip()],
        }


StepFormSet = forms.formset_factory(StepForm, extra=0, max_num=MAX_ROWS, absolute_max=MAX_ROWS, validate_max=True)


class InjectForm(forms.Form):
    """A line of the exercise script (drills only): at +minutes, this happens."""

    offset_minutes = forms.IntegerField(label=_("minutes after activation"), min_value=0, max_value=60 * 24 * 30, required=False)
    kind = forms.ChoiceField(label=_("kind"), choices=[("", "—"), *InjectKind.choices], required=False)
    text_zh = forms.CharField(label=_("text (Chinese)"), max_length=300, required=False)
    text_en = forms.CharField(label=_("text (English)"), max_length=300, required=False)
    name = forms.CharField(label=_("simulated traveller"), max_length=60, required=False)
    temperature = forms.DecimalField(label=_("temperature (°C)"), min_value=30, max_value=45, decimal_places=1, required=False)
    symptoms = forms.CharField(label=_("symptoms (codes)"), max_length=200, required=False)
    result = forms.ChoiceField(
        label=_("result"), choices=[("", "—"), ("positive", _("positive")), ("negative", _("negative"))], required=False
    )

    REQUIRED = ("offset_minutes", "kind", "text_zh")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not any(data.get(f) not in (None, "") for f in self.fields):
            return data
        for name in self.REQUIRED:
            if data.get(name) in (None, "") and name not in self.errors:
                self.add_error(name, _("This field is required."))
        return data

    def is_blank(self) -> bool:
        return not any(self.cleaned_data.get(f) not in (None, "") for f in self.fields)

    def inject(self) -> dict[str, Any]:
        d = self.cleaned_data
        data: dict[str, Any] = {}
        if d["name"]:
            data["name"] = d["name"]
        if d["temperature"] is not None:
            data["temperature"] = float(d["temperature"])
        symptoms = [x for x in SPLIT.split(d["symptoms"]) if x]
        if symptoms:
            data["symptoms"] = symptoms
        if d["result"]:
            data["result"] = d["result"]
        return {"offset_minutes": d["offset_minutes"], "kind": d["kind"], "text_zh": d["text_zh"], "text_en": d["text_en"], "data": data}


InjectFormSet = forms.formset_factory(InjectForm, extra=0, max_num=50, absolute_max=50, validate_max=True)


def inject_initial(version: Any) -> list[dict[str, Any]]:
    if version is None:
        return []
    return [
        {
            "offset_minutes": i.offset_minutes,
            "kind": i.kind,
            "text_zh": i.text_zh,
            "text_en": i.text_en,
            "name": i.data.get("name", ""),
            "temperature": i.data.get("temperature"),
            "symptoms": " ".join(i.data.get("symptoms", [])),
            "result": i.data.get("result", ""),
        }
        for i in version.injects.all()
    ]


def step_initial(version: Any) -> list[dict[str, Any]]:
    """A version's steps as the editor's rows (the start of the next version)."""
    if version is None:
        return []
    rows = []
    for s in version.steps.select_related("unit").prefetch_related("depends_on").order_by("order", "code"):
        rows.append(
            {
                "code": s.code,
                "kind": s.kind,
                "title_zh": s.title_zh,
                "title_en": s.title_en,
                "role": s.role,
                "unit": s.unit.code,
                "target_minutes": s.target_minutes,
                "after": " ".join(sorted(d.code for d in s.depends_on.all())),
                "checklist": "\n".join(s.checklist),
            }
        )
    return rows
