"""The dashboard reads duty directly (command sits above duty): a failure there is not hidden."""

import pytest
from django.core.cache import cache
from django.utils import timezone

from guomen.command import queries
from guomen.org.scoping import Scope
from guomen.places.models import Jurisdiction

pytestmark = pytest.mark.django_db


def test_an_error_in_the_duty_figures_is_raised_not_turned_into_empty_figures(world, user, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("duty figures broke")

    cache.clear()
    monkeypatch.setattr(queries.figures, "duty_command_figures", broken)
    with pytest.raises(RuntimeError, match="duty figures broke"):
        queries.duty_figures(Scope.of(user("ruili")), Jurisdiction.objects.get(code="533102"), timezone.now())


def test_the_duty_figures_count_open_incidents_and_tasks_of_the_subtree(world, user):
    from guomen.duty.models import DutyTask, Incident, IncidentStatus, TaskStatus

    cache.clear()
    ruili = Jurisdiction.objects.get(code="533102")
    out = queries.duty_figures(Scope.of(user("ruili")), ruili, timezone.now())
    below = {"jurisdiction__path__startswith": ruili.path}
    assert out["incidents_open"] == Incident.objects.filter(**below).exclude(status=IncidentStatus.CLOSED).count()
    assert out["tasks_open"] == DutyTask.objects.filter(**below, status__in=[TaskStatus.OPEN, TaskStatus.IN_PROGRESS]).count()
    assert out["coverage_week"] is not None


@pytest.mark.parametrize(("lang", "unit"), [("zh-hans", "（占边境线长度）"), ("en", "of the border line's length")])
def test_the_weekly_patrol_coverage_shows_its_unit_on_the_dashboard_and_the_segment_page(client_as, lang, unit):
    import re
    from html import unescape

    cache.clear()
    c = client_as("ruili")
    c.cookies["django_language"] = lang
    html = unescape(c.get("/command/?j=533102").content.decode())
    figure = re.search(r'<li id="fig-coverage">(.*?)</li>', html, re.S).group(1)
    assert re.search(r"\d+% <span[^>]*>" + re.escape(unit), figure), figure
    page = unescape(c.get("/duty/segments/").content.decode())
    heads = re.findall(r"<th>(.*?)</th>", page)
    assert {"步行公里", "时长（小时）"} <= set(heads) if lang == "zh-hans" else {"km walked", "Hours (h)"} <= set(heads), heads


def test_the_duty_figures_for_a_time_are_computed_for_that_time_not_taken_from_another_minute(world, user):
    from datetime import timedelta

    from guomen.duty.queries import command_figures

    cache.clear()
    scope, province = Scope.of(user("province")), Jurisdiction.objects.get(code="530000")
    start = timezone.now().replace(second=0, microsecond=0)
    times = [start + timedelta(hours=h) for h in range(0, 24, 2)]
    expected = [command_figures(scope=scope, jurisdiction=province, now=t)["uncovered_post_hours_24h"] for t in times]
    assert len(set(expected)) > 1  # the roster's gaps ahead change over the day (else this test shows nothing)
    assert [queries.duty_figures(scope, province, t)["uncovered_hours"] for t in times] == expected
    assert [queries.duty_figures(scope, province, t)["uncovered_hours"] for t in times] == expected  # and again, from the cache
