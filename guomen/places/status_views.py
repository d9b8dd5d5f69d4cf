"""Pages that change a passage's or a village's status: for the command of its jurisdiction only."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from guomen.lib.errors import DomainError
from guomen.org.scoping import Scope

from . import services
from .models import Jurisdiction, Level, Passage, PassageStatusKind, VillageStatusKind

_WHEN = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class PassageStatusForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=PassageStatusKind.choices)
    valid_from = forms.DateTimeField(label=gettext_lazy("From"), required=False, widget=_WHEN, help_text=gettext_lazy("Empty: now."))
    valid_to = forms.DateTimeField(
        label=gettext_lazy("Until"), required=False, widget=_WHEN, help_text=gettext_lazy("Empty: until changed.")
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class VillageStatusForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=VillageStatusKind.choices)
    entrance_posts = forms.IntegerField(label=gettext_lazy("Entrance posts"), min_value=0, max_value=1000, initial=0)
    valid_from = forms.DateTimeField(label=gettext_lazy("From"), required=False, widget=_WHEN, help_text=gettext_lazy("Empty: now."))
    reason = forms.CharField(label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


def _save(form: forms.Form, run) -> bool:
    try:
        run()
    except DomainError as exc:
        form.add_error(exc.details.get("field") if exc.details and exc.details.get("field") in form.fields else None, exc.message)
    except PermissionDenied as exc:
        form.add_error(None, str(exc))
    else:
        return True
    return False


@login_required
@require_http_methods(["GET", "POST"])
def passage_status_edit(request: HttpRequest, code: str) -> HttpResponse:
    passage = Scope.of(request.user).get(Passage.objects.select_related("county"), code=code)
    if not services.may_command(request.user, passage.county):
        raise PermissionDenied(_("Only the command of %(place)s may do this.") % {"place": passage.county})
    form = PassageStatusForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if _save(
            form,
            lambda: services.passage_status_set(
                actor=request.user,
                passage=passage,
                status=d["status"],
                valid_from=d["valid_from"],
                valid_to=d["valid_to"],
                reason=d["reason"],
            ),
        ):
            messages.success(request, _("The status of %(name)s was changed.") % {"name": passage.name})
            return redirect("passage_detail", code=passage.code)
    return render(request, "places/status_form.html", {"form": form, "title": passage.name, "back": ("passage_detail", passage.code)})


@login_required
@require_http_methods(["GET", "POST"])
def village_status_edit(request: HttpRequest, code: str) -> HttpResponse:
    village = Scope.of(request.user).get(Jurisdiction.objects.filter(level=Level.VILLAGE), code=code)
    if not services.may_command(request.user, village):
        raise PermissionDenied(_("Only the command of %(place)s may do this.") % {"place": village})
    form = VillageStatusForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if _save(
            form,
            lambda: services.village_status_set(
                actor=request.user,
                village=village,
                status=d["status"],
                valid_from=d["valid_from"],
                entrance_posts=d["entrance_posts"],
                reason=d["reason"],
            ),
        ):
            messages.success(request, _("The status of %(name)s was changed.") % {"name": village.name})
            return redirect("village_detail", code=village.code)
    return render(request, "places/status_form.html", {"form": form, "title": village.name, "back": ("village_detail", village.code)})
