"""Request-wide concerns: a request id for the audit trail, ``no-store`` on personal data,
and a clean 503 when the database is briefly unavailable (quality.md R5)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from pghistory.middleware import HistoryMiddleware

from salesoffice.core.audit import client_ip_var, new_request_id, request_id_var
from salesoffice.core.exceptions import error_body

RETRY_AFTER_SECONDS = 5


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request.headers.get("X-Request-Id", "")[:40] or new_request_id()
        request_token = request_id_var.set(request_id)
        ip_token = client_ip_var.set(request.META.get("REMOTE_ADDR"))
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(request_token)
            client_ip_var.reset(ip_token)
        response["X-Request-Id"] = request_id
        return response


class NoStoreMiddleware:
    """SEC-04: nothing a logged-in user or an API client receives is kept by a cache."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # The session cookie, not request.user: the decision must not need the database (R5).
        is_personal = request.path.startswith("/api/") or settings.SESSION_COOKIE_NAME in request.COOKIES
        if is_personal and not request.path.startswith("/static/"):
            response["Cache-Control"] = "no-store"
        return response


class DatabaseUnavailableMiddleware:
    """Turn a lost database connection into a 503 with a retry hint instead of a 500 trace."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        return unavailable_response(request) if is_database_lost(exception) else None


def is_database_lost(exception: BaseException | None) -> bool:
    return isinstance(exception, OperationalError | InterfaceError)


def unavailable_response(request: HttpRequest) -> HttpResponse:
    """R5: 503 with a retry hint, built without the database (no user, no session, no context
    processors), so it can answer while PostgreSQL restarts."""
    message = _("The service is briefly unavailable. Please try again in a few seconds.")
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse(error_body("unavailable", message), status=503)
    else:
        response = HttpResponse(render_to_string("503.html", {"message": message}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class HistoryContextMiddleware(HistoryMiddleware):
    """SEC-03: trigger-captured history rows carry the user, the URL and the request id.

    The context travels as SQL session variables, which exist only on PostgreSQL; on the embedded
    SQLite default the triggers are not installed, so there is nothing to annotate."""

    def get_context(self, request: HttpRequest) -> dict[str, Any]:
        return {**super().get_context(request), "request_id": request_id_var.get()}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if connection.vendor != "postgresql":
            return self.get_response(request)
        return super().__call__(request)
