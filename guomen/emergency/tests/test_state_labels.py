"""An activation's state reads as a state in both languages (not as another app's yes/no label)."""

from __future__ import annotations

from django.utils import translation

from guomen.emergency.models import ActivationState


def test_an_active_activation_reads_as_under_way():
    with translation.override("zh-hans"):
        assert str(ActivationState.ACTIVE.label) == "进行中"
    with translation.override("en"):
        assert str(ActivationState.ACTIVE.label) == "Active"
