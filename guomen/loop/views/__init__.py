"""The loop's pages, one module per subject, re-exported here for ``loop/urls.py``:

- ``plumbing``: the page decorator, reach helpers, time left, labels;
- ``journey``: the journey page (timeline, flags, findings, the steps its holder may take);
- ``actions``: the journey page's actions, each form with its service;
- ``scan``: accepting by loop code; ``desks``: one desk per role;
- ``card``: the loop card and the certificate; ``panels``: the home panel and the index;
- ``intake``: a returnee found locally, a confirmed self-declaration (at ``/places/...``, in guomen/urls.py).
"""

from __future__ import annotations

from .actions import (  # noqa: F401
    ACTIONS,
    OVERRIDES,
    PageAction,
    journey_act,
    run_action,
)
from .busload import (  # noqa: F401
    busload,
    busload_cards,
)
from .card import (  # noqa: F401
    _first_document,
    certificate,
    loop_card,
    qr_svg,
)
from .desks import (  # noqa: F401
    _custody,
    _offered_to,
    _quarantine_rows,
    facility_desk,
    hospital_desk,
    manifest_refused,
    manifest_template,
    port_desk,
    port_manifest,
    port_register,
    transfer_desk,
    village_desk,
)
from .destinations import destinations  # noqa: F401
from .journey import (  # noqa: F401
    FINDING_LABELS,
    _accepted_message,
    _certificate_ready,
    _destination_unit,
    _event_summary,
    _events,
    _finding_label,
    _findings,
    _journey_context,
    _offer_default,
    _offer_units,
    _room_or_none,
    journey_detail,
)
from .manifest_jobs import (  # noqa: F401
    manifest_job,
    manifest_job_progress,
    manifest_job_refused,
)
from .panels import (  # noqa: F401
    index,
    panel_waiting,
    redirect_desk,
)
from .plumbing import (  # noqa: F401
    AWAITING_LABELS,
    GATE_STATES,
    RECEIVING_KINDS,
    _decorate,
    _duration,
    _end_of_today,
    _journey,
    _journeys,
    _my_units,
    _next,
    _prefecture_path,
    _require_role,
    _start_of_today,
    _status,
    _unit_by_code,
    _units_near,
    awaiting_label,
    loop_page,
    time_left,
)
from .scan import (  # noqa: F401
    find,
    scan,
)
