"""REST endpoints of this app (mounted in guomen/api.py under /api/duty): posts, shifts, coverage gaps,
patrols with their tracks, tasks, incidents. Everything within the caller's reach (Scope).

One module per subject, all on one ``router``: ``common`` (the router, lookups within reach),
``rosters`` (posts, shifts, roster templates, coverage gaps), ``patrols`` (patrols, check-ins, GPX)
and ``work`` (tasks, incidents and interceptions, the duty log).
"""

from __future__ import annotations

# The routes register in this order, the order of the OpenAPI document.
# isort: off
from .common import (  # noqa: F401
    router,
)
from .rosters import (  # noqa: F401
    GapOut,
    GenerateIn,
    GenerateOut,
    PostIn,
    PostOut,
    ShiftIn,
    ShiftOut,
    TemplateIn,
    TemplateOut,
    coverage_gaps,
    post_create,
    post_detail,
    post_list,
    shift_create,
    shift_delete,
    shift_list,
    template_create,
    template_generate,
)
from .patrols import (  # noqa: F401
    CheckinIn,
    CheckinOut,
    PatrolIn,
    PatrolOut,
    SegmentCoverageOut,
    UploadOut,
    patrol_checkin,
    patrol_create,
    patrol_detail,
    patrol_end,
    patrol_gpx_export,
    patrol_gpx_upload,
    patrol_list,
    patrol_start,
)
from .work import (  # noqa: F401
    DutyTaskIn,
    DutyTaskOut,
    IncidentIn,
    IncidentOut,
    InterceptedPersonIn,
    LogIn,
    LogOut,
    PatrolInterceptionIn,
    Sighting,
    TaskStatusIn,
    TransitionIn,
    TransitionOut,
    incident_create,
    incident_detail,
    incident_list,
    incident_transition,
    interception_create,
    log_create,
    task_create,
    task_list,
    task_status,
)
# isort: on
