"""Deployment settings, health check, database outage handling (R5), the OpenAPI schema."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import OperationalError

ROOT = Path(__file__).resolve().parents[2]


def test_production_settings_pass_the_deploy_check():
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "SECURE_COOKIES", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(
        DEBUG="0",
        SECRET_KEY="a-long-random-production-secret-key-with-enough-entropy-0123456789",
        ALLOWED_HOSTS="sales.example.com",
        SECURE_SSL_REDIRECT="1",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_settings_refuse_to_start_without_a_secret_key_in_production():
    env = {key: value for key, value in os.environ.items() if key not in {"SECRET_KEY"}}
    env["DEBUG"] = "0"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.django_db
def test_healthz_checks_database_and_redis(client, settings):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert body["status"] == "ok"
    if settings.REDIS_URL:
        assert body["redis"] == "ok"


@pytest.mark.django_db
def test_healthz_reports_a_dead_redis(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["redis"].startswith("error")


@pytest.mark.django_db
def test_r5_lost_database_gives_503_with_retry_hint(api, manager, monkeypatch):
    from salesoffice.core import apis

    def broken(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(apis.access, "roles_by_site", broken)
    response = api(manager).get("/api/v1/me/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json()["error"]["code"] == "unavailable"


@pytest.mark.django_db
def test_r5_lost_database_under_a_page_gives_a_503_page_not_a_500(manager, monkeypatch):
    """R5: while PostgreSQL restarts, a page whose session or user cannot be read (in a middleware,
    before any view) answers the 503 page with a retry hint, rendered without the database."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.test import Client

    client = Client(raise_request_exception=False)
    client.force_login(manager)

    def broken(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(SessionStore, "load", broken)
    response = client.get("/customers/follow-ups/due/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "Traceback" not in response.content.decode()
    assert response["Cache-Control"] == "no-store"


def _schema_warnings():
    """Generate and validate the schema; every warning is a defect."""
    result = subprocess.run(
        [sys.executable, "manage.py", "spectacular", "--validate", "--file", os.devnull],
        cwd=ROOT, capture_output=True, text=True, check=False,
        env={key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    lines = (result.stdout + result.stderr).splitlines()
    return [line for line in lines if "Warning" in line]


@pytest.mark.django_db
def test_openapi_schema_is_valid_and_documented(client, manager):

    warnings = _schema_warnings()
    assert warnings == [], warnings
    assert client.get("/api/docs/").status_code == 401  # logged-in staff only
    client.force_login(manager)
    assert client.get("/api/docs/").status_code == 200
    assert client.get("/api/schema/").status_code == 200


@pytest.mark.django_db
def test_security_headers(client, manager):
    client.force_login(manager)
    response = client.get("/")
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_chinese_by_default_english_available(client, manager):
    client.force_login(manager)
    assert "工作台" in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Dashboard" in client.get("/").content.decode()


def test_embedded_default_migrates_and_loads_the_demo(tmp_path):
    """The first README command runs on SQLite: every migration must work there too."""
    env = {key: value for key, value in os.environ.items() if key not in {"DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(DEBUG="1", DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}", REDIS_URL="")
    for command in (["migrate", "--no-input", "-v0"], ["demo_load"]):
        result = subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr[-2000:]
    assert "manager" in result.stdout


@pytest.mark.django_db
def test_messages_page_and_unread_badge(client, site, manager):
    from salesoffice.core.services import notify

    notify(recipient=manager, site=site, kind="test", title="审批已通过", dedupe_key="t1")
    client.force_login(manager)
    assert client.get("/").context["unread_messages"] == 1
    page = client.get("/messages/")
    assert "审批已通过" in page.content.decode()
    note = page.context["notifications"][0]
    client.post(f"/notifications/{note.pk}/read/")
    assert client.get("/").context["unread_messages"] == 0


def test_a_configured_database_means_production_unless_debug_is_set():
    env = {key: value for key, value in os.environ.items() if key not in {"DEBUG", "SECRET_KEY"}}
    env["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/salesoffice"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.django_db
def test_r4_notify_many_sends_each_key_once_and_mails_only_new_messages(
    site, manager, staff, settings, mailoutbox
):
    """R4: reminder jobs send in bulk; a key already sent is skipped (no second message, no second
    e-mail), recipients without an address get the in-app message only."""
    from django.test import TestCase

    from salesoffice.core.models import Notification
    from salesoffice.core.roles import Role
    from salesoffice.core.services import notify_many

    settings.EMAIL_ENABLED = True
    manager.email = "manager@example.com"
    manager.save(update_fields=["email"])
    silent = staff(Role.SALESPERSON, site, email="")

    def batch():
        return [
            Notification(recipient=manager, site=site, kind="test", title="A", dedupe_key="k:manager"),
            Notification(recipient_id=silent.pk, site=site, kind="test", title="B", dedupe_key="k:silent"),
        ]

    with TestCase.captureOnCommitCallbacks(execute=True):
        assert notify_many(batch()) == 2
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert notify_many(batch()) == 0
    assert Notification.objects.filter(kind="test").count() == 2
    assert [message.to for message in mailoutbox] == [["manager@example.com"]]
