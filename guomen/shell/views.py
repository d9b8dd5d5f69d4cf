"""The shell: home per role, account pages (tokens), the access audit."""

from __future__ import annotations

import csv
from itertools import chain
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from guomen.core import registry
from guomen.core.models import AccessLog
from guomen.core.services import token_create, token_revoke
from guomen.org.roles import AUDIT_ROLES
from guomen.org.scoping import Scope

from .queries import access_filtered, access_records


@login_required
def home(request: HttpRequest) -> HttpResponse:
    scope = Scope.of(request.user)
    panels = []
    for p in registry.visible(registry.PANELS, scope):
        ctx = p.context(request, scope)
        if ctx is not None:
            panels.append({"template": p.template, **ctx})
    return render(request, "shell/home.html", {"panels": panels, "no_roles": not scope.roles and not scope.everything})


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    created = None
    if request.method == "POST":
        name = (request.POST.get("name") or "").strip()
        if not name or len(name) > 80:
            messages.error(request, _("Give the token a name of 1 to 80 characters."))
        else:
            _row, created = token_create(user=request.user, name=name)
    rows = request.user.api_tokens.all()
    return render(request, "shell/tokens.html", {"tokens": rows, "created": created})


@login_required
@require_POST
def token_revoke_view(request: HttpRequest, public_id: str) -> HttpResponse:
    if token_revoke(user=request.user, public_id=public_id):
        messages.success(request, _("The token was revoked."))
    return redirect("tokens")


@login_required
def access_log(request: HttpRequest) -> HttpResponse:
    """The audit of full views of personal data — for auditors and administrators."""
    scope = Scope.of(request.user)
    if not scope.has_role(*AUDIT_ROLES):
        raise Http404
    qs, filters = access_filtered(access_records(scope), request.GET)
    if request.GET.get("format") == "csv":
        return _access_csv(qs)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in filters.items() if v})
    return render(request, "shell/access_log.html", {"page": page, "f": filters, "actions": AccessLog.Action.choices, "query": query})


def _access_csv(qs) -> StreamingHttpResponse:
    class Echo:
        def write(self, value: str) -> str:
            return value

    writer = csv.writer(Echo())
    header = ["at", "user", "action", "object_type", "object_id", "subject", "reason", "ip", "channel"]
    rows = (
        writer.writerow(
            [r.at.isoformat(), r.user.username, r.action, r.object_type, r.object_id, r.subject, r.reason, r.ip or "", r.channel]
        )
        for r in qs.iterator(chunk_size=2000)
    )
    response = StreamingHttpResponse(chain([writer.writerow(header)], rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="access-audit.csv"'
    return response
