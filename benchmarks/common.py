"""What the benchmark scripts share: the environment of the bench database, the fixed handles of the
data set, capture of the SQL the ORM sends, and for the reliability scripts scratch databases, gunicorn and
a small HTTP client."""

from __future__ import annotations

import contextlib
import http.client
import http.cookiejar
import json
import math
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.make_dataset import BENCH_PASSWORD, BENCH_SITE_CODE, DEFAULT_DATABASE_URL, HEAVY_USERNAME

LARGE_TABLES = (
    "customers_customer",
    "customers_customerphone",
    "customers_registration",
    "customers_followup",
    "deals_unit",
)
SEQ_SCAN = re.compile(r"Seq Scan on (\w+)")
MANAGER_USERNAME = f"{BENCH_SITE_CODE}-man"


def bench_environment(database_url: str | None = None) -> dict[str, str]:
    """Production settings (DEBUG off) against the bench database; throttles lifted so that the
    load generator measures the application, not the rate limit."""
    return {
        "DEBUG": "0",
        "SECRET_KEY": "bench-secret-key-not-for-production-0123456789abcdef",
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "SECURE_COOKIES": "0",
        "DATABASE_URL": database_url or os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL),
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9"),
        "API_TOKEN_RATE": "1000000/min",
        "API_USER_RATE": "1000000/min",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "salesoffice.settings",
    }


def setup_django(database_url: str | None = None) -> None:
    os.environ.update(bench_environment(database_url))
    import django

    django.setup()


def bench_handles() -> dict[str, Any]:
    """The bench site, its heavy salesperson and its manager, and the site's largest building."""
    from deals.models import Building
    from salesoffice.core.models import Site, User

    site = Site.objects.get(code=BENCH_SITE_CODE)
    return {
        "site": site,
        "salesperson": User.objects.get(username=HEAVY_USERNAME),
        "manager": User.objects.get(username=MANAGER_USERNAME),
        "building": Building.objects.filter(site=site).order_by("-floors", "pk").first(),
    }


