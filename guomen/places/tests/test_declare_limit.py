"""The public self-declaration's limit holds across worker processes (shared cache) and keys on
the client's address, believing X-Forwarded-For only from the configured trusted proxies."""

from __future__ import annotations

from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.test import Client

from guomen.places.models import SelfDeclaration
from guomen.places.tests.test_villages import _declaration, grid_village
from guomen.places.views import DECLARE_ATTEMPTS_PER_HOUR, DECLARE_LIMIT_PER_HOUR


def _post(client: Client, village, i: int, **extra) -> int:
    return client.post("/places/declare/", _declaration(village, name=f"居民{i}"), **extra).status_code


def test_the_limit_counts_in_the_shared_database_cache(world):
    assert isinstance(caches["default"], DatabaseCache)  # what `make run` uses without Redis


def test_two_processes_share_one_bucket(world, user):
    """Each worker process has its own cache connection object; both count in the same table."""
    village = grid_village(user)
    first, second = Client(REMOTE_ADDR="192.0.2.10"), Client(REMOTE_ADDR="192.0.2.10")
    codes = []
    for i in range(DECLARE_LIMIT_PER_HOUR + 2):
        if hasattr(caches._connections, "default"):
            del caches["default"]  # a fresh cache handle, as in another process
        codes.append(_post(first if i % 2 else second, village, i))
    assert codes == [302] * DECLARE_LIMIT_PER_HOUR + [429, 429]
    assert SelfDeclaration.objects.count() == DECLARE_LIMIT_PER_HOUR


def test_behind_a_trusted_proxy_each_resident_has_a_bucket(world, user, settings):
    settings.GUOMEN_TRUSTED_PROXIES = ["10.0.0.0/8"]
    village = grid_village(user)
    proxy = Client(REMOTE_ADDR="10.1.2.3")
    a = [_post(proxy, village, i, HTTP_X_FORWARDED_FOR="203.0.113.1") for i in range(DECLARE_LIMIT_PER_HOUR + 1)]
    b = [_post(proxy, village, 100 + i, HTTP_X_FORWARDED_FOR="203.0.113.2") for i in range(DECLARE_LIMIT_PER_HOUR)]
    assert a[-1] == 429 and set(a[:-1]) == {302}
    assert set(b) == {302}
    # A resident cannot escape by writing their own X-Forwarded-For: the proxy appends the real one.
    spoof = _post(proxy, village, 200, HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.1")
    assert spoof == 429
    assert SelfDeclaration.objects.count() == 2 * DECLARE_LIMIT_PER_HOUR


def test_an_untrusted_forwarded_for_is_ignored(world, user, settings):
    settings.GUOMEN_TRUSTED_PROXIES = ["10.0.0.0/8"]
    village = grid_village(user)
    direct = Client(REMOTE_ADDR="192.0.2.44")
    codes = [_post(direct, village, i, HTTP_X_FORWARDED_FOR=f"203.0.113.{i}") for i in range(DECLARE_LIMIT_PER_HOUR + 1)]
    assert codes[-1] == 429 and SelfDeclaration.objects.count() == DECLARE_LIMIT_PER_HOUR


def test_a_resident_who_makes_typos_is_not_locked_out(world, user):
    village = grid_village(user)
    resident = Client(REMOTE_ADDR="192.0.2.77")
    typos = [resident.post("/places/declare/", _declaration(village, name="", phone="abc")) for _ in range(DECLARE_LIMIT_PER_HOUR + 3)]
    assert {r.status_code for r in typos} == {200} and SelfDeclaration.objects.count() == 0
    codes = [_post(resident, village, i) for i in range(DECLARE_LIMIT_PER_HOUR + 1)]
    assert codes == [302] * DECLARE_LIMIT_PER_HOUR + [429]
    assert SelfDeclaration.objects.count() == DECLARE_LIMIT_PER_HOUR


def test_attempts_have_their_own_higher_cap(world, user):
    village = grid_village(user)
    bot = Client(REMOTE_ADDR="192.0.2.78")
    codes = [
        bot.post("/places/declare/", _declaration(village, name="", phone="x")).status_code for _ in range(DECLARE_ATTEMPTS_PER_HOUR + 1)
    ]
    assert codes == [200] * DECLARE_ATTEMPTS_PER_HOUR + [429]
    assert _post(bot, village, 1) == 429 and SelfDeclaration.objects.count() == 0
