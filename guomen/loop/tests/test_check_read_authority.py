"""The single check's ``read`` (the journey read with the API token's lookup): the service's own
rules hold whatever read it is given."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection

from guomen.loop import queries
from guomen.loop import services as s
from guomen.loop.models import CustodyEvent, EventKind
from guomen.loop.tests.factories import who
from guomen.loop.tests.test_flows import arrive, to_facility
from guomen.org.models import Membership

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the read is used on PostgreSQL's optimistic path only"),
]


def test_a_read_made_for_another_user_does_not_let_a_non_custodian_write(world):
    j = to_facility(arrive())
    given = queries.journey_in_custody(who("ruili_hotel"), j.code)  # the custodian's read
    assert given is not None
    with pytest.raises(PermissionDenied):  # ruili_port is within reach but not the custodian (as with read=None)
        s.health_check_by_code(actor=who("ruili_port"), code=j.code, temperature=36.5, read=given)
    assert not CustodyEvent.objects.filter(journey=j, kind=EventKind.HEALTH_CHECK).exists()


def test_a_read_made_before_the_membership_was_revoked_does_not_write(world):
    j = to_facility(arrive())
    hotel = who("ruili_hotel")
    stale = queries.journey_in_custody(hotel, j.code)  # the token's lookup, at authentication
    Membership.objects.filter(user=hotel).delete()  # revoked before the view runs
    with pytest.raises(Exception):  # noqa: B017 - whatever the locked path answers, not a write
        s.health_check_by_code(actor=hotel, code=j.code, temperature=36.5, read=stale)
    assert not CustodyEvent.objects.filter(journey=j, kind=EventKind.HEALTH_CHECK).exists()
