"""The public self-declaration's village picker: county → township → village with type-ahead.

The page lists the 25 border counties; the chosen county's townships and villages come from
``declare_places_json`` (public: the names and codes are the official statistical ones), and the
village is typed with suggestions. ``village_lookup`` turns what was sent — a village code, or a
name typed without the suggestions — into one village, or a clear error on the field.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from guomen.lib import clock
from guomen.lib.errors import DomainError

from .models import Jurisdiction, Level
from .reference import village_short_zh


def _invalid(code: str, message: str, field: str) -> DomainError:
    return DomainError(code, message, status=422, details={"field": field})


def declare_counties() -> list[Jurisdiction]:
    return list(Jurisdiction.objects.filter(level=Level.COUNTY, children__level=Level.TOWNSHIP).distinct().order_by("code"))


def places_for_county(county: Jurisdiction) -> dict[str, Any]:
    towns = list(Jurisdiction.objects.filter(parent=county, level=Level.TOWNSHIP).order_by("code"))
    villages = Jurisdiction.objects.filter(parent__in=towns, level=Level.VILLAGE).order_by("code")
    by_town: dict[int, list[dict[str, str]]] = {t.pk: [] for t in towns}
    for v in villages:
        by_town[v.parent_id].append(
            {"code": v.code, "name": v.name, "short": village_short_zh(v.name_zh) if v.name == v.name_zh else v.name}
        )
    return {"county": county.code, "townships": [{"code": t.code, "name": t.name, "villages": by_town[t.pk]} for t in towns]}


@require_GET
def declare_places_json(request: HttpRequest) -> JsonResponse:
    county = Jurisdiction.objects.filter(level=Level.COUNTY, code=request.GET.get("county", "")).first()
    if county is None:
        return JsonResponse({"error": {"code": "not_found", "message": _("Choose your county.")}}, status=404)
    resp = JsonResponse(places_for_county(county))
    resp["Cache-Control"] = "public, max-age=3600"
    return resp


def village_lookup(*, county: str, township: str = "", village: str = "") -> Jurisdiction:
    """The village meant: by its 12-digit code, or by its name within the county (and township)."""
    c = Jurisdiction.objects.filter(level=Level.COUNTY, code=county or "").first()
    if c is None:
        raise _invalid("no_county", _("Choose your county."), "county")
    qs = Jurisdiction.objects.filter(level=Level.VILLAGE, path__startswith=c.path).select_related("parent")
    if township:
        if not Jurisdiction.objects.filter(level=Level.TOWNSHIP, parent=c, code=township).exists():
            raise _invalid("no_township", _("Choose a township of your county."), "township")
        qs = qs.filter(parent__code=township)
    text = (village or "").strip()
    if not text:
        raise _invalid("no_village", _("Choose your village."), "village")
    if text.isdigit():
        found = list(qs.filter(code=text))
    else:
        want = text.casefold()
        found = [v for v in qs if want in {v.name_zh.casefold(), v.name_en.casefold(), village_short_zh(v.name_zh).casefold()}]
    if not found:
        raise _invalid("unknown_village", _("There is no village of that name here: pick one from the suggestions."), "village")
    if len(found) > 1:
        raise _invalid("ambiguous_village", _("Several villages have that name: choose the township first."), "township")
    return found[0]


def retention_days() -> int:
    from django.conf import settings

    return int(getattr(settings, "GUOMEN_DECLARATION_RETENTION_DAYS", 30))


def purge_declarations(now: Any = None) -> int:
    """Delete the self-declarations kept longer than the privacy notice says: a pending one
    ``retention_days`` after it was sent, a handled one ``retention_days`` after it was handled."""
    from datetime import timedelta

    from django.db.models import Q

    from .models import DeclarationState, SelfDeclaration

    cutoff = (now or clock.now()) - timedelta(days=retention_days())
    old = SelfDeclaration.objects.filter(
        Q(state=DeclarationState.PENDING, submitted_at__lt=cutoff) | Q(handled_at__lt=cutoff) & ~Q(state=DeclarationState.PENDING)
    )
    n, _by_model = old.delete()
    return n
