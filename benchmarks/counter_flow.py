"""P3 as the counter lives it: a walk-in arrives and the rota assigns its receiver (ROTA-02), then the
receiver registers the visit, which records the registration, re-decides ownership and ends the reception
in one transaction (``reception_register``: REG-01 + OWN + ROTA-05).

Eight desks, two at each of four sites whose six salespeople are signed in to the day's rota; each desk
announces a walk-in with its own token and registers it with the receiver's token. 30% of the visitors are
returning customers (a known phone of the site), the rest new numbers in the 172 range, which the data set
never uses. Writes into the bench database; each desk finishes the walk-in it started, so no reception is
left open for the next run. Run by ``benchmarks.run_http`` (``--only P3``)."""

from __future__ import annotations

import contextlib
import itertools
import random
import threading
import time
from typing import Any

from benchmarks.common import http_call, percentile

DESKS_PER_SITE = 2
RETURNING = 0.3


def counter_prepare(site_ids: list[int]) -> list[dict[str, Any]]:
    """Per site: a write token for each salesperson (by user id), everyone signed in to today's rota,
    and known phones to draw returning visitors from."""
    from customers.models import CustomerPhone
    from reception.exceptions import RotaRefused
    from reception.services import rota_sign_in
    from salesoffice.core.models import Membership, Site
    from salesoffice.core.services import token_create

    prepared = []
    for site in Site.objects.filter(pk__in=site_ids).order_by("pk"):
        people = [
            membership.user
            for membership in Membership.objects.filter(site=site, role="salesperson", is_active=True)
            .select_related("user")
            .order_by("user_id")
        ]
        tokens = {}
        for person in people:
            tokens[person.pk] = token_create(
                user=person, site=site, name="bench desk", scope="write", actor=person
            )[1]
            with contextlib.suppress(RotaRefused):  # signed in by an earlier run today
                rota_sign_in(site=site, actor=person, salesperson=person, reason="")
        known = list(
            CustomerPhone.objects.filter(site=site).order_by("pk").values_list("e164", flat=True)[:5000:10]
        )
        prepared.append({"site": site.pk, "tokens": tokens, "known": [phone[3:] for phone in known]})
    return prepared


def counter_run(port: int, sites: list[dict[str, Any]], seconds: float) -> dict[str, Any]:
    """Drive the desks for ``seconds``; latencies in milliseconds of each step and of the whole visit."""
    deadline = time.monotonic() + seconds
    walk_ins: list[float] = []
    registrations: list[float] = []
    visits: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    serial = itertools.count(1)
    run_tag = int(time.time()) % 10_000

    def desk(site: dict[str, Any], number: int) -> None:
        chooser = random.Random(number)
        desk_token = list(site["tokens"].values())[number % len(site["tokens"])]
        while time.monotonic() < deadline:
            arrived = http_call(
                port,
                "POST",
                f"/api/v1/sites/{site['site']}/rota/walk-ins/",
                token=desk_token,
                body={"type": "new"},
            )
            if arrived.status != 201 or not arrived.body.get("receiver"):
                with lock:
                    failures.append(f"walk-in {arrived.status}: {str(arrived.body)[:200]}")
                return
            phone = (
                chooser.choice(site["known"])
                if chooser.random() < RETURNING
                else f"172{run_tag:04d}{next(serial) % 10_000:04d}"
            )
            registered = http_call(
                port,
                "POST",
                f"/api/v1/sites/{site['site']}/receptions/{arrived.body['reception']['id']}/register/",
                token=site["tokens"][arrived.body["receiver"]],
                body={
                    "name": "王先生", "gender": "male", "phones": [phone], "level": "B", "source": "walk_in",
                    "needs": {"layout": "3室2厅", "budget": "3000000"}, "notice_version": "2026-01",
                },
            )  # fmt: skip
            with lock:
                if registered.status != 201:
                    failures.append(f"register {registered.status}: {str(registered.body)[:200]}")
                    return
                walk_ins.append(arrived.seconds * 1000)
                registrations.append(registered.seconds * 1000)
                visits.append((arrived.seconds + registered.seconds) * 1000)

    threads = [
        threading.Thread(target=desk, args=(site, index * DESKS_PER_SITE + offset))
        for index, site in enumerate(sites)
        for offset in range(DESKS_PER_SITE)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    return {
        "desks": len(threads),
        "visits": len(visits),
        "visits_per_second": len(visits) / elapsed,
        "failures": failures,
        **{
            f"{label}_{name}": percentile(values, share)
            for label, values in (("walk_in", walk_ins), ("register", registrations), ("visit", visits))
            for name, share in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99))
        },
    }
