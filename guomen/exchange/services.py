"""Every write of the exchange: partners, our keys, and queueing messages (the outbox row is
written in the same transaction as the thread's change that causes it)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guomen.lib import clock
from guomen.lib.errors import DomainError
from guomen.org.models import Membership, Role, Unit
from guomen.org.scoping import Scope
from guomen.people.countries import is_country

from . import aid, handlers, signing
from .models import Cursor, Direction, InstanceKey, Message, Partner, Status
from .schemas import LANGUAGES, validate_body

LIAISON_ROLES = (Role.PARTNER_LIAISON, Role.PROVINCE_COMMAND, Role.ADMINISTRATOR)


def may_write_for(scope: Scope, partner: Partner) -> bool:
    """Province command and administrators write to every partner; a liaison to the partners
    their unit is a liaison unit of (or to a partner with no liaison unit named)."""
    if scope.read_only or scope.is_anonymous:
        return False
    if scope.has_role(Role.PROVINCE_COMMAND, Role.ADMINISTRATOR):
        return True
    units = list(partner.liaison_units.all())
    return scope.has_role(Role.PARTNER_LIAISON) and (not units or any(scope.acts_for(u, Role.PARTNER_LIAISON) for u in units))


def _require_liaison(actor: Any, partner: Partner | None = None) -> None:
    """``actor`` None: the system itself (management commands run by the operator)."""
    if actor is None:
        return
    scope = Scope.of(actor)
    scope.require_write()
    if partner is None and scope.has_role(*LIAISON_ROLES):
        return
    if partner is not None and may_write_for(scope, partner):
        return
    raise PermissionDenied(_("Only a liaison for this partner may do this."))


# --- our keys ------------------------------------------------------------------------------------
def current_key() -> InstanceKey:
    key = InstanceKey.objects.filter(retired_at__isnull=True).first()
    return key if key is not None else key_rotate(actor=None)


def private_key() -> Any:
    return signing.unseal_private(current_key().private_key_encrypted)


@transaction.atomic
def key_rotate(*, actor: Any) -> InstanceKey:
    """A new signing key; the old ones are retired. Give the new public key to every partner
    (out of band, confirmed by fingerprint) as their "next" key before rotating."""
    _require_liaison(actor)
    private = signing.new_private_key()
    InstanceKey.objects.filter(retired_at__isnull=True).update(retired_at=clock.now())
    return InstanceKey.objects.create(public_key=signing.public_b64(private), private_key_encrypted=signing.seal_private(private))


# --- partners ------------------------------------------------------------------------------------
def _check_keys(public_key: str, public_key_next: str) -> None:
    if not signing.valid_public_key(public_key):
        raise DomainError("invalid_key", _("The current key is not an Ed25519 public key (32 bytes, base64)."), status=422)
    if public_key_next and not signing.valid_public_key(public_key_next):
        raise DomainError("invalid_key", _("The next key is not an Ed25519 public key (32 bytes, base64)."), status=422)


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if parts.scheme != "https" and not (parts.scheme == "http" and (loopback or not getattr(settings, "PRODUCTION", False))):
        raise DomainError("insecure_url", _("A partner's address must be https://."), status=422)


@transaction.atomic
def partner_register(
    *,
    actor: Any,
    authority: str,
    name_zh: str,
    name_en: str,
    country: str,
    base_url: str,
    public_key: str,
    public_key_next: str = "",
    name_local: str = "",
    languages: list[str] | tuple[str, ...] = (),
    liaison_units: list[Unit] | tuple[Unit, ...] = (),
    port_units: list[Unit] | tuple[Unit, ...] = (),
) -> Partner:
    _require_liaison(actor)
    _check_keys(public_key, public_key_next)
    _check_url(base_url)
    bad = [lang for lang in languages if lang not in LANGUAGES]
    if bad:
        raise DomainError("unknown_language", _("Unknown language: %(lang)s") % {"lang": ", ".join(bad)}, status=422)
    if authority == settings.EXCHANGE_AUTHORITY:
        raise DomainError("self_partner", _("This is our own authority code."), status=422)
    partner, _created = Partner.objects.update_or_create(
        authority=authority,
        defaults={
            "name_zh": name_zh,
            "name_en": name_en,
            "name_local": name_local,
            "country": country.upper()[:2],
            "base_url": base_url,
            "public_key": public_key,
            "public_key_next": public_key_next,
            "languages": list(languages),
        },
    )
    partner.liaison_units.set(liaison_units)
    partner.port_units.set(port_units)
    if port_units:
        _manifest_user(partner, port_units)
    return partner


def _manifest_user(partner: Partner, ports: Any) -> None:
    """The account that declares this partner's manifests: a port officer of each of its ports."""
    from django.contrib.auth import get_user_model

    user, _created = get_user_model().objects.get_or_create(
        username=f"exchange-{partner.authority}"[:150], defaults={"first_name": partner.name_zh[:150]}
    )
    if _created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    for port in ports:
        Membership.objects.get_or_create(user=user, unit=port, role=Role.PORT_OFFICER)
    partner.manifest_user = user
    partner.save(update_fields=["manifest_user"])


