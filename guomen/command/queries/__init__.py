"""Reads for the command: the jurisdiction a user commands, its figures, trends and map.

Every figure is computed for one jurisdiction node the user reaches as a command (their subtree);
anything else is 404. Journeys are never counted row by row on the dashboard: the loop keeps
per-(jurisdiction, state) counters, summed here over the subtree (a path prefix).

One module per subject, re-exported here so callers write ``queries.dashboard(...)``: ``nodes``
(local time, the node a command looks at), ``figures`` (the dashboard's figures), ``reports``
(daily reports: who reports, pre-fill, roll-up), ``tasks`` (dispatch tasks), ``trends`` and ``maps``.
"""

from __future__ import annotations

from .figures import (  # noqa: F401
    DUTY_FIGURES_SECONDS,
    Dashboard,
    alerts_by_level,
    arrivals_by_port,
    arrivals_by_unit,
    child_state_counts,
    dashboard,
    dispatch_figures,
    duty_figures,
    handover_ages,
    ports_in,
    positives,
    quarantine_capacity,
    report_status,
    segments_unassigned,
    state_counts,
)
from .maps import (  # noqa: F401
    map_features,
)
from .nodes import (  # noqa: F401
    commands,
    crumbs,
    day_bounds,
    drill_children,
    is_command,
    local_today,
    node_for,
    parse_day,
    roots,
    subtree_ids,
    tz,
)
from .reports import (  # noqa: F401
    FIGURE_KEYS,
    acknowledger_level,
    command_units,
    expected_reporters,
    figure_labels,
    may_acknowledge,
    report_level_of,
    report_prefill,
    reporting_units,
    reports,
    rollup,
)
from .tasks import (  # noqa: F401
    assignable_units,
    task_get,
    tasks,
)
from .trends import (  # noqa: F401
    open_by_day,
    trends,
)
