"""Every write of the closed loop, one module per subject, re-exported here so callers write
``from guomen.loop import services as s; s.journey_arrive(...)``.

- ``engine``: policies, appending one event, the projection and counters written with it;
- ``authority``: acting for a unit, the custodian, the required state, the command override;
- ``inputs``: temperature, symptoms and text as typed or sent;
- ``beginnings``: declared, arrived, intercepted (and ``intake``: found locally, self-declared);
- ``gate``: document checks, screening, samples, results, the disposition;
- ``handover``: offer, accept, refuse, withdraw, redirect, the loop card;
- ``checks``: health checks, single (hot path) and in batches;
- ``care``: hospital reports, release, closure, the offer to hospital;
- ``abroad``: a person handed over to a neighbouring authority (closes when they accept);
- ``sweep``: overdue journeys and escalation;
- ``retention``: anonymising people whose journeys closed longer ago than the retention period.
"""

from __future__ import annotations

from .abroad import (  # noqa: F401
    handover_abroad_check,
    journey_close_abroad,
)
from .authority import (  # noqa: F401
    _act_for,
    _custodian,
    _port_unit,
    may_override,
    require_state,
)
from .beginnings import (  # noqa: F401
    _passage_check,
    crossing_record,
    expected_check,
    expected_window,
    journey_arrive,
    journey_declare,
    journey_intercept,
)
from .busload import (  # noqa: F401
    BusReport,
    bus_arrive,
    bus_dispose,
    bus_find,
    bus_screen,
    screened,
)
from .care import (  # noqa: F401
    _to_hospital,
    checkup_record,
    hospital_report,
    journey_close,
    journey_release,
)
from .checks import (  # noqa: F401
    _EVENT_COLUMNS,
    UNREAD,
    TokenCheck,
    _check,
    _fever,
    _guarded_check_sql,
    _insert_events_sql,
    _stored,
    _write_check_unless_changed,
    _write_checks,
    health_check,
    health_check_by_code,
    health_checks_batch,
    token_check,
)
from .engine import (  # noqa: F401
    _RULES,
    CHECK_FIELDS,
    CODE_ALPHABET,
    DISPOSITION_KIND,
    MAX_CLOCK_SKEW,
    OVERRIDE_ROLES,
    PROJECTED_FIELDS,
    RECEIVER_STATE,
    _advance,
    _append,
    _close_overdue_alert,
    _counts,
    _daily,
    _locked,
    _new_code,
    _now,
    _open,
    _start,
    _when,
    policy_current,
    policy_publish,
    progress,
    rules_of,
    snapshot,
)
from .gate import (  # noqa: F401
    FINDING_ALERTS,
    GATE_STATES,
    document_check,
    journey_dispose,
    journey_sample,
    journey_screen,
    journey_test_result,
)
from .handover import (  # noqa: F401
    _holder_or_override,
    _offer,
    accept_check,
    card_presence,
    handover_accept,
    handover_accept_by_code,
    handover_offer,
    handover_redirect,
    handover_refuse,
    handover_withdraw,
)
from .inputs import (  # noqa: F401
    SYMPTOMS,
    _symptoms,
    _temperature,
)
from .intake import (  # noqa: F401
    returnee_report,
    self_declaration_confirm,
)
from .retention import person_export_journeys, retention_apply, retention_days, retention_due  # noqa: F401
from .sweep import (  # noqa: F401
    escalate,
    sweep,
)
from .undo import (  # noqa: F401
    UNDO_WINDOW,
    UNDOABLE,
    step_undo,
    undoable,
)
