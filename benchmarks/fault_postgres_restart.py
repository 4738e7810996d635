"""R5 (quality.md QUAL-03): PostgreSQL restarted under load.

    .venv/bin/python -m benchmarks.fault_postgres_restart [--seconds 30] [--restart-at 10]

1. Creates a private PostgreSQL 15 cluster in a temporary directory (``initdb -A trust -U postgres``, run
   as the ``postgres`` OS user when started as root) listening on 127.0.0.1:``--pg-port`` only, and a
   private redis-server on a free port. The machine's shared PostgreSQL and Redis are not touched.
2. Migrates the app into it and loads a small bench set (``make_dataset --fresh --scale 0.002``).
3. Starts gunicorn with production settings (DEBUG off, 3 sync workers) as ``benchmarks.run_http`` does.
4. Drives a mixed load from threads for ``--seconds``: counter lookups by phone (API, read token), walk-in
   registrations (API, write token, each a new phone) and the follow-ups due page (HTML, a logged-in
   salesperson), and at ``--restart-at`` seconds restarts PostgreSQL (``pg_ctl restart -m fast``) while
   gunicorn keeps running.
5. Checks and prints: every answer is a 2xx or a 503 carrying Retry-After (no 500, no dropped connection,
   no traceback in any body); every registration answered 201 is in the database afterwards (its id,
   number and phone); the service recovered by itself (each kind of request answers 2xx again after the
   restart, the last seconds of the run are all 2xx, the gunicorn master is the same process).
6. Removes the cluster and exits 1 if a check failed.
"""

from __future__ import annotations

import argparse
import http.client
import http.cookiejar
import json
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.common import (
    ROOT,
    bench_environment,
    gunicorn_start,
    gunicorn_stop,
    percentile,
    session_login,
    setup_django,
)
from benchmarks.make_dataset import HEAVY_USERNAME

PG_BIN = Path("/usr/lib/postgresql/15/bin")
DATABASE = "so_bench_r5"
TRACE = re.compile(r"Traceback \(most recent call last\)|File \"/")


# --- Private servers ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def port_in_use(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


class PrivateCluster:
    """A throw-away PostgreSQL cluster in its own directory; as root, its files and processes belong to
    the ``postgres`` OS user (PostgreSQL refuses to run as root)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.root = Path(tempfile.mkdtemp(prefix="so-r5-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            account = pwd.getpwnam("postgres")
            os.chown(self.root, account.pw_uid, account.pw_gid)

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{DATABASE}"

    def _run(self, *command: str) -> subprocess.CompletedProcess[str]:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_postgres else []
        return subprocess.run(  # noqa: S603 - fixed programs, arguments built here
            [*prefix, *command], capture_output=True, text=True, check=True, timeout=120
        )

    def create(self) -> None:
        self._run(str(PG_BIN / "initdb"), "-A", "trust", "-U", "postgres", "-E", "UTF8", "-D", str(self.data))
        options = f"-p {self.port} -k /tmp -c listen_addresses=127.0.0.1"
        self._run(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start"
        )

    def restart(self) -> float:
        """``pg_ctl restart -m fast``: sessions are ended, the server stops and starts again; returns the
        seconds it took."""
        started = time.monotonic()
        self._run(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-m", "fast", "-w", "restart"
        )
        return time.monotonic() - started

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            try:
                self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
            except subprocess.CalledProcessError as error:
                sys.stderr.write(f"pg_ctl stop: {error.stderr}\n")
        shutil.rmtree(self.root, ignore_errors=True)


@contextmanager
def private_redis() -> Iterator[str]:
    executable = shutil.which("redis-server")
    if executable is None:
        raise SystemExit("redis-server is missing")
    port = free_port()
    server = subprocess.Popen(  # noqa: S603 - a fixed program
        [executable, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while not port_in_use(port):
            if time.monotonic() > deadline:
                raise SystemExit("redis-server did not start")
            time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.kill()
        server.wait(timeout=10)


@contextmanager
def stderr_into(path: Path) -> Iterator[None]:
    """Processes started inside the block write their stderr (gunicorn's and the app's log) to ``path``."""
    saved = os.dup(2)
    with path.open("ab") as log:
        sys.stderr.flush()
        os.dup2(log.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


def server_log_summary(path: Path) -> list[str]:
    """The app's error lines by message, and the last lines of the first trace behind a 500."""
    text = path.read_text(errors="replace") if path.exists() else ""
    errors = Counter(match.group(1) for match in re.finditer(r" ERROR django\.request (\w[\w ]+?):", text))
    lines = [f"server log: {count} x {message}" for message, count in sorted(errors.items())]
    first = text.find("Internal Server Error:")
    if first >= 0:
        record = re.split(r"\n(?=\d{4}-\d\d-\d\d )", text[first:], maxsplit=1)[0]
        last_trace = record.rsplit("Traceback (most recent call last):", 1)[-1]
        frames = [
            line.strip()
            for line in last_trace.splitlines()
            if line.strip().startswith("File ") and ("/.venv/" not in line or "middleware" in line)
        ]
        ending = [line.strip() for line in last_trace.splitlines() if line.strip()][-1:]
        lines.append(
            "first 500: " + record.splitlines()[0] + " (its last exception; app and middleware frames):"
        )
        lines += [f"    {frame}" for frame in frames[-5:]] + [f"    {line}" for line in ending]
    return lines


