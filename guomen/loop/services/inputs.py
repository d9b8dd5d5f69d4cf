"""Checks of the values typed or sent in: temperature and symptoms (text: ``lib.text.clean_text``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from guomen.lib.errors import DomainError


# --- input checks -------------------------------------------------------------------------------------------
def _temperature(value: Any) -> float:
    if isinstance(value, str):
        value = value.strip()
        if value.count(",") == 1 and "." not in value:
            value = value.replace(",", ".")  # a decimal comma, as many keyboards and countries write it
    try:
        t = float(value)
    except (TypeError, ValueError):
        raise DomainError("invalid_temperature", _("Give the temperature in degrees Celsius, e.g. 36.6."), status=422)
    if not 30.0 <= t <= 45.0 or t != t:
        raise DomainError("invalid_temperature", _("A body temperature is between 30 and 45 °C."), status=422)
    return round(t, 1)


SYMPTOMS = ("cough", "sore_throat", "breathless", "fatigue", "loss_of_smell", "diarrhoea", "other")


def _symptoms(values: Sequence[str]) -> list[str]:
    values = [str(v) for v in values]
    bad = [v for v in values if v not in SYMPTOMS]
    if bad:
        raise DomainError("invalid_symptom", _("Unknown symptoms: %(list)s") % {"list": ", ".join(bad)}, status=422)
    return sorted(set(values))
