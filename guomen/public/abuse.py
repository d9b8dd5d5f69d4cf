"""Abuse resistance without outside services: rate limits per address, per phone and in total
(Django's cache), a honeypot field, and a signed time token in the form; every refusal is counted
by day, form and reason for the information office (the refused content itself is not kept)."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.core import signing
from django.core.cache import caches
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from guomen.lib import clock
from guomen.lib.errors import DomainError

from .models import Refusal, RefusalReason

# (how many, per seconds) for each form and key.
LIMITS: dict[str, dict[str, tuple[int, int]]] = {
    "report": {"address": (5, 3600), "phone": (3, 24 * 3600), "total": (300, 3600)},
    "question": {"address": (5, 3600), "total": (300, 3600)},
}
MIN_SECONDS = 2  # a person needs longer than this to fill the form
MAX_SECONDS = 4 * 3600
HONEYPOT = "website"  # a field hidden from people; robots fill it
_SALT = "guomen.public.form"


class Refused(DomainError):
    status = 429


def client_address(request: Any) -> str:
    """The client's address as the server sees it (REMOTE_ADDR). A trusted-proxy aware helper is
    being added to the project; this is the one place to switch to it."""
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:24]


def count_refusal(form: str, reason: str) -> None:
    day = clock.today()
    with transaction.atomic():
        row, _created = Refusal.objects.get_or_create(day=day, form=form, reason=reason)
        Refusal.objects.filter(pk=row.pk).update(n=F("n") + 1)


def _refuse(form: str, reason: str, message: str) -> None:
    count_refusal(form, reason)
    raise Refused("refused", message, details={"reason": reason})


def _hit(form: str, key: str, value: str) -> bool:
    """Count one attempt; False when it is over the limit."""
    limit, window = LIMITS[form][key]
    now = int(clock.now().timestamp())
    name = f"public:rl:{form}:{key}:{_hash(value)}:{now // window}"
    cache = caches["default"]
    cache.add(name, 0, timeout=window)
    try:
        n = cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.set(name, 1, timeout=window)
        n = 1
    return n <= limit


def throttle(form: str, *, address: str, phone: str = "") -> None:
    """Raise Refused (429) when this address, this phone or everyone together sent too many."""
    if not _hit(form, "address", address):
        _refuse(form, RefusalReason.RATE_ADDRESS, _("Too many submissions from your connection. Please try again later."))
    if phone and "phone" in LIMITS[form] and not _hit(form, "phone", "".join(ch for ch in phone if ch.isdigit())):
        _refuse(form, RefusalReason.RATE_PHONE, _("Too many submissions with this phone number. Please try again later."))
    if not _hit(form, "total", "all"):
        _refuse(form, RefusalReason.RATE_TOTAL, _("The service is receiving too many submissions. Please try again later."))


def form_token() -> str:
    return signing.TimestampSigner(salt=_SALT).sign(secrets.token_hex(8))


def check_form(form: str, data: Any) -> None:
    """The honeypot is empty and the form was filled in a human time."""
    if (data.get(HONEYPOT) or "").strip():
        _refuse(form, RefusalReason.HONEYPOT, _("The form could not be accepted."))
    signer = signing.TimestampSigner(salt=_SALT)
    token = data.get("form_token") or ""
    try:
        signer.unsign(token, max_age=MAX_SECONDS)
        issued = signing.b62_decode(token.rsplit(":", 2)[1])
    except (signing.BadSignature, IndexError, ValueError):
        _refuse(form, RefusalReason.TOO_FAST, _("The form has expired. Please reload the page and send it again."))
    if clock.now().timestamp() - issued < MIN_SECONDS:
        _refuse(form, RefusalReason.TOO_FAST, _("That was too fast. Please check the form and send it again."))