# --- HTTP ----------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    kind: str
    started: float  # seconds since the load began
    ended: float
    status: int  # 0: the connection failed or was dropped
    retry_after: str | None
    traceback: bool
    excerpt: str
    written: dict[str, Any] = field(default_factory=dict)  # a write's phone, and its id and number on 2xx


def request(
    port: int, method: str, path: str, *, headers: dict[str, str], body: Any = None
) -> tuple[int, str | None, str]:
    """One request on a fresh connection: status (0 when the connection failed), Retry-After, body."""
    sent = dict(headers)
    payload = None
    if body is not None:
        payload = json.dumps(body).encode()
        sent["Content-Type"] = "application/json"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=payload, headers=sent)
        response = connection.getresponse()
        return response.status, response.getheader("Retry-After"), response.read().decode(errors="replace")
    except OSError as error:
        return 0, None, f"{type(error).__name__}: {error}"
    finally:
        connection.close()


def login(port: int, username: str) -> str:
    cookie = session_login(f"http://127.0.0.1:{port}", username)
    if cookie is None:
        raise SystemExit(f"login as {username} failed")
    return cookie


# --- The load ----------------------------------------------------------------------------------------------


def prepare() -> dict[str, Any]:
    """Tokens, the phones the lookups draw from, the bench site (in-process Django on the private cluster)."""
    from django.db import connection

    from benchmarks.common import bench_handles
    from customers.models import CustomerPhone
    from salesoffice.core.services import token_create

    handles = bench_handles()
    site, seller = handles["site"], handles["salesperson"]
    _token, read_token = token_create(user=seller, site=site, name="r5 read", scope="read", actor=seller)
    _token, write_token = token_create(user=seller, site=site, name="r5 write", scope="write", actor=seller)
    phones = list(CustomerPhone.objects.filter(site=site).order_by("pk").values_list("e164", flat=True)[:400])
    connection.close()
    return {"site_id": site.pk, "read": read_token, "write": write_token, "phones": phones}


