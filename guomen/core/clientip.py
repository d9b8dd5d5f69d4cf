"""The address of the person at the other end of a request, believing X-Forwarded-For only from
the proxies the operator trusts (GUOMEN_TRUSTED_PROXIES). Every per-address limit keys on this."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Any

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(e, strict=False) for e in entries)


def _parse(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def is_trusted_proxy(address: str) -> bool:
    ip = _parse(address)
    if ip is None:
        return False
    return any(ip in net for net in _networks(tuple(getattr(settings, "GUOMEN_TRUSTED_PROXIES", ()))))


def client_ip(request: Any) -> str | None:
    """REMOTE_ADDR, unless it is a trusted proxy: then the right-most address in X-Forwarded-For
    that is not itself a trusted proxy (the left part of the header is whatever the client sent).
    None when the request carries no address (an internal request, a unix socket)."""
    remote = (request.META.get("REMOTE_ADDR") or "").strip()
    if not remote or not is_trusted_proxy(remote):
        return remote or None
    forwarded = [a for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    for hop in reversed(forwarded):
        ip = _parse(hop)
        if ip is None:
            break  # a malformed hop: stop believing the chain, use what the last trusted proxy saw
        if not is_trusted_proxy(str(ip)):
            return str(ip)
    return remote
