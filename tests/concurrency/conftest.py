"""Real processes for the fault tests (quality.md R4): a Celery worker started as a subprocess against the
test database, a private Redis server that a test may kill and restart, and waiting for a condition.

The shared Redis and PostgreSQL of the machine are never stopped: faults are made on the private
server only. Tasks are sent with ``send`` to the private broker's URL."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
import redis
from django.conf import settings
from django.db import connection

from salesoffice.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]
T = TypeVar("T")

# The worker is started through this bootstrap rather than ``celery -A salesoffice worker`` so that a test
# can give it broker transport options (a short visibility timeout stands for the production hour).
WORKER_BOOT = (
    "import json, sys\n"
    "from salesoffice.celery import app\n"
    "app.conf.broker_transport_options = json.loads(sys.argv[1])\n"
    "app.worker_main(sys.argv[2:])\n"
)


def wait_until(predicate: Callable[[], T], *, timeout: float, what: str, interval: float = 0.1) -> T:
    """Poll ``predicate`` until it returns something truthy; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def database_url() -> str:
    """The URL of the database this test runs in (pytest-django's ``test_<name>``)."""
    database = connection.settings_dict
    password = f":{database['PASSWORD']}" if database["PASSWORD"] else ""
    return f"postgres://{database['USER']}{password}@{database['HOST']}:{database['PORT']}/{database['NAME']}"


class PrivateRedis:
    """A redis-server of this test alone, without persistence: a restart loses every queued message."""

    def __init__(self, executable: str, workdir: Path) -> None:
        self.executable = executable
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=2)

    def start(self) -> None:
        self.starts += 1
        log = (self.workdir / f"redis-{self.starts}.log").open("wb")
        self.process = subprocess.Popen(
            [self.executable, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
             "no", "--daemonize", "no", "--dir", str(self.workdir)],
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        wait_until(self._answers, timeout=10, what="the private redis-server to answer")

    def _answers(self) -> bool:
        try:
            return bool(self.client().ping())
        except redis.ConnectionError:
            return False

    def kill(self) -> None:
        """SIGKILL: the server dies as in a crash, with whatever it held in memory."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def queue_length(self, queue: str) -> int:
        return int(self.client().llen(queue))

    def drained(self, queue: str) -> bool:
        """Nothing waits in ``queue`` and no delivered message is unacknowledged (with ``acks_late`` a
        message is acknowledged once its task has finished)."""
        client = self.client()
        return client.llen(queue) == 0 and client.hlen("unacked") == 0


@pytest.fixture
def private_redis(tmp_path: Path):
    executable = shutil.which("redis-server")
    if executable is None:
        pytest.skip("needs redis-server")
    server = PrivateRedis(executable, tmp_path)
    server.start()
    yield server
    server.kill()


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    log: Path

    def pool_processes(self) -> list[int]:
        """The prefork pool's child processes (the ones that execute tasks)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def kill(self) -> None:
        """SIGKILL the worker and its pool at once, as the kernel's OOM killer or a lost machine would."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def log_tail(self, lines: int = 30) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


@pytest.fixture
def celery_worker_factory(tmp_path: Path):
    """``start(broker_url=..., queue=...)`` starts ``celery worker`` against the test database (a test using
    it needs ``transaction=True``, so that the worker sees committed rows); every worker is stopped after
    the test."""
    started: list[Worker] = []

    def start(
        *,
        broker_url: str,
        queue: str,
        pool: str = "solo",
        transport_options: dict[str, Any] | None = None,
        env: dict[str, str] | None = None,
    ) -> Worker:
        options = {**settings.CELERY_BROKER_TRANSPORT_OPTIONS, **(transport_options or {})}
        environment = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "REDIS_URL": broker_url,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            **(env or {}),
        }
        log = tmp_path / f"worker-{len(started) + 1}.log"
        command = [sys.executable, "-c", WORKER_BOOT, json.dumps(options), "worker", f"--pool={pool}",
                   "--concurrency=1", "-Q", queue, "--without-gossip", "--without-mingle",
                   "--without-heartbeat", "--loglevel=WARNING"]  # fmt: skip
        with log.open("wb") as output:
            process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=environment,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        worker = Worker(process=process, log=log)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def send(task: Any, *, broker_url: str, queue: str) -> None:
    """Publish ``task`` to ``queue`` on the broker at ``broker_url`` with a fresh connection (so that a
    restarted broker is simply connected to again), as the beat scheduler would."""
    celery_app.conf.task_always_eager = False
    with celery_app.connection_for_write(broker_url) as broker:
        task.apply_async(queue=queue, connection=broker)