class Load:
    """Threads that each send one kind of request in a loop until ``stop`` is set."""

    def __init__(self, port: int, prepared: dict[str, Any], cookie: str) -> None:
        self.port = port
        self.prepared = prepared
        self.cookie = cookie
        self.began = time.monotonic()
        self.stop = threading.Event()
        self.outcomes: list[Outcome] = []
        self.lock = threading.Lock()

    def _record(self, outcome: Outcome) -> None:
        with self.lock:
            self.outcomes.append(outcome)

    def _loop(self, kind: str, send: Callable[[int], tuple[int, str | None, str, dict[str, Any]]]) -> None:
        number = 0
        while not self.stop.is_set():
            number += 1
            started = time.monotonic() - self.began
            status, retry_after, body, written = send(number)
            self._record(
                Outcome(
                    kind=kind, started=started, ended=time.monotonic() - self.began, status=status,
                    retry_after=retry_after, traceback=bool(TRACE.search(body)), excerpt=body[:200],
                    written=written,
                )
            )  # fmt: skip
            time.sleep(0.02)

    def lookup(self, number: int) -> tuple[int, str | None, str, dict[str, Any]]:
        phones = self.prepared["phones"]
        phone = phones[number % len(phones)][3:]
        path = f"/api/v1/sites/{self.prepared['site_id']}/customers/lookup/?q={phone}"
        headers = {"Authorization": f"Token {self.prepared['read']}", "Accept": "application/json"}
        return (*request(self.port, "GET", path, headers=headers), {})

    def register(self, thread: int) -> Callable[[int], tuple[int, str | None, str, dict[str, Any]]]:
        def send(number: int) -> tuple[int, str | None, str, dict[str, Any]]:
            phone = f"171{thread:02d}{number:06d}"  # the data set never uses the 171 range
            body = {
                "kind": "visit", "contact_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "name": "王先生", "gender": "male", "phones": [phone],
                "needs": {"layout": "3室2厅", "budget": "3000000"}, "level": "B", "source": "walk_in",
                "informed": True,
            }  # fmt: skip
            path = f"/api/v1/sites/{self.prepared['site_id']}/registrations/"
            headers = {"Authorization": f"Token {self.prepared['write']}", "Accept": "application/json"}
            status, retry_after, text = request(self.port, "POST", path, headers=headers, body=body)
            written: dict[str, Any] = {"phone": phone}
            if 200 <= status < 300:
                answer = json.loads(text)
                written.update(id=answer["id"], number=answer["number"], customer_id=answer["customer_id"])
            return status, retry_after, text, written

        return send

    def due_page(self, number: int) -> tuple[int, str | None, str, dict[str, Any]]:
        headers = {"Cookie": self.cookie, "Accept": "text/html"}
        return (*request(self.port, "GET", "/customers/follow-ups/due/", headers=headers), {})

    def run(self, seconds: float, restart_at: float, restart: Callable[[], float]) -> dict[str, float]:
        senders: list[tuple[str, Callable[[int], Any]]] = [
            ("lookup (API)", self.lookup),
            ("lookup (API)", self.lookup),
            ("register (API)", self.register(1)),
            ("register (API)", self.register(2)),
            ("follow-ups due (HTML)", self.due_page),
        ]
        threads = [threading.Thread(target=self._loop, args=sender, daemon=True) for sender in senders]
        self.began = time.monotonic()
        for thread in threads:
            thread.start()
        time.sleep(restart_at)
        restart_began = time.monotonic() - self.began
        restart_seconds = restart()
        restart_ended = time.monotonic() - self.began
        time.sleep(max(0.0, seconds - restart_ended))
        self.stop.set()
        for thread in threads:
            thread.join(timeout=60)
        return {"began": restart_began, "ended": restart_ended, "seconds": restart_seconds}


# --- Checks ------------------------------------------------------------------------------------------------


def check_writes(outcomes: list[Outcome]) -> dict[str, Any]:
    """Every registration answered 2xx is in the database with its number and phone; writes answered
    otherwise are counted as found or not (a 503 may come after the commit, so a client retries)."""
    from django.db import connection

    writes = [outcome for outcome in outcomes if outcome.kind == "register (API)"]
    acknowledged = [outcome.written for outcome in writes if 200 <= outcome.status < 300]
    refused = [outcome.written["phone"] for outcome in writes if not 200 <= outcome.status < 300]
    connection.close()  # its session ended with the restart
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT r.id, r.number, r.customer_id, p.e164 FROM customers_registration r "
            "JOIN customers_customerphone p ON p.customer_id = r.customer_id WHERE r.id = ANY(%s)",
            [[written["id"] for written in acknowledged]],
        )
        stored = {(row[0], row[1], row[2], row[3]) for row in cursor.fetchall()}
        cursor.execute(
            "SELECT DISTINCT p.e164 FROM customers_customerphone p WHERE p.e164 = ANY(%s)",
            [[f"+86{phone}" for phone in refused]],
        )
        refused_found = len(cursor.fetchall())
    missing = [
        written
        for written in acknowledged
        if (written["id"], written["number"], written["customer_id"], f"+86{written['phone']}") not in stored
    ]
    return {
        "acknowledged": len(acknowledged),
        "missing": missing,
        "refused": len(refused),
        "refused_found": refused_found,
    }


