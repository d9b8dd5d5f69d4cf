"""The duty figures the command dashboard shows: this week's patrol coverage and the next day's gaps."""

from datetime import timedelta

import pytest
from django.utils import timezone

from guomen.duty.models import PatrolSegment
from guomen.duty.queries import command_figures, coverage_for, posts
from guomen.org.scoping import Scope
from guomen.places.models import BorderSegment, Jurisdiction

pytestmark = pytest.mark.django_db


def test_uncovered_post_hours_are_the_hours_of_the_gaps_of_the_next_24_hours(world, user):
    scope, now = Scope.of(user("ruili")), timezone.now()
    ruili = Jurisdiction.objects.get(code="533102")
    gaps, _ = coverage_for(posts(scope), now, 24)
    assert command_figures(scope=scope, jurisdiction=ruili, now=now)["uncovered_post_hours_24h"] == sum(g.hours for g in gaps.gaps)


def test_patrol_coverage_of_the_week_is_weighted_by_length_and_counts_each_segments_best_patrol(world, user):
    scope, now = Scope.of(user("ruili")), timezone.now()
    ruili = Jurisdiction.objects.get(code="533102")
    segs = list(BorderSegment.objects.filter(county=ruili))
    monday = timezone.localdate(now) - timedelta(days=timezone.localdate(now).weekday())
    rows = PatrolSegment.objects.filter(segment__in=segs, week__gte=monday)
    best = {}
    for r in rows:
        best[r.segment_id] = max(best.get(r.segment_id, 0), r.share)
    expected = round(100 * sum(s.length_km * best.get(s.pk, 0) for s in segs) / sum(s.length_km for s in segs), 1)
    assert command_figures(scope=scope, jurisdiction=ruili, now=now)["patrol_coverage_week"] == expected


def test_the_county_dashboard_shows_the_duty_figures(client_as):
    html = client_as("ruili").get("/command/?j=533102").content.decode()
    fig = html[html.index('id="fig-uncovered"') :][:400]
    assert "not available" not in fig and "不可用" not in fig
