"""Each role sees and changes only what its units and jurisdictions reach."""

import pytest

from guomen.org.models import Role, Unit, UnitKind
from guomen.org.scoping import Scope
from guomen.places.models import PORT_KINDS, Jurisdiction, Passage

pytestmark = pytest.mark.django_db


def units_of(user) -> set[str]:
    return set(Scope.of(user).filter(Unit.objects.all()).values_list("code", flat=True))


def test_ruili_county_command_sees_ruili_units_but_not_mohans(world, user):
    seen = units_of(user("ruili"))
    assert "port-ruili" in seen and "c533102-hotel1" in seen
    assert all(Unit.objects.get(code=c).jurisdiction.path.startswith("/530000/533100/533102/") for c in seen)
    assert "port-mohan" not in seen and "c532823-hotel1" not in seen


def test_prefecture_command_sees_its_whole_prefecture_and_nothing_beyond(world, user):
    seen = units_of(user("dehong"))
    assert {"port-ruili", "port-zhangfeng", "c533103-command"} <= seen
    assert "port-mohan" not in seen and "p532800-command" not in seen


def test_province_command_and_auditor_see_every_unit(world, user):
    assert units_of(user("province")) == set(Unit.objects.values_list("code", flat=True))
    assert units_of(user("auditor")) == set(Unit.objects.values_list("code", flat=True))


@pytest.mark.parametrize(
    ("username", "own_unit"),
    [
        ("ruili_port", "port-ruili"),
        ("ruili_transfer", "c533102-transfer"),
        ("ruili_hotel", "c533102-hotel1"),
        ("ruili_hospital", "c533102-hospital"),
        ("ruili_patrol", "c533102-patrol"),
        ("info", "yn-info"),
    ],
)
def test_unit_roles_see_only_their_own_unit(world, user, username, own_unit):
    assert units_of(user(username)) == {own_unit}


def test_grid_worker_sees_their_village_committee_only(world, user):
    seen = units_of(user("ruili_grid"))
    assert len(seen) == 1
    assert Unit.objects.get(code=seen.pop()).kind == UnitKind.VILLAGE_COMMITTEE


def test_jurisdiction_reach_follows_the_subtree(world, user):
    ruili = Scope.of(user("ruili")).filter(Jurisdiction.objects.all())
    assert set(ruili.values_list("level", flat=True)) == {"county", "township", "village"}
    assert ruili.filter(code="532823").count() == 0
    ports = set(Scope.of(user("mengla")).filter(Passage.objects.filter(kind__in=PORT_KINDS)).values_list("code", flat=True))
    assert ports == {"mohan", "mohan-rail", "mengman"}
    assert not Scope.of(user("mengla")).filter(Passage.objects.exclude(county__code="532823")).exists()


def test_port_officer_reaches_their_own_port(world, user):
    assert set(Scope.of(user("mohan_port")).filter(Passage.objects.all()).values_list("code", flat=True)) == {"mohan"}


def test_anonymous_reaches_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    assert not Scope.of(AnonymousUser()).filter(Unit.objects.all()).exists()


def test_auditor_is_read_only_and_others_may_write(world, user):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        Scope.of(user("auditor")).require_write()
    Scope.of(user("ruili")).require_write()


def test_acting_for_a_unit_needs_membership_of_it(world, user):
    scope = Scope.of(user("ruili_port"))
    assert scope.acts_for(Unit.objects.get(code="port-ruili"), Role.PORT_OFFICER)
    assert not scope.acts_for(Unit.objects.get(code="port-mohan"))
    # Command reaches a unit but does not act as it.
    assert not Scope.of(user("ruili")).acts_for(Unit.objects.get(code="port-ruili"))


def test_inactive_unit_membership_gives_no_reach(world, user):
    Unit.objects.filter(code="port-ruili").update(active=False)
    assert units_of(user("ruili_port")) == set()


@pytest.mark.parametrize(
    ("username", "visible", "invisible"),
    [
        ("ruili", "c533102-hotel1", "c532823-hotel1"),
        ("mengla", "port-mohan", "port-ruili"),
        ("ruili_port", "port-ruili", "c533102-command"),
    ],
)
def test_objects_outside_scope_are_not_found_in_ui_and_api(client_as, api_as, username, visible, invisible):
    web = client_as(username)
    assert web.get(f"/org/units/{visible}/").status_code == 200
    assert web.get(f"/org/units/{invisible}/").status_code == 404
    api = api_as(username)
    assert api.get(f"/api/org/units/{visible}").status_code == 200
    r = api.get(f"/api/org/units/{invisible}")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"
    codes = {u["code"] for u in api.get("/api/org/units").json()}
    assert visible in codes and invisible not in codes


def test_unit_list_page_shows_only_units_in_reach(client_as):
    html = client_as("ruili").get("/org/units/?kind=port_health_station").content.decode()
    assert "port-ruili" in html and "port-wanding" in html
    assert "port-mohan" not in html