def gunicorn_workers(server: subprocess.Popen[bytes]) -> set[int]:
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
    return {int(pid) for pid in children.read_text().split()} if children.exists() else set()


def report(load: Load, restart: dict[str, float], writes: dict[str, Any], server: dict[str, Any]) -> bool:
    outcomes = load.outcomes
    kinds = sorted({outcome.kind for outcome in outcomes})
    ok = True

    def verdict(label: str, passed: bool, detail: str = "") -> None:
        nonlocal ok
        ok = ok and passed
        print(f"  [{'PASS' if passed else 'FAIL'}] {label}{': ' + detail if detail else ''}")

    print(
        f"\nPostgreSQL restarted from {restart['began']:.1f} s to {restart['ended']:.1f} s "
        f"(pg_ctl restart -m fast took {restart['seconds']:.2f} s); {len(outcomes):,} requests in "
        f"{max(outcome.ended for outcome in outcomes):.1f} s\n"
    )
    print(
        f"  {'kind':<24}{'requests':>9}{'2xx':>7}{'503':>6}{'other':>7}  p50 ms  p99 ms  first 2xx after restart"
    )
    for kind in kinds:
        mine = [outcome for outcome in outcomes if outcome.kind == kind]
        statuses = Counter(outcome.status for outcome in mine)
        good = sum(count for status, count in statuses.items() if 200 <= status < 300)
        other = len(mine) - good - statuses[503]
        times = [(outcome.ended - outcome.started) * 1000 for outcome in mine]
        after = [o.ended for o in mine if 200 <= o.status < 300 and o.started >= restart["ended"]]
        recovered = f"{min(after) - restart['ended']:.2f} s" if after else "never"
        print(
            f"  {kind:<24}{len(mine):>9}{good:>7}{statuses[503]:>6}{other:>7}"
            f"{percentile(times, 0.5):>8.0f}{percentile(times, 0.99):>8.0f}  {recovered}"
        )
    bad = [outcome for outcome in outcomes if not (200 <= outcome.status < 300 or outcome.status == 503)]
    by_status = Counter((outcome.kind, outcome.status) for outcome in bad)
    unavailable = [outcome for outcome in outcomes if outcome.status == 503]
    print()
    verdict(
        "every answer is a 2xx or a 503 (no 500, no dropped connection)",
        not bad,
        ", ".join(f"{kind} {status}: {count}" for (kind, status), count in sorted(by_status.items())),
    )
    for outcome in bad[:5]:
        print(
            f"      e.g. {outcome.kind} at {outcome.started:.2f} s → {outcome.status}: {outcome.excerpt[:160]!r}"
        )
    verdict(
        "every 503 carries Retry-After",
        all(outcome.retry_after for outcome in unavailable),
        f"{len(unavailable)} answers 503, Retry-After {sorted({o.retry_after for o in unavailable}, key=str)}",
    )
    verdict("no traceback in any body", not any(outcome.traceback for outcome in outcomes))
    verdict(
        "the restart was felt (some requests failed cleanly while PostgreSQL was down)",
        bool(unavailable),
        "no request overlapped the restart" if not unavailable else "",
    )
    verdict(
        "every registration answered 2xx is in the database (id, number, phone)",
        not writes["missing"],
        f"{writes['acknowledged']} acknowledged, {len(writes['missing'])} missing; of {writes['refused']} "
        f"refused, {writes['refused_found']} committed before the failure (a client retries those)",
    )
    tail_from = max(outcome.ended for outcome in outcomes) - 5
    tail = [outcome for outcome in outcomes if outcome.started >= tail_from]
    recovered_kinds = {
        outcome.kind
        for outcome in outcomes
        if 200 <= outcome.status < 300 and outcome.started >= restart["ended"]
    }
    verdict(
        "recovered by itself: every kind answers 2xx after the restart, the last 5 s all 2xx",
        recovered_kinds == set(kinds) and all(200 <= outcome.status < 300 for outcome in tail),
        f"{sum(200 <= o.status < 300 for o in tail)}/{len(tail)} 2xx in the last 5 s",
    )
    verdict(
        "gunicorn was not restarted (the same master kept running)",
        server["running"],
        f"{len(server['workers_before'] & server['workers_after'])} of {len(server['workers_before'])} "
        "workers are the same processes as before the load",
    )
    return ok