@transaction.atomic
def partner_keys_set(*, actor: Any, partner: Partner, public_key: str, public_key_next: str = "") -> Partner:
    """The partner rotated: their next key becomes current (both keep verifying meanwhile)."""
    _require_liaison(actor, partner)
    _check_keys(public_key, public_key_next)
    partner.public_key, partner.public_key_next = public_key, public_key_next
    partner.save(update_fields=["public_key", "public_key_next"])
    return partner


# --- messages ------------------------------------------------------------------------------------
def _next_seq(partner: Partner, subject: str) -> int:
    cursor, _created = Cursor.objects.get_or_create(partner=partner, direction=Direction.OUT, subject=subject)
    cursor = Cursor.objects.select_for_update().get(pk=cursor.pk)
    cursor.seq += 1
    cursor.save(update_fields=["seq"])
    return cursor.seq


def _journey(actor: Any, code: str) -> Any:
    """The journey of a person handed over across the border, within the actor's reach."""
    from django.http import Http404

    from guomen.loop import services as loop
    from guomen.loop.models import Journey

    try:
        if actor is None:
            journey = Journey.objects.get(code=code.strip().upper())
        else:
            journey = Scope.of(actor).get(Journey.objects.all(), code=code.strip().upper())
    except (Journey.DoesNotExist, Http404):
        raise DomainError("unknown_journey", _("No person with this loop code within your reach."), status=422) from None
    loop.handover_abroad_check(actor=actor, journey=journey)
    return journey


@transaction.atomic
def message_send(*, actor: Any, partner: Partner, type: str, body: dict[str, Any], journey: str = "") -> Message:
    """Record the step on its thread and queue the signed message for the worker, in one transaction.

    ``journey``: for a handover offer, the loop code of the person handed over; it stays here
    (never sent) and the journey closes when the partner accepts."""
    _require_liaison(actor, partner)
    if not partner.active:
        raise DomainError("partner_inactive", _("This partner is not active."), status=409)
    clean = validate_body(type, body)
    _check_outgoing(type, clean)
    if journey and type != "handover_offer":
        raise DomainError("journey_not_expected", _("Only a handover offer names a person in the loop."), status=422)
    found = _journey(actor, journey) if journey else None
    aid.check_send(type, clean, partner)
    thread = handlers.record(partner, type, clean, incoming=False)
    if found is not None:
        thread.data = {**thread.data, "journey": found.code}
        thread.save(update_fields=["data"])
    subject = thread.subject
    msg_id = uuid.uuid4()
    message = {
        "type": type,
        "version": 1,
        "id": str(msg_id),
        "sender": settings.EXCHANGE_AUTHORITY,
        "recipient": partner.authority,
        "created_at": clock.now().isoformat(),
        "subject": subject,
        "seq": _next_seq(partner, subject),
        "body": clean,
    }
    return Message.objects.create(
        direction=Direction.OUT,
        partner=partner,
        msg_id=msg_id,
        type=type,
        subject=subject,
        seq=message["seq"],
        message=message,
        status=Status.QUEUED,
    )


def _check_outgoing(type_: str, body: dict[str, Any]) -> None:
    """What we send abroad holds no value we can tell is wrong: a known country, a year of birth
    not to come, a crossing or a test not in the future. (What partners send us is checked by the
    schema alone: their clocks and their lists are theirs.)"""
    now = clock.now()
    person = body.get("person")
    if isinstance(person, dict):
        year = person.get("birth_year")
        if year is not None and year > now.year:
            raise DomainError("birth_year_future", _("The year of birth is in the future."), status=422, details={"field": "birth_year"})
        code = person.get("nationality") or ""
        if code and not is_country(code):
            raise DomainError(
                "unknown_country",
                _("“%(code)s” is not an ISO 3166 alpha-3 country code.") % {"code": code},
                status=422,
                details={"field": "nationality"},
            )
    if type_ == "case_notice":
        for key, code in (("crossed_at", "crossed_in_future"), ("tested_at", "tested_in_future")):
            value = body.get(key)
            when = datetime.fromisoformat(value) if isinstance(value, str) else value
            if when is not None and timezone.is_naive(when):
                when = timezone.make_aware(when)  # a time without its zone is read in the display zone
            if when is not None and when > now + timedelta(minutes=10):  # a few minutes for a clock that runs ahead
                raise DomainError(code, _("This time is in the future."), status=422, details={"field": key})


@transaction.atomic
def message_retry(*, actor: Any, message: Message) -> Message:
    """Queue a refused outgoing message again (after the cause was fixed, e.g. keys exchanged)."""
    _require_liaison(actor, message.partner)
    if message.direction != Direction.OUT or message.status != Status.REFUSED:
        raise DomainError("not_refused", _("Only a refused outgoing message can be sent again."), status=409)
    message.status = Status.QUEUED
    message.save(update_fields=["status"])
    return message
