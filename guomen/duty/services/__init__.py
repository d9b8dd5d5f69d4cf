"""Every write of the duty app: `thing_verb(*, actor, ...)`, one transaction, authority through Scope.

One module per subject, re-exported here so callers write ``services.patrol_start(...)``:
``common`` (rest rule, checks of times and places, who may act, the duty's alert kinds),
``rosters`` (posts, shifts, roster templates, coverage-gap alerts), ``patrols`` (plan, start, end,
check-ins, GPX tracks, not-started alerts), ``tasks`` (duty tasks, overdue alerts, the duty log) and
``incidents`` (report, advance, interceptions into the closed loop).
"""

from __future__ import annotations

from .common import (  # noqa: F401
    MIN_REST_HOURS,
    PATROL_START_GRACE,
    AlertKind,
    min_rest,
)
from .incidents import (  # noqa: F401
    incident_advance,
    incident_intercept,
    incident_report,
)
from .patrols import (  # noqa: F401
    GPX_MAX_BYTES,
    patrol_cancel,
    patrol_checkin,
    patrol_end,
    patrol_not_started_alerts,
    patrol_plan,
    patrol_recompute,
    patrol_start,
    patrol_upload_gpx,
)
from .rosters import (  # noqa: F401
    post_create,
    roster_gap_alerts,
    roster_generate,
    roster_plan,
    roster_template_create,
    shift_create,
    shift_delete,
)
from .tasks import (  # noqa: F401
    TASK_MOVES,
    log_add,
    task_create,
    task_overdue_alerts,
    task_set_status,
)
