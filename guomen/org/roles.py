"""Roles grouped by what they mean, named once: every app asks these, never spells the tuple."""

from __future__ import annotations

from .models import Role

# The three command levels: they command their jurisdiction and may change what lies in it.
COMMAND_ROLES: tuple[str, ...] = (Role.PROVINCE_COMMAND, Role.PREFECTURE_COMMAND, Role.COUNTY_COMMAND)
# Those who read everything in their jurisdiction subtree: the command levels and the auditor.
READ_ALL_ROLES: tuple[str, ...] = (*COMMAND_ROLES, Role.AUDITOR)
# Those who read the access audit.
AUDIT_ROLES: tuple[str, ...] = (Role.AUDITOR, Role.ADMINISTRATOR)
