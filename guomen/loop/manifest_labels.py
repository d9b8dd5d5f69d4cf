"""The labels of manifest fields for people (the report names a field by its label, never its key)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

LABELS = {
    "name_native": _("Name (native script)"),
    "name_latin": _("Name (Latin letters, as in the passport)"),
    "sex": _("Sex"),
    "birth_date": _("Date of birth"),
    "nationality": _("Nationality"),
    "document_kind": _("Document kind"),
    "kind": _("Document kind"),
    "document_number": _("Document number"),
    "documents": _("Documents"),
    "number": _("Document number"),
    "issuing_country": _("Issuing country"),
    "valid_until": _("Valid until"),
    "expected_at": _("Expected arrival"),
    "origin_place": _("Coming from"),
    "destination": _("Destination"),
    "risk": _("Risk"),
    "phone": pgettext_lazy("telephone", "Phone"),
}


def field_label(key: str) -> str:
    """The column's label; a field the people services name (``people.services.FIELD_LABELS``) by theirs."""
    from django.utils.text import capfirst

    from guomen.people.services import FIELD_LABELS

    key = str(key)
    if key in LABELS:
        return str(LABELS[key])
    return capfirst(str(FIELD_LABELS[key])) if key in FIELD_LABELS else key
