"""Choosing where a person goes among hundreds of units: a search by name (Chinese or English) and
a county → township choice narrow the list on the server (htmx swaps the narrowed list in); the
list itself is the real form field, grouped by county and township, and works without script.

The units offered are always the caller's directory (``views.plumbing.likely_units``): narrowing
only ever removes units from it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from guomen.org.models import Unit, UnitKind
from guomen.places.models import Jurisdiction

# Search results shown at most; the rest are counted and the user told to narrow further.
SHOWN = 60


@dataclass
class Picked:
    """What narrows the list: the words searched, the county and township chosen."""

    q: str = ""
    county: str = ""
    township: str = ""

    @classmethod
    def of(cls, data: Any, name: str) -> Picked:
        return cls(
            q=str(data.get(f"{name}-q", "")).strip()[:60],
            county=str(data.get(f"{name}-county", "")).strip()[:12],
            township=str(data.get(f"{name}-township", "")).strip()[:12],
        )


def _parts(unit: Unit) -> list[str]:
    return [p for p in unit.jurisdiction.path.split("/") if p]


def narrow(units: QuerySet[Unit], picked: Picked) -> QuerySet[Unit]:
    """The units that match the words (in a unit's or its place's Chinese or English name, or its
    code) and lie in the county and township chosen."""
    if picked.county.isdigit():
        units = units.filter(jurisdiction__path__contains=f"/{picked.county}/")
    if picked.township.isdigit():
        units = units.filter(jurisdiction__path__contains=f"/{picked.township}/")
    for word in picked.q.split():
        places = Jurisdiction.objects.filter(Q(name_zh__icontains=word) | Q(name_en__icontains=word)).values_list("code", flat=True)
        in_place = Q()
        for code in list(places[:50]):
            in_place |= Q(jurisdiction__path__contains=f"/{code}/")
        units = units.filter(Q(name_zh__icontains=word) | Q(name_en__icontains=word) | Q(code__icontains=word) | in_place)
    return units


def _places(units: Sequence[Unit]) -> dict[str, Jurisdiction]:
    codes = {p for u in units for p in _parts(u)[2:4]}
    return {j.code: j for j in Jurisdiction.objects.filter(code__in=codes)}


def grouped(units: Sequence[Unit], places: dict[str, Jurisdiction]) -> list[tuple[str, list[tuple[str, str]]]]:
    """Options grouped as a person looks for them: villages by county and township, other units
    by county and kind — in the order given (the likely receivers first)."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for u in units:
        parts = _parts(u)
        county = places.get(parts[2]) if len(parts) > 2 else None
        where = county.name if county else ""
        if u.kind == UnitKind.VILLAGE_COMMITTEE and len(parts) > 3 and parts[3] in places:
            label = f"{where} · {places[parts[3]].name}"
        else:
            label = f"{where} · {u.get_kind_display()}" if where else str(u.get_kind_display())
        groups.setdefault(label, []).append((u.code, u.name))
    return list(groups.items())


def counties_and_townships(units: Sequence[Unit], places: dict[str, Jurisdiction]) -> tuple[list[Jurisdiction], list[Jurisdiction]]:
    counties, townships = {}, {}
    for u in units:
        parts = _parts(u)
        if len(parts) > 2 and parts[2] in places:
            counties.setdefault(parts[2], places[parts[2]])
        if u.kind == UnitKind.VILLAGE_COMMITTEE and len(parts) > 3 and parts[3] in places:
            townships.setdefault(parts[3], places[parts[3]])
    by_path = lambda js: sorted(js.values(), key=lambda j: j.path)  # noqa: E731
    return by_path(counties), by_path(townships)


def results_context(name: str, value: str, all_units: QuerySet[Unit], picked: Picked, attrs: dict[str, Any]) -> dict[str, Any]:
    """What the list shows: the units left after narrowing (the one chosen kept), the townships of
    the county chosen, and how many matched."""
    every = list(all_units)
    places = _places(every)
    counties, townships = counties_and_townships(every, places)
    if picked.county:  # county → township → village: a county's townships once it is chosen
        townships = [t for t in townships if f"/{picked.county}/" in t.path]
    elif len(counties) > 1:
        townships = []
    if picked.township and not any(t.code == picked.township for t in townships):
        picked.township = ""
    narrowed = all_units if not (picked.q or picked.county or picked.township) else narrow(all_units, picked)
    matched = list(narrowed[: SHOWN + 1]) if narrowed is not all_units else every
    more = len(matched) > SHOWN and narrowed is not all_units
    shown = matched[:SHOWN] if more else matched
    chosen = next((u for u in every if u.code == value), None)
    if chosen is not None and chosen not in shown:
        shown = [chosen, *shown]
    total = narrowed.count() if more else len(matched)
    return {
        "name": name,
        "value": value,
        "attrs": attrs,
        "groups": grouped(shown, places),
        "counties": counties,
        "townships": townships,
        "picked": picked,
        "narrowed": narrowed is not all_units,
        "total": total,
        "more": total - len(matched[:SHOWN]) if more else 0,
        "size": min(len(shown) + 1, 8),
    }


def search_url(unit: Unit, kinds: Iterable[str], name: str, element_id: str = "") -> str:
    query = {"from": unit.code, "kinds": ",".join(kinds), "name": name, **({"id": element_id} if element_id else {})}
    return f"{reverse('loop:destinations')}?{urlencode(query)}"


class DestinationPicker(forms.Select):
    """The form field's own list, with a search box and county and township choices above it."""

    template_name = "loop/widgets/destination_picker.html"

    def __init__(self, units: QuerySet[Unit], sender: Unit, kinds: Sequence[str], attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.units, self.sender, self.kinds = units, sender, kinds

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        ctx = super().get_context(name, value, attrs)
        value = str(value[0] if isinstance(value, list | tuple) and value else value or "")
        ctx["picker"] = results_context(name, value, self.units, Picked(), ctx["widget"]["attrs"])
        ctx["picker"]["url"] = search_url(self.sender, self.kinds, name, str(ctx["widget"]["attrs"].get("id", "")))
        ctx["picker"]["placeholder"] = _("Search by name, in Chinese or English")
        return ctx


def use_picker(form: forms.Form, name: str, units: QuerySet[Unit], sender: Unit, kinds: Iterable[str]) -> None:
    """Give ``form``'s unit field the destination picker over ``units`` (``sender``'s directory of ``kinds``)."""
    field = form.fields[name]
    field.widget = DestinationPicker(units, sender, list(kinds))
    field.widget.choices = field.choices
