"""Sign-in throttling on django-axes' database handler (every worker sees the same failures).

One account is locked after GUOMEN_SIGNIN_FAILURES failures in a row; one address after
GUOMEN_SIGNIN_FAILURES_PER_ADDRESS failures over any accounts (higher: a border post's officers
share one address). The lock lasts GUOMEN_SIGNIN_LOCK_MINUTES or until an administrator lifts it.
"""

from __future__ import annotations

from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_lockout_parameters
from django.conf import settings
from django.db.models import Sum


class SignInHandler(AxesDatabaseHandler):
    """Axes compares one count with one limit: give it the worst of the account's and the address's
    counts, each scaled to the account limit, so each parameter is held to its own limit."""

    def get_failures(self, request: Any, credentials: dict | None = None) -> int:
        account_limit = settings.AXES_FAILURE_LIMIT
        limits = {"username": account_limit, "ip_address": settings.GUOMEN_SIGNIN_FAILURES_PER_ADDRESS}
        worst = 0
        parameters = get_lockout_parameters(request, credentials)
        for parameter, attempts in zip(parameters, self.get_user_attempts(request, credentials), strict=False):
            failures = attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            limit = limits.get(parameter, account_limit) if isinstance(parameter, str) else account_limit
            worst = max(worst, failures * account_limit // limit)
        return worst

    def reset_user_attempts(self, request: Any, credentials: dict | None = None) -> int:
        """On a successful sign-in forget only this account's failures from this address: the
        default (every failure of the account *or* the address) would let anyone with a valid
        account lift the lock an attacker at the same address put on someone else's account."""
        from axes.helpers import get_client_username
        from axes.models import AccessAttempt

        username = get_client_username(request, credentials)
        if not username:
            return 0
        n, _ = AccessAttempt.objects.filter(username=username, ip_address=request.axes_ip_address).delete()
        return n


def unlock(*, username: str | None = None, ip_address: str | None = None) -> int:
    """Lift the sign-in lock of an account and/or an address; returns the records cleared."""
    from axes.utils import reset

    n = 0
    if username:
        n += reset(username=username)
    if ip_address:
        n += reset(ip=ip_address)
    return n
