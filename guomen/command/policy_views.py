"""The command's policy pages: policies side by side (residual risk, rooms, person-days) with
publishing a new version, and the 14-day capacity forecast per county."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from guomen.lib.errors import DomainError
from guomen.org.scoping import Scope

from . import forecast, policies, queries

SLOTS = (1, 2, 3)


def _candidates(data: Any) -> tuple[list[dict[str, str]], list[policies.Candidate], list[str]]:
    """The three candidate columns from the query (defaults: 14 + 7, 14, 7 with a test on day 6)."""
    raw, parsed, errors = [], [], []
    for i, (q, h, t) in zip(SLOTS, policies.DEFAULT_CANDIDATES, strict=True):
        values = {"q": data.get(f"q{i}", q), "h": data.get(f"h{i}", h), "t": data.get(f"t{i}", t)}
        values = {k: str(v)[:40].replace("\x00", "") for k, v in values.items()}
        raw.append({"slot": str(i), **values})
        try:
            parsed.append(policies.parse_candidate(values["q"], values["h"], values["t"]))
        except DomainError as exc:
            errors.append(f"{i}: {exc.message}")
    return raw, parsed, errors


@login_required
@require_GET
def policy_compare(request: HttpRequest) -> HttpResponse:
    from guomen.loop.policy import Rules
    from guomen.loop.services import policy_current

    scope = Scope.of(request.user)
    node = queries.node_for(scope, request.GET.get("j"))
    in_force = policy_current()
    rules = Rules.model_validate(in_force.rules)
    raw, candidates, errors = _candidates(request.GET)
    forecasts = forecast.forecast(node)
    columns = policies.compare(node, candidates, policies.current_candidate(rules), forecasts=forecasts)
    ctx = {
        "node": node,
        "crumbs": queries.crumbs(scope, node),
        "policy": in_force,
        "policy_name": in_force.name_en if (get_language() or "").startswith("en") and in_force.name_en else in_force.name_zh,
        "raw": raw,
        "errors": errors,
        "columns": columns,
        "rate": sum(f.rate for f in forecasts),
        "may_publish": scope.has_role(*policies.PUBLISH_ROLES) and not scope.read_only,
        "sources": _sources(),
    }
    return render(request, "command/policies.html", ctx)


def _sources() -> tuple[str, ...]:
    from guomen.loop.science import params

    return params().sources


@login_required
@require_POST
def policy_publish(request: HttpRequest) -> HttpResponse:
    scope = Scope.of(request.user)
    node = queries.node_for(scope, request.POST.get("j"))
    back = {"j": node.code, **{f"{k}{i}": request.POST.get(f"{k}{i}", "") for i in SLOTS for k in "qht"}}
    slot = request.POST.get("slot", "")
    try:
        if slot not in {str(i) for i in SLOTS}:
            raise DomainError("invalid_choice", _("Choose the policy to publish."), status=422)
        candidate = policies.parse_candidate(request.POST.get(f"q{slot}"), request.POST.get(f"h{slot}"), request.POST.get(f"t{slot}"))
        p = policies.publish(
            actor=request.user, candidate=candidate, name_zh=request.POST.get("name_zh", ""), name_en=request.POST.get("name_en", "")
        )
    except (DomainError, PermissionDenied) as exc:
        messages.error(request, getattr(exc, "message", None) or str(exc))
    else:
        messages.success(request, _("Published %(policy)s; new journeys follow it, open journeys keep theirs.") % {"policy": p})
    return redirect(reverse("command:policies") + "?" + urlencode(back))


@login_required
@require_GET
def capacity(request: HttpRequest) -> HttpResponse:
    scope = Scope.of(request.user)
    node = queries.node_for(scope, request.GET.get("j"))
    forecasts = forecast.forecast(node)
    days = forecasts[0].days if forecasts else []
    ctx = {
        "node": node,
        "crumbs": queries.crumbs(scope, node),
        "forecasts": forecasts,
        "warnings": forecast.warnings(forecasts),
        "days": days,
        "horizon": forecast.HORIZON,
    }
    return render(request, "command/capacity.html", ctx)
