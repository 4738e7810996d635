"""Kernel pages: dashboard, site switch, policy, audit trail, notifications, health check."""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any

import redis
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.http import require_GET, require_POST

from salesoffice.core import access, selectors
from salesoffice.core.audit import audit_record
from salesoffice.core.forms import PolicyForm, TokenForm
from salesoffice.core.middleware import is_database_lost, unavailable_response
from salesoffice.core.models import ApiToken
from salesoffice.core.roles import Cap
from salesoffice.core.services import policy_current, policy_update, token_create, token_revoke
from salesoffice.core.workspace import require_current_site, site_switch


@login_required
def messages_page(request: HttpRequest) -> HttpResponse:
    """In-app messages: reminders, approvals answered, disputes decided, reports delivered."""
    site = require_current_site(request)
    notifications = selectors.notification_list(user=request.user)[:50]
    return render(request, "core/messages.html", {"site": site, "notifications": notifications})


@login_required
@require_POST
def switch_site(request: HttpRequest) -> HttpResponse:
    site_switch(request, request.POST.get("site"))
    return redirect("dashboard")


@login_required
def policy(request: HttpRequest) -> HttpResponse:
    """The site policy page: everyone on the site reads it, the site manager edits it."""
    site = require_current_site(request)
    access.require(request.user, site.pk, Cap.POLICY_READ)
    current, version = policy_current(site=site)
    can_edit = access.can(request.user, site.pk, Cap.POLICY_UPDATE)
    form = PolicyForm(policy=current, data=request.POST or None, editable=can_edit)
    if request.method == "POST":
        access.require(request.user, site.pk, Cap.POLICY_UPDATE)
        if form.is_valid():
            saved = policy_update(
                site=site,
                actor=request.user,
                changes=form.policy_changes(),
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, _("Policy version %(version)s saved.") % {"version": saved.version})
            return redirect("policy")
    history = site.policy_versions.select_related("created_by")[:20]
    return render(
        request,
        "core/policy.html",
        {"form": form, "version": version, "can_edit": can_edit, "history": history},
    )


@login_required
@require_GET
def audit_list(request: HttpRequest) -> HttpResponse:
    site = require_current_site(request)
    since = parse_date(request.GET.get("since", "") or "")
    until = parse_date(request.GET.get("until", "") or "")
    events = selectors.audit_list(
        user=request.user,
        site=site,
        action=request.GET.get("action", "").strip(),
        since=_start_of(since),
        until=_start_of(until + dt.timedelta(days=1)) if until else None,
    )
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "core/audit_list.html", {"page": page, "filters": request.GET})


def _start_of(day: dt.date | None) -> dt.datetime | None:
    if day is None:
        return None
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    selectors.notification_list(user=request.user).filter(pk=pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    return redirect("messages")


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for the load balancer: the database answers, and Redis when configured."""
    checks: dict[str, Any] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as error:
        checks["database"] = f"error: {type(error).__name__}"
    if settings.REDIS_URL:
        try:
            redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping()
            checks["redis"] = "ok"
        except redis.RedisError as error:
            checks["redis"] = f"error: {type(error).__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503)


def record_login(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    audit_record(action="auth.login", actor=user)


def record_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None, **kwargs: Any
) -> None:
    audit_record(action="auth.login_failed", after={"username": credentials.get("username", "")})


def server_error(request: HttpRequest) -> HttpResponse:
    """500 page; a database lost while a middleware (session, user) read it is a 503 instead (R5)."""
    if is_database_lost(sys.exc_info()[1]):
        return unavailable_response(request)
    return defaults.server_error(request)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """403 page; every denial is recorded (SEC-03)."""
    user = getattr(request, "user", None)
    audit_record(action="auth.denied", actor=user, after={"path": request.path, "method": request.method})
    return render(request, "403.html", status=403)


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    """SEC-04: the site manager issues and revokes the site's API tokens; a token is shown once."""
    site = require_current_site(request)
    access.require(request.user, site.pk, Cap.STAFF_MANAGE)
    form = TokenForm(request.POST or None)
    issued = None
    if request.method == "POST" and form.is_valid():
        _token, issued = token_create(
            user=request.user, site=site, name=form.cleaned_data["name"], scope=form.cleaned_data["scope"],
            actor=request.user,
        )  # fmt: skip
    site_tokens = ApiToken.objects.filter(site=site).select_related("user").order_by("-created_at")[:100]
    return render(request, "core/tokens.html", {"form": form, "issued": issued, "tokens": site_tokens})


@login_required
@require_POST
def token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    site = require_current_site(request)
    access.require(request.user, site.pk, Cap.STAFF_MANAGE)
    token = ApiToken.objects.filter(pk=pk, site=site).first()
    if token is None:
        raise Http404
    token_revoke(token=token, actor=request.user, reason=request.POST.get("reason", ""))
    messages.success(request, _("Token revoked."))
    return redirect("tokens")
