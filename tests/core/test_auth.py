"""SEC-04: login throttling per username and address, deactivation, session settings."""

import pytest
from django.contrib.auth.password_validation import get_password_validators, validate_password
from django.core.exceptions import ValidationError

from salesoffice.core.models import ApiToken, AuditEvent
from salesoffice.core.services import staff_deactivate, token_create
from tests.factories import PASSWORD


def _login(client, user, password, address):
    return client.post(
        "/accounts/login/", {"username": user.username, "password": password}, REMOTE_ADDR=address
    )


@pytest.mark.django_db
def test_sec04_ten_failures_lock_that_username_from_that_address_only(client, salesperson):
    codes = [_login(client, salesperson, "wrong-password", "10.0.0.1").status_code for _ in range(10)]
    assert codes == [200] * 9 + [429]  # the tenth failure locks
    locked = _login(client, salesperson, PASSWORD, "10.0.0.1")
    assert locked.status_code == 429
    assert "auth.login" not in AuditEvent.objects.values_list("action", flat=True)
    # A colleague cannot lock them out from elsewhere: the same username from another desk works.
    assert _login(client, salesperson, PASSWORD, "10.0.0.2").status_code == 302


@pytest.mark.django_db
def test_sec04_failed_logins_are_audited(client, salesperson):
    _login(client, salesperson, "nope", "10.0.0.9")
    event = AuditEvent.objects.get(action="auth.login_failed")
    assert event.after == {"username": salesperson.username}


@pytest.mark.django_db
def test_sec04_lockout_has_a_finite_cooloff(settings):
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60
    assert settings.AXES_FAILURE_LIMIT == 10
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]


@pytest.mark.django_db
def test_sec04_deactivation_ends_sessions_and_tokens(client, api, site, manager, salesperson):
    client.force_login(salesperson)
    assert client.get("/").status_code == 200
    _token, text = token_create(user=salesperson, site=site, name="kiosk", scope="read", actor=manager)

    staff_deactivate(user=salesperson, actor=manager, reason="left the company")

    assert client.get("/").status_code == 302  # the open session no longer authenticates
    response = api().get("/api/v1/me/", headers={"Authorization": f"Token {text}"})
    assert response.status_code == 401
    assert ApiToken.objects.get(user=salesperson).revoked_at is not None
    assert AuditEvent.objects.filter(action="staff.deactivate", reason="left the company").exists()


def test_sec04_password_rules_apply(settings):
    validators = get_password_validators(settings.AUTH_PASSWORD_VALIDATORS)
    for weak in ("12345678901", "short1!", "password123"):
        with pytest.raises(ValidationError):
            validate_password(weak, password_validators=validators)
    validate_password("Counter-desk-2026", password_validators=validators)


def test_sec04_session_cookies_are_httponly_and_lax(settings):
    assert settings.SESSION_COOKIE_HTTPONLY is True
    assert settings.SESSION_COOKIE_SAMESITE == "Lax"


@pytest.mark.django_db
def test_sec04_personal_pages_are_not_cached(client, manager):
    client.force_login(manager)
    assert client.get("/")["Cache-Control"] == "no-store"
    assert client.get("/api/v1/me/")["Cache-Control"] == "no-store"
