"""Who am I: the caller, their units and roles."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from guomen.core.schemas import ERRORS
from guomen.org.scoping import Scope

router = Router(tags=["account"])


class MembershipOut(Schema):
    unit: str
    unit_name: str
    role: str
    jurisdiction: str


class MeOut(Schema):
    username: str
    name: str
    roles: list[str]
    memberships: list[MembershipOut]
    subtree_jurisdictions: list[str]
    read_only: bool


@router.get("/me", response={200: MeOut, **ERRORS}, summary="The caller, their units and roles")
def me(request: HttpRequest):
    user = request.auth
    scope = Scope.of(user)
    rows = user.memberships.select_related("unit__jurisdiction").order_by("unit__code", "role")
    return {
        "username": user.get_username(),
        "name": user.get_full_name() or user.get_username(),
        "roles": sorted(scope.roles),
        "memberships": [
            {"unit": m.unit.code, "unit_name": m.unit.name, "role": m.role, "jurisdiction": m.unit.jurisdiction.code} for m in rows
        ],
        "subtree_jurisdictions": [p.strip("/").split("/")[-1] for p in scope.subtree_paths],
        "read_only": scope.read_only,
    }
