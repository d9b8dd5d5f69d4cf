"""The command's local day, and the jurisdiction node a command looks at (within its reach)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404
from django.utils.translation import gettext as _

from guomen.lib import clock, prepared
from guomen.lib.localtime import local_day, zone
from guomen.org.scoping import Scope
from guomen.places.models import Jurisdiction, Level


# --- time ---------------------------------------------------------------------------------------
def tz() -> ZoneInfo:
    return zone()


def local_today(now: datetime | None = None) -> date:
    return local_day(now or clock.now())


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=tz())
    return start, start + timedelta(days=1)


def parse_day(value: Any, default: date | None = None) -> date:
    try:
        return date.fromisoformat(str(value))
    except (TypeError, ValueError):
        return default or local_today()


# --- the node a command looks at ------------------------------------------------------------------
def is_command(scope: Scope) -> bool:
    return scope.everything or bool(scope.subtree_paths)


def roots(scope: Scope) -> list[Jurisdiction]:
    if scope.everything:
        return prepared.instances(("command.roots", None), lambda: Jurisdiction.objects.filter(parent__isnull=True))
    paths = scope.subtree_paths
    return prepared.instances(("command.roots", paths), lambda: Jurisdiction.objects.filter(path__in=paths))


def commands(scope: Scope, node: Jurisdiction) -> bool:
    return scope.everything or any(node.path.startswith(p) for p in scope.subtree_paths)


def node_for(scope: Scope, code: str | None = None) -> Jurisdiction:
    """The jurisdiction to show: ``code`` if the user commands it, else their own top; 404 otherwise."""
    if not is_command(scope):
        raise Http404(_("Not found."))
    if not code:
        tops = roots(scope)
        if not tops:
            raise Http404(_("Not found."))
        return tops[0]
    node = Jurisdiction.objects.filter(code=code).first()
    if node is None or not commands(scope, node):
        raise Http404(_("Not found."))
    return node


def crumbs(scope: Scope, node: Jurisdiction) -> list[Jurisdiction]:
    """The node's ancestors the user commands, then the node (its statement built once per node)."""
    ancestors = prepared.instances(("command.crumbs", node.path), node.ancestors) if node.parent_id else []
    return [j for j in [*ancestors, node] if commands(scope, j)]


def subtree_ids(node: Jurisdiction) -> QuerySet[Jurisdiction]:
    """The ids of the jurisdictions in ``node``'s subtree, as a subquery for ``…__in`` lookups.

    Not a list: a province holds thousands of jurisdictions down to its villages, and sending
    their ids as parameters made each figure's query cost milliseconds to build and to send."""
    return Jurisdiction.objects.filter(path__startswith=node.path).values("id")


def jurisdiction_column(column: str, key: str = "jurisdiction_id") -> Subquery:
    """The ``column`` of the row's jurisdiction (by the row's ``key``), read by key for each row.

    For the few rows of a figure (the units of one kind, …) filtered by their jurisdiction's path:
    PostgreSQL then looks each row's jurisdiction up by its key, where a join makes it hash every
    jurisdiction of the subtree first — 2,717 under the province, down to the villages."""
    return Subquery(Jurisdiction.objects.filter(pk=OuterRef(key)).order_by().values(column))


def drill_children(node: Jurisdiction) -> list[Jurisdiction]:
    """The levels a command drills into: prefectures, counties (townships and villages are listed, not drilled)."""
    if node.level not in (Level.PROVINCE, Level.PREFECTURE):
        return []
    return prepared.instances(("command.children", node.pk), lambda: Jurisdiction.objects.filter(parent_id=node.pk).order_by("code"))
