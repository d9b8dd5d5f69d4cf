"""Forms of the public pages (shape only: the rules live in the services)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from guomen.places.forms import VillageChoiceField
from guomen.places.models import Jurisdiction, Level

from .abuse import HONEYPOT
from .models import QuestionTopic, ReportKind


def _villages():
    return Jurisdiction.objects.filter(level=Level.VILLAGE).select_related("parent", "parent__parent").order_by("path")


class ReportForm(forms.Form):
    kind = forms.ChoiceField(label=_("What did you see?"), choices=ReportKind.choices, widget=forms.RadioSelect)
    what = forms.CharField(label=_("Describe what you saw"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
    occurred_at = forms.DateTimeField(
        label=_("When"),
        input_formats=["%Y-%m-%dT%H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    lon = forms.FloatField(required=False, widget=forms.HiddenInput)
    village = VillageChoiceField(label=_("Or choose a village"), queryset=_villages(), required=False)
    photo = forms.FileField(
        label=_("Photo (optional, JPEG or PNG, up to 5 MB)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}),
    )
    phone = forms.CharField(label=_("Your phone (optional)"), max_length=40, required=False)
    form_token = forms.CharField(widget=forms.HiddenInput)


class QuestionForm(forms.Form):
    text = forms.CharField(label=_("Your question"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))
    form_token = forms.CharField(widget=forms.HiddenInput)


class TopicForm(forms.Form):
    topic = forms.ChoiceField(label=_("Topic"), choices=QuestionTopic.choices)


HONEYPOT_FIELD = HONEYPOT
