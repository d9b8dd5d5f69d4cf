"""Roles grouped by what they mean, named once: every app asks these, never spells the tuple."""

from __future__ import annotations

from .models import Role

# The three command levels: they command their jurisdiction and may change what lies in it.
COMMAND_ROLES: tuple[str, ...] = (Role.PROVINCE_COMMAND, Role.PREFECTURE_COMMAND, Role.COUNTY_COMMAND)
# Those who read everything in their jurisdiction subtree: the command levels and the auditor.
READ_ALL_ROLES: tuple[str, ...] = (*COMMAND_ROLES, Role.AUDITOR)
# Those who read the access audit.
AUDIT_ROLES: tuple[str, ...] = (Role.AUDITOR, Role.ADMINISTRATOR)
# Those who hold people in custody and receive them in a handover: port, transfer, facility,
# hospital, village grid worker.
CUSTODY_ROLES: tuple[str, ...] = (Role.TRANSFER_TEAM, Role.FACILITY_STAFF, Role.HOSPITAL_STAFF, Role.GRID_WORKER, Role.PORT_OFFICER)
# Those who work in the closed loop's pages: the custody roles and those who read everything.
LOOP_ROLES: tuple[str, ...] = (*CUSTODY_ROLES, *READ_ALL_ROLES)
# Those who must sign in with a second factor (TOTP) when GUOMEN_TWO_FACTOR_REQUIRED is on:
# the command levels, the administrator, the information officers and the partner liaisons.
TWO_FACTOR_ROLES: tuple[str, ...] = (*COMMAND_ROLES, Role.ADMINISTRATOR, Role.INFORMATION_OFFICER, Role.PARTNER_LIAISON)
