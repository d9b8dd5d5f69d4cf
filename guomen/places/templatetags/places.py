"""Template filters for places: country codes shown as names in the reader's language."""

from __future__ import annotations

from collections.abc import Iterable

from django import template

from guomen.places.models import Country

register = template.Library()


@register.filter
def country_names(codes: Iterable[str] | None) -> list[str]:
    """["MMR", "LAO"] → ["缅甸", "老挝"] (or ["Myanmar", "Laos"]); an unknown code stays as it is."""
    return [str(Country(c).label) if c in Country.values else str(c) for c in codes or []]
