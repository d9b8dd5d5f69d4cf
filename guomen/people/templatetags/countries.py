"""Template filter for people: a country code shown with its name in the reader's language."""

from __future__ import annotations

from django import template

from guomen.people import countries

register = template.Library()


@register.filter
def country_name(code: str | None) -> str:
    """ "MMR" → "缅甸" (or "Myanmar"); an unknown code stays as it is."""
    return countries.name(str(code or ""))
