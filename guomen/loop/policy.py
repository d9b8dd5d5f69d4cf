"""The rules a policy version holds, validated; and the demo policy (14 + 7 days)."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise

from pydantic import BaseModel, ConfigDict, Field, field_validator

RISKS = ("low", "medium", "high")


class Rules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    quarantine_days: dict[str, int] = Field(description="days of centralised quarantine per risk level")
    home_days: dict[str, int] = Field(description="days of home health monitoring per risk level")
    test_days: list[int] = Field(description="days of quarantine (1 = first day) on which a test is due")
    checks_per_day: int = Field(ge=1, le=6)
    transfer_hours: float = Field(gt=0, description="time allowed to complete a transfer")
    handover_grace_hours: float = Field(ge=0, description="after the expected arrival, before an unaccepted handover is overdue")
    gate_hours: float = Field(gt=0, description="from arrival (or interception) to disposition")
    declared_grace_hours: float = Field(gt=0, description="after the expected arrival, before a declaration lapses")
    check_grace_hours: float = Field(ge=0, description="after a facility check was due")
    home_check_grace_hours: float = Field(ge=0, description="after a daily home check was due")
    hospital_report_hours: float = Field(gt=0, description="between hospital status reports")
    fever_celsius: float = Field(gt=35, lt=42)
    escalation_hours: list[float] = Field(
        min_length=3, max_length=3, description="county, prefecture, province: hours after the alert opened"
    )

    @field_validator("quarantine_days", "home_days")
    @classmethod
    def _every_risk(cls, v: dict[str, int]) -> dict[str, int]:
        if set(v) != set(RISKS) or any(d < 0 or d > 60 for d in v.values()):
            raise ValueError("give 0-60 days for each of low, medium and high")
        return v

    @field_validator("escalation_hours")
    @classmethod
    def _rising(cls, v: list[float]) -> list[float]:
        if any(b <= a for a, b in pairwise(v)) or v[0] <= 0:
            raise ValueError("escalation delays must be positive and rising")
        return v

    def hours(self, name: str) -> timedelta:
        return timedelta(hours=getattr(self, name))

    @property
    def check_interval(self) -> timedelta:
        return timedelta(hours=24 / self.checks_per_day)


DEMO_RULES = Rules(
    quarantine_days={"low": 14, "medium": 14, "high": 14},
    home_days={"low": 7, "medium": 7, "high": 7},
    test_days=[1, 7, 13],
    checks_per_day=2,
    transfer_hours=6,
    handover_grace_hours=1,
    gate_hours=4,
    declared_grace_hours=24,
    check_grace_hours=2,
    home_check_grace_hours=6,
    hospital_report_hours=24,
    fever_celsius=37.3,
    escalation_hours=[2, 6, 24],
)
