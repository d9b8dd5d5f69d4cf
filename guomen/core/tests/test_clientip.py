"""The client address believes X-Forwarded-For only from trusted proxies."""

from __future__ import annotations

from django.test import RequestFactory

from guomen.core.clientip import client_ip


def _req(remote: str | None, forwarded: str | None = None):
    meta = {}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    r = RequestFactory().get("/", **meta)
    if remote is None:
        del r.META["REMOTE_ADDR"]
    else:
        r.META["REMOTE_ADDR"] = remote
    return r


def test_without_trusted_proxies_the_connecting_address_counts(settings):
    settings.GUOMEN_TRUSTED_PROXIES = []
    assert client_ip(_req("192.0.2.1", "203.0.113.9")) == "192.0.2.1"


def test_a_trusted_chain_is_walked_from_the_right(settings):
    settings.GUOMEN_TRUSTED_PROXIES = ["10.0.0.0/8", "fd00::/8"]
    assert client_ip(_req("10.0.0.1", "203.0.113.9")) == "203.0.113.9"
    assert client_ip(_req("10.0.0.1", "1.2.3.4, 203.0.113.9, 10.0.0.2")) == "203.0.113.9"
    assert client_ip(_req("fd00::1", "2001:db8::5")) == "2001:db8::5"
    assert client_ip(_req("10.0.0.1", "[2001:db8::5]:443")) == "2001:db8::5"
    assert client_ip(_req("10.0.0.1", "203.0.113.9:5555")) == "203.0.113.9"


def test_a_malformed_or_missing_header_falls_back_to_the_proxy(settings):
    settings.GUOMEN_TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_ip(_req("10.0.0.1", "not-an-address")) == "10.0.0.1"
    assert client_ip(_req("10.0.0.1")) == "10.0.0.1"
    assert client_ip(_req("10.0.0.1", "10.0.0.3")) == "10.0.0.1"


def test_a_request_without_an_address_has_none():
    assert client_ip(_req(None)) is None
