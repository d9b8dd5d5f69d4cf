"""Sign-in throttling: wrong passwords lock the account (and the address), the right password is
then refused with a translated page until the lock expires or an administrator lifts it."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from guomen.org.demo import DEMO_PASSWORD

WRONG = "not-the-password"


def _sign_in(client: Client, username: str, password: str):
    return client.post("/login/", {"username": username, "password": password})


def test_fifty_wrong_passwords_lock_the_account_and_the_right_one_is_refused_until_unlocked(world):
    c = Client(HTTP_ACCEPT_LANGUAGE="zh-hans", REMOTE_ADDR="198.51.100.7")
    codes = [_sign_in(c, "ruili", WRONG).status_code for _ in range(12)]
    assert codes[:9] == [200] * 9  # the form again, "user name or password not right"
    assert codes[9:] == [429, 429, 429]  # the tenth failure locks
    # Another account signs in from the same address (the address limit is higher), and that
    # success does not lift the lock on the first account.
    assert _sign_in(Client(REMOTE_ADDR="198.51.100.7"), "ruili_port", DEMO_PASSWORD).status_code == 302
    codes = [_sign_in(c, "ruili", WRONG).status_code for _ in range(38)]
    assert set(codes) == {429}  # 50 wrong passwords in all
    r = _sign_in(c, "ruili", DEMO_PASSWORD)
    assert r.status_code == 429 and "_auth_user_id" not in c.session
    assert "密码错误次数过多" in r.content.decode()
    # From another address too: the account itself is locked.
    other = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="198.51.100.8")
    r = _sign_in(other, "ruili", DEMO_PASSWORD)
    assert r.status_code == 429 and "Too many wrong passwords" in r.content.decode()
    call_command("signin_unlock", username="ruili", stdout=StringIO())
    r = _sign_in(c, "ruili", DEMO_PASSWORD)
    assert r.status_code == 302 and c.session["_auth_user_id"] == str(get_user_model().objects.get(username="ruili").pk)


def test_an_address_trying_many_accounts_is_locked(world, settings):
    c = Client(REMOTE_ADDR="203.0.113.5")
    names = [f"guess{i}" for i in range(settings.GUOMEN_SIGNIN_FAILURES_PER_ADDRESS)]
    codes = [_sign_in(c, name, WRONG).status_code for name in names]
    assert codes[-1] == 429 and codes[0] == 200
    assert _sign_in(c, "ruili", DEMO_PASSWORD).status_code == 429
    assert _sign_in(Client(REMOTE_ADDR="203.0.113.6"), "ruili", DEMO_PASSWORD).status_code == 302


def test_the_lock_expires_after_its_time(world):
    c = Client(REMOTE_ADDR="198.51.100.9")
    for _ in range(10):
        _sign_in(c, "ruili_port", WRONG)
    assert _sign_in(c, "ruili_port", DEMO_PASSWORD).status_code == 429
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=61)):
        assert _sign_in(c, "ruili_port", DEMO_PASSWORD).status_code == 302


def test_the_administrator_sees_locks_in_the_admin_to_delete_them(world, client_as):
    for _ in range(10):
        _sign_in(Client(REMOTE_ADDR="198.51.100.10"), "ruili", WRONG)
    admin = client_as("admin")
    r = admin.get("/admin/axes/accessattempt/")
    assert r.status_code == 200 and "ruili" in r.content.decode()
