"""What a user may see and change — decided here and nowhere else.

A user reaches:
- the units they are a member of, and
- for command roles and auditors, the whole jurisdiction subtree of their unit.

A scoped model says how it is reached with two class attributes:
``scope_unit_field`` (a field, or tuple of fields, holding a unit id) and
``scope_jurisdiction_field`` (a foreign key to ``places.Jurisdiction``; ``""`` for the
jurisdiction itself). Everything outside reach is "not found" (404), never
"forbidden", so that its existence does not leak.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

from guomen.lib.server_prepared import prepared_cursor

from .models import FULL_IDENTITY_ROLES, READ_ONLY_ROLES, SUBTREE_ROLES, Membership, Role, Unit

M = TypeVar("M", bound=models.Model)


def _memberships(user_id: int) -> list[tuple[int, str, str]]:
    """(unit id, role, the unit's jurisdiction path) of each membership in an active unit.

    Plain SQL: every scoped request asks this, and building the equivalent ORM query each time
    costs several times what the database spends answering it; prepared once per connection on
    PostgreSQL (``lib.server_prepared``), so it is not parsed and planned again either."""
    # The jurisdiction table is read through the unit's foreign key: places sits above org.
    unit, jurisdiction = Unit._meta.db_table, Unit._meta.get_field("jurisdiction").related_model._meta.db_table
    sql = (
        f'SELECT m.unit_id, m.role, j.path FROM "{Membership._meta.db_table}" m '  # noqa: S608 - table names from the models
        f'JOIN "{unit}" u ON u.id = m.unit_id JOIN "{jurisdiction}" j ON j.id = u.jurisdiction_id '
        "WHERE m.user_id = %s AND u.active"
    )
    with prepared_cursor() as cur:
        cur.execute(sql, [user_id])
        return cur.fetchall()


def acts_for_sql(unit: str, user: str = "%s") -> tuple[str, list[Any]]:
    """A SQL condition: the unit row under the alias ``unit`` is one a user may act for and write as
    — active, and they hold a role in it that is not read-only —, with its parameters after the
    first, which is the user's id (or, with ``user``, the SQL expression that names the user's id,
    and these parameters alone). It never reaches further than ``Scope.acts_for`` with
    ``require_write``; a caller that finds nothing through it takes the full path through ``Scope``
    (which covers administrators and tells "not found" from "not yours")."""
    read_only = sorted(READ_ONLY_ROLES)
    sql = (
        f'{unit}.active AND EXISTS (SELECT 1 FROM "{Membership._meta.db_table}" m '  # noqa: S608 - table name from the model
        f"WHERE m.unit_id = {unit}.id AND m.user_id = {user} AND m.role NOT IN ({', '.join(['%s'] * len(read_only))}))"
    )
    return sql, read_only


@dataclass(frozen=True)
class Scope:
    user_id: int | None
    everything: bool = False
    unit_ids: frozenset[int] = frozenset()
    subtree_paths: tuple[str, ...] = ()
    roles: frozenset[str] = frozenset()
    unit_roles: dict[int, frozenset[str]] = field(default_factory=dict)

    # --- building -------------------------------------------------------------
    @classmethod
    def of(cls, user: Any) -> Scope:
        """The scope of a user, computed once per request (cached on the user object)."""
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return cls(user_id=None)
        cached = getattr(user, "_guomen_scope", None)
        if cached is not None:
            return cached
        rows = _memberships(user.pk)
        roles = frozenset(role for _unit, role, _path in rows)
        unit_roles: dict[int, set[str]] = {}
        for unit_id, role, _path in rows:
            unit_roles.setdefault(unit_id, set()).add(role)
        paths = sorted({path for _unit, role, path in rows if role in SUBTREE_ROLES})
        # Drop paths already inside another reachable subtree.
        paths = [p for p in paths if not any(p != o and p.startswith(o) for o in paths)]
        scope = cls(
            user_id=user.pk,
            everything=bool(user.is_superuser) or Role.ADMINISTRATOR in roles,
            unit_ids=frozenset(unit_roles),
            subtree_paths=tuple(paths),
            roles=roles,
            unit_roles={k: frozenset(v) for k, v in unit_roles.items()},
        )
        user._guomen_scope = scope
        return scope

    # --- reading --------------------------------------------------------------
    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None

    def q(self, model: type[models.Model]) -> Q:
        """The condition that keeps the rows of ``model`` this scope reaches."""
        if self.everything:
            return Q()
        nothing = Q(pk__in=[])
        if self.is_anonymous:
            return nothing
        cond = nothing
        unit_fields = getattr(model, "scope_unit_field", None)
        if unit_fields and self.unit_ids:
            if isinstance(unit_fields, str):
                unit_fields = (unit_fields,)
            ids = sorted(self.unit_ids)
            concrete = {f.name for f in model._meta.concrete_fields} | {f.attname for f in model._meta.concrete_fields} | {"id", "pk"}
            for f in unit_fields:
                if f in concrete:
                    cond |= Q(**{f"{f}__in": ids})
                else:  # a to-many path: a subquery keeps each row once
                    cond |= Q(pk__in=model._default_manager.filter(**{f"{f}__in": ids}).values("pk"))
        jur_field = getattr(model, "scope_jurisdiction_field", None)
        if jur_field is not None:
            lookup = "path__startswith" if jur_field == "" else f"{jur_field}__path__startswith"
            for path in self.subtree_paths:
                cond |= Q(**{lookup: path})
        return cond

    def filter(self, qs: models.QuerySet[M]) -> models.QuerySet[M]:
        if self.everything:
            return qs
        return qs.filter(self.q(qs.model))

    def get(self, qs: models.QuerySet[M], **lookup: Any) -> M:
        """One row inside the scope, or 404 — whether it exists elsewhere or not at all."""
        try:
            return self.filter(qs).get(**lookup)
        except (qs.model.DoesNotExist, ValueError, TypeError) as exc:
            raise Http404(_("Not found.")) from exc

    def reaches_unit(self, unit: Any) -> bool:
        if self.everything or unit.pk in self.unit_ids:
            return True
        return any(unit.jurisdiction.path.startswith(p) for p in self.subtree_paths)

    # --- changing -------------------------------------------------------------
    @property
    def read_only(self) -> bool:
        return not self.everything and bool(self.roles) and self.roles <= READ_ONLY_ROLES

    def require_write(self) -> None:
        if self.is_anonymous or self.read_only:
            raise PermissionDenied(_("Your role may read this but not change it."))

    def acts_for(self, unit: Any, *roles: str) -> bool:
        """May this user act *as* ``unit`` (hold its custody, sign its handovers)?"""
        if self.everything:
            return True
        mine = self.unit_roles.get(unit.pk, frozenset())
        if not mine:
            return False
        return not roles or bool(mine & set(roles))

    def require_act_for(self, unit: Any, *roles: str) -> None:
        self.require_write()
        if not self.acts_for(unit, *roles):
            raise PermissionDenied(_("Only a member of %(unit)s may do this.") % {"unit": unit})

    def may_see_identity(self) -> bool:
        return bool(self.roles & FULL_IDENTITY_ROLES) or self.everything

    def has_role(self, *roles: str) -> bool:
        return self.everything or bool(self.roles & set(roles))
