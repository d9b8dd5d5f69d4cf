"""Shared rules of the public app: its errors, the cleaner of typed text, who may do what."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from guomen.lib.errors import DomainError
from guomen.lib.text import code_point, hidden_character
from guomen.org.models import Role
from guomen.org.roles import COMMAND_ROLES
from guomen.org.scoping import Scope


class PublicError(DomainError):
    """Bad input or a step out of order: nothing was changed."""


class FourEyes(DomainError):
    """The author (or last editor) of a text tried to approve it."""

    status = 403


def clean_text(value: Any, field: str, *, max_length: int, required: bool = False) -> str:
    text = " ".join(str(value or "").split()) if "\n" not in str(value or "") else str(value or "").strip()
    if required and not text:
        raise PublicError("required", _("This field is required."), details={"field": field})
    if len(text) > max_length:
        raise PublicError("too_long", _("At most %(n)d characters.") % {"n": max_length}, details={"field": field})
    bad = hidden_character(text)
    if bad is not None:
        raise PublicError(
            "hidden_character", _("The text holds an invisible character (%(ch)s).") % {"ch": code_point(bad)}, details={"field": field}
        )
    return text


def require_information_officer(actor: Any) -> Scope:
    scope = Scope.of(actor)
    scope.require_write()
    if not scope.has_role(Role.INFORMATION_OFFICER):
        raise PermissionDenied(_("Only an information officer may do this."))
    return scope


def is_information_office(scope: Scope) -> bool:
    return scope.has_role(Role.INFORMATION_OFFICER, Role.PROVINCE_COMMAND, Role.AUDITOR)


def is_triager(scope: Scope) -> bool:
    return scope.has_role(*COMMAND_ROLES)
