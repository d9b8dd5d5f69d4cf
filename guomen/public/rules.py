"""Shared rules of the public app: its errors and who may do what (typed text: ``lib.text.clean_text``)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from guomen.lib.errors import DomainError
from guomen.org.models import Role
from guomen.org.roles import COMMAND_ROLES
from guomen.org.scoping import Scope


class PublicError(DomainError):
    """Bad input or a step out of order: nothing was changed."""


class FourEyes(DomainError):
    """The author (or last editor) of a text tried to approve it."""

    status = 403


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