@contextmanager
def captured_sql() -> Iterator[list[tuple[str, Any]]]:
    """Every statement the ORM sends inside the block, with its parameters, as sent."""
    from django.db import connection

    statements: list[tuple[str, Any]] = []

    def wrapper(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield statements


def explain(sql: str, params: Any, *, analyze: bool = True) -> str:
    from django.db import connection

    options = "ANALYZE, BUFFERS" if analyze else "COSTS"
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN ({options}) {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def large_seq_scans(plan: str) -> list[str]:
    return [table for table in SEQ_SCAN.findall(plan) if table in LARGE_TABLES]


def is_read(sql: str) -> bool:
    """A SELECT, sent as is or run as a prepared statement (EXPLAIN shows the plan it runs)."""
    from salesoffice.core.prepared import statement_text

    return statement_text(sql).lstrip().upper().startswith("SELECT")


def touches_large_table(sql: str) -> bool:
    from salesoffice.core.prepared import statement_text

    return any(re.search(rf"\b{table}\b", statement_text(sql)) for table in LARGE_TABLES)


# --- Reliability scripts: scratch databases, gunicorn, a small HTTP client --------------------------------

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Answer:
    """One HTTP exchange: status (0 when the connection failed), parsed JSON body (or text), seconds."""

    status: int
    body: Any
    seconds: float


def database_url(name: str, base: str = DEFAULT_DATABASE_URL) -> str:
    """``base`` pointing at the database ``name`` instead."""
    return f"{base.rsplit('/', 1)[0]}/{name}"


def database_name(url: str) -> str:
    return url.rsplit("/", 1)[-1].split("?", 1)[0]


def _scratch_admin(url: str) -> tuple[str, Any]:
    """The name of a scratch database (it must contain ``bench``, as for ``make_dataset --fresh``) and an
    autocommit connection to the server's ``postgres`` database."""
    import psycopg2

    name = database_name(url)
    if "bench" not in name or not re.fullmatch(r"[a-z0-9_]+", name):
        raise SystemExit(f"scratch databases need 'bench' in a plain lower-case name, not {name!r}")
    admin = psycopg2.connect(database_url("postgres", url))
    admin.autocommit = True
    return name, admin


def database_drop(url: str) -> None:
    """Drop a scratch database, ending its sessions."""
    name, admin = _scratch_admin(url)
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.close()


def database_recreate(url: str) -> None:
    """An empty scratch database (dropped first if it exists)."""
    name, admin = _scratch_admin(url)
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{name}"')
    finally:
        admin.close()


@contextmanager
def redis_scratch(url: str) -> Iterator[str]:
    """A Redis database for one run (cache, throttles and the Celery queue of the servers started): refused
    when it already holds keys, since another run may own it; emptied afterwards."""
    import redis

    client = redis.Redis.from_url(url)
    if client.dbsize():
        client.close()
        raise SystemExit(f"{url} already holds keys; pick an empty Redis database with --redis-url")
    try:
        yield url
    finally:
        client.flushdb()
        client.close()


def gunicorn_start(
    env: dict[str, str], *, port: int, workers: int = 3, log: Path | None = None
) -> subprocess.Popen[bytes]:
    """gunicorn as ``benchmarks.run_http`` runs it (sync workers as in the Dockerfile, production settings
    from ``env``) on 127.0.0.1:``port``; returns once /healthz answers. The server's log goes to stderr,
    or appended to ``log``."""
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise SystemExit(f"127.0.0.1:{port} is already in use; choose another --port")
    command = [
        str(ROOT / ".venv/bin/gunicorn"), "salesoffice.wsgi:application", "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers), "--timeout", "60", "--access-logfile", "-", "--log-level", "warning",
    ]  # fmt: skip
    with open(log, "ab") if log else contextlib.nullcontext(sys.stderr) as errors:
        server = subprocess.Popen(  # noqa: S603 - a fixed command line
            command, cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=errors
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with status {server.returncode}")
        if http_call(port, "GET", "/healthz", timeout=2).status == 200:
            return server
        time.sleep(0.5)
    gunicorn_stop(server)
    raise SystemExit("gunicorn did not start")


def gunicorn_stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def http_call(
    port: int,
    method: str,
    path: str,
    *,
    token: str | None = None,
    body: Any = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30.0,
) -> Answer:
    """One request to 127.0.0.1:``port`` on a fresh connection (gunicorn's sync workers close every
    connection after the response); a JSON body is sent and parsed as JSON."""
    sent = {"Accept": "application/json", **(headers or {})}
    payload = None
    if body is not None:
        payload = json.dumps(body).encode()
        sent["Content-Type"] = "application/json"
    if token:
        sent["Authorization"] = f"Token {token}"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    started = time.perf_counter()
    try:
        connection.request(method, path, body=payload, headers=sent)
        response = connection.getresponse()
        raw = response.read()
        status = response.status
        kind = response.getheader("Content-Type") or ""
    except OSError as error:
        return Answer(0, f"{type(error).__name__}: {error}", time.perf_counter() - started)
    finally:
        connection.close()
    seconds = time.perf_counter() - started
    text = raw.decode(errors="replace")
    if "json" in kind:
        try:
            return Answer(status, json.loads(text), seconds)
        except ValueError:
            pass
    return Answer(status, text, seconds)


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (``share`` in 0..1) of unsorted ``values``; 0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


def session_login(base: str, username: str) -> str | None:
    """A real login through /accounts/login/ (CSRF token and all) of a bench user; returns the Cookie
    header of the session, or None when no session came back."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/accounts/login/", timeout=30).read().decode()
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if found is None:
        return None
    data = urllib.parse.urlencode(
        {"username": username, "password": BENCH_PASSWORD, "csrfmiddlewaretoken": found.group(1)}
    ).encode()
    form = urllib.request.Request(f"{base}/accounts/login/", data=data, headers={"Referer": base + "/"})  # noqa: S310 - loopback only
    opener.open(form, timeout=30).read()
    cookies = {cookie.name: cookie.value for cookie in jar}
    if "sessionid" not in cookies:
        return None
    return "; ".join(f"{name}={value}" for name, value in cookies.items())
