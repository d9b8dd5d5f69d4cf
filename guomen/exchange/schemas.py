"""The message types and their versioned body schemas (pydantic; exported as JSON Schema by
``manage.py exchange_schema`` into ``guomen/exchange/messages-v1.schema.json``).

The message (signed, see ``signing``): ``{type, version, id, sender, recipient, created_at,
sent_at, subject, seq, body}``. ``subject`` names the thread (``kind:uuid``); ``seq`` counts the
sender's messages on that subject from 1 (0: no order); the receiver applies them in that order."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from django.utils.translation import gettext as _
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

from guomen.lib.errors import DomainError

LANGUAGES = ("zh-Hans", "en", "my", "lo", "vi")
Short = Annotated[str, StringConstraints(max_length=200)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _text(value: dict[str, str]) -> dict[str, str]:
    unknown = [k for k in value if k not in LANGUAGES]
    if unknown:
        raise ValueError(f"unknown languages: {unknown}")
    if not value.get("en"):
        raise ValueError("an English text is required")
    if any(len(v) > 2000 for v in value.values()):
        raise ValueError("a text is at most 2000 characters")
    return value


class Texted(Strict):
    text: dict[str, str] = Field(description="The same text in zh-Hans, en and the partner's language (my, lo, vi).")

    @field_validator("text")
    @classmethod
    def _check_text(cls, v: dict[str, str]) -> dict[str, str]:
        return _text(v)


class ManifestRow(Strict):
    name_native: Short
    name_latin: Short = ""
    sex: Literal["M", "F", "X", ""] = ""
    birth_date: date | None = None
    nationality: Annotated[str, StringConstraints(min_length=2, max_length=3)]
    document_kind: Short
    document_number: Short
    issuing_country: Short = ""
    valid_until: date | None = None
    expected_at: datetime
    origin_place: Short = ""
    destination: Short = ""
    risk: Literal["low", "medium", "high", ""] = ""


class Manifest(Strict):
    """Travellers expected at one of our ports (partner → us); per-row outcomes come back in the acknowledgement."""

    ref: UUID
    port: Short = Field(description="Our port unit's code, e.g. port-ruili")
    rows: list[ManifestRow] = Field(max_length=5000)


class PersonMinimal(Strict):
    """The least personal data the purpose needs: enough for the partner to find the person."""

    name_latin: Short
    birth_year: int | None = Field(None, ge=1900, le=2100)
    nationality: Annotated[str, StringConstraints(max_length=3)] = ""
    document_number: Short = ""


class CaseNotice(Texted):
    ref: UUID
    category: Literal["confirmed", "suspected", "contact"]
    person: PersonMinimal
    crossed_at: datetime
    port: Short
    tested_at: datetime | None = None


class CaseFollowup(Texted):
    ref: UUID
    action: Literal["traced", "isolated", "tested", "not_found", "closed"]


class HandoverOffer(Texted):
    ref: UUID
    person: PersonMinimal
    port: Short
    at: datetime
    from_unit: Short


class HandoverAnswer(Texted):
    ref: UUID
    accepted: bool
    unit: Short


class AidItem(Strict):
    item: Short
    quantity: int = Field(ge=0, le=10**9)
    unit: Annotated[str, StringConstraints(max_length=20)]


class AidStep(Texted):
    ref: UUID
    items: list[AidItem] = Field(default_factory=list, max_length=200)
    at: datetime | None = None


class TeamMember(Strict):
    name: Short
    skills: list[Short] = Field(default_factory=list, max_length=20)


class TeamDeployment(Texted):
    ref: UUID
    name: Short
    members: list[TeamMember] = Field(min_length=1, max_length=200)
    from_date: date
    to_date: date
    where: Short


class TeamConfirmation(Texted):
    ref: UUID
    at: datetime


class Ack(Strict):
    of: UUID
    outcome: Literal["accepted", "held", "refused"]
    code: str = ""
    reason: dict[str, str] = Field(default_factory=dict)
    result: dict | None = None


# type → (kind of thread, body schema). Version 1 of every type.
TYPES: dict[str, tuple[str, type[BaseModel]]] = {
    "manifest": ("manifest", Manifest),
    "case_notice": ("case", CaseNotice),
    "case_followup": ("case", CaseFollowup),
    "handover_offer": ("handover", HandoverOffer),
    "handover_answer": ("handover", HandoverAnswer),
    "aid_request": ("aid", AidStep),
    "aid_offer": ("aid", AidStep),
    "aid_commitment": ("aid", AidStep),
    "aid_shipment": ("aid", AidStep),
    "aid_receipt": ("aid", AidStep),
    "team_deployment": ("team", TeamDeployment),
    "team_arrival": ("team", TeamConfirmation),
    "team_return": ("team", TeamConfirmation),
}
VERSIONS = {1}


def json_schema() -> dict:
    """All message bodies as one JSON Schema document."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "guomen exchange messages, version 1",
        "description": __doc__,
        "types": {name: schema.model_json_schema() for name, (_kind, schema) in TYPES.items()} | {"ack": Ack.model_json_schema()},
    }


def validate_body(type_: str, body: Any) -> dict[str, Any]:
    """The body of a message of ``type_`` as its schema reads it; 422 if the type is unknown or the body does not fit."""
    if type_ not in TYPES:
        raise DomainError("unknown_type", _("Unknown message type: %(type)s") % {"type": type_}, status=422)
    try:
        return TYPES[type_][1].model_validate(body).model_dump(mode="json")
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:5])
        raise DomainError("malformed_body", _("The message body is not valid: %(problems)s") % {"problems": problems}, status=422) from exc
