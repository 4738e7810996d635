"""A real task goes through Redis to a real worker process, and its effect is checked."""

import datetime as dt
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone

from salesoffice.celery import app as celery_app
from salesoffice.core.tasks import sessions_clear_expired

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_task_runs_in_a_real_worker_through_redis(settings):
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL")
    Session.objects.create(
        session_key="old", session_data="", expire_date=timezone.now() - dt.timedelta(days=1)
    )
    Session.objects.create(
        session_key="new", session_data="", expire_date=timezone.now() + dt.timedelta(days=1)
    )
    queue = f"test-{uuid.uuid4().hex[:8]}"
    database = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "CELERY_TASK_ALWAYS_EAGER": "0",
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "salesoffice", "worker", "--pool=solo", "-Q", queue,
         "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=WARNING"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        celery_app.conf.task_always_eager = False
        sessions_clear_expired.apply_async(queue=queue)
        deadline = time.monotonic() + 180  # a cold worker on a busy 2-core machine takes a while
        while Session.objects.filter(session_key="old").exists() and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert list(Session.objects.values_list("session_key", flat=True)) == ["new"]


@pytest.mark.django_db
def test_housekeeping_is_safe_to_run_twice():
    Session.objects.create(
        session_key="old", session_data="", expire_date=timezone.now() - dt.timedelta(days=1)
    )
    assert sessions_clear_expired() == 1
    assert sessions_clear_expired() == 0
