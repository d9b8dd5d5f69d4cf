"""Every app reads its time from guomen.lib.clock: moving that one clock moves them all."""

from datetime import UTC, datetime

import pytest

from guomen.core.models import ApiToken
from guomen.core.services import token_authenticate, token_create
from guomen.lib import clock

pytestmark = pytest.mark.django_db

AT = datetime(2020, 4, 1, 23, 30, tzinfo=UTC)  # 07:30 on 2 April in Yunnan


def test_now_and_today_follow_the_clock_set_for_a_block():
    with clock.at(lambda: AT):
        assert clock.now() == AT
        assert clock.today().isoformat() == "2020-04-02"
    assert clock.now() != AT


def test_a_write_outside_the_loop_takes_its_time_from_the_clock(user):
    _row, raw = token_create(user=user("ruili"), name="phone")
    with clock.at(lambda: AT):
        assert token_authenticate(raw) is not None
    assert ApiToken.objects.get(prefix=raw[:10]).last_used_at == AT
