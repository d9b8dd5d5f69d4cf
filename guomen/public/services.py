"""Every write of the public app, by subject (one module each); callers import from here."""

from __future__ import annotations

from .abuse import check_form, count_refusal, throttle
from .bulletins import bulletin_approve, bulletin_draft, bulletin_draft_figures, bulletin_edit, bulletin_follow_up, bulletin_submit
from .questions import question_answer, question_approve, question_moderate, question_submit
from .reports import (
    report_assign,
    report_check,
    report_dismiss,
    report_intake,
    report_resolve,
    report_start,
    report_submit,
    report_verify,
    sweep_overdue,
)

__all__ = [
    "bulletin_approve",
    "bulletin_draft",
    "bulletin_draft_figures",
    "bulletin_edit",
    "bulletin_follow_up",
    "bulletin_submit",
    "check_form",
    "count_refusal",
    "question_answer",
    "question_approve",
    "question_moderate",
    "question_submit",
    "report_assign",
    "report_check",
    "report_dismiss",
    "report_intake",
    "report_resolve",
    "report_start",
    "report_submit",
    "report_verify",
    "sweep_overdue",
    "throttle",
]
