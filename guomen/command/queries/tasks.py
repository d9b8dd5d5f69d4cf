"""Dispatch tasks within reach."""

from __future__ import annotations

from typing import Any

from guomen.org.models import Unit
from guomen.org.scoping import Scope
from guomen.places.models import Jurisdiction

from ..models import DispatchTask


# --- dispatch tasks ---------------------------------------------------------------------------------
def tasks(scope: Scope, node: Jurisdiction | None = None):
    qs = scope.filter(DispatchTask.objects.select_related("unit", "jurisdiction", "issued_by_unit", "created_by", "alert"))
    if node is not None:  # a jurisdiction's figures and lists: real tasks only (drills are never counted)
        qs = qs.filter(jurisdiction__path__startswith=node.path, exercise=False)
    return qs


def task_get(scope: Scope, public_id: Any) -> DispatchTask:
    return scope.get(
        DispatchTask.objects.select_related("unit__jurisdiction", "issued_by_unit", "created_by", "alert"), public_id=public_id
    )


def assignable_units(scope: Scope, node: Jurisdiction):
    return scope.filter(Unit.objects.filter(active=True, jurisdiction__path__startswith=node.path)).select_related("jurisdiction")
