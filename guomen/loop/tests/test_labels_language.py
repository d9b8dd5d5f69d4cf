"""Labels kept in module-level tables follow the language of each request, not the one active at import."""

from __future__ import annotations

from django.utils import translation

from guomen.loop.views import FINDING_LABELS, awaiting_label


def test_what_a_journey_waits_for_and_document_findings_are_said_in_the_current_language():
    with translation.override("en"):
        assert awaiting_label("health_check") == "the next health check"
        assert str(FINDING_LABELS["expired"]) == "expired"
    with translation.override("zh-hans"):
        assert awaiting_label("health_check") == "下一次健康监测"
        assert str(FINDING_LABELS["expired"]) != "expired"
