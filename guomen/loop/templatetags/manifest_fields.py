"""``{{ key|manifest_field }}``: the label of a manifest column for people, not its machine key."""

from __future__ import annotations

from django import template

from guomen.loop.manifest_labels import field_label

register = template.Library()


@register.filter
def manifest_field(key: str) -> str:
    return field_label(key)