# --- Main ------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30, help="length of the load")
    parser.add_argument("--restart-at", type=float, default=10, help="seconds into the load")
    parser.add_argument("--pg-port", type=int, default=5497, help="the private cluster's port")
    parser.add_argument("--port", type=int, default=8791, help="gunicorn's port")
    parser.add_argument("--scale", type=float, default=0.002)
    parser.add_argument("--server-log", type=Path, default=None, help="keep gunicorn's log at this path")
    args = parser.parse_args(argv)
    if not (PG_BIN / "initdb").exists():
        raise SystemExit(f"PostgreSQL 15 server binaries are missing ({PG_BIN})")
    for port in (args.pg_port, args.port):
        if port_in_use(port):
            raise SystemExit(f"127.0.0.1:{port} is already in use")
    print(f"machine: nproc {os.cpu_count()}; private PostgreSQL 15 on 127.0.0.1:{args.pg_port}", flush=True)
    cluster = PrivateCluster(args.pg_port)
    server = None
    ok = False
    try:
        cluster.create()
        with private_redis() as redis_url:
            os.environ["BENCH_REDIS_URL"] = redis_url
            env = {**bench_environment(cluster.url), "REDIS_URL": redis_url}
            subprocess.run(  # noqa: S603 - the loader of this repository
                [sys.executable, "-m", "benchmarks.make_dataset", "--fresh", "--scale", str(args.scale),
                 "--database-url", cluster.url],
                cwd=ROOT, env={**os.environ, **env}, check=True, capture_output=True, timeout=600,
            )  # fmt: skip
            setup_django(cluster.url)
            prepared = prepare()
            with stderr_into(cluster.root / "gunicorn.log"):
                server = gunicorn_start(env, port=args.port, workers=3)
            cookie = login(args.port, HEAVY_USERNAME)
            workers_before = gunicorn_workers(server)
            load = Load(args.port, prepared, cookie)
            print(
                f"load: {args.seconds:.0f} s from 5 threads (2 lookups, 2 registrations, 1 HTML page), "
                f"gunicorn 3 sync workers, restart at {args.restart_at:.0f} s",
                flush=True,
            )
            restart = load.run(args.seconds, args.restart_at, cluster.restart)
            state = {
                "running": server.poll() is None,
                "workers_before": workers_before,
                "workers_after": gunicorn_workers(server),
            }
            writes = check_writes(load.outcomes)
            ok = report(load, restart, writes, state)
            gunicorn_stop(server)
            server = None
            for line in server_log_summary(cluster.root / "gunicorn.log"):
                print(f"  {line}")
            if args.server_log:
                shutil.copyfile(cluster.root / "gunicorn.log", args.server_log)
    finally:
        if server is not None:
            gunicorn_stop(server)
        if "DJANGO_SETTINGS_MODULE" in os.environ:
            from django.db import connections

            connections.close_all()
        cluster.remove()
    print(f"\nR5: {'all checks passed' if ok else 'CHECKS FAILED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
