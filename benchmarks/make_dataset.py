"""QUAL-01: build a large developer's data set in PostgreSQL, reproducibly from a seed.

    .venv/bin/python -m benchmarks.make_dataset --fresh --scale 1.0 --seed 1

Scale 1.0 is 200 sites, 2,000 staff, 1,000,000 customers with phones, households and referrals,
3,000,000 registrations, 5,000,000 follow-ups, 1,000,000 stored verdicts, 100,000 units and 60,000
deals with deposits, subscriptions, contracts and money records. Rows are generated as COPY text
streams into the real tables, with the column names read from the models' ``_meta``; ids are assigned
here so every foreign key is known without reading back. For large loads the secondary indexes and
foreign keys of the big tables are dropped first and recreated afterwards (the foreign keys are
validated when they are added back, which proves the generated keys consistent).

The cached verdict of each customer (owner, protected until, verdict row) is written as the
ownership engine would leave it, so the counter lookup behaves as in production; per-site counters
(registration, receipt, subscription and contract numbers) are advanced to the loaded numbers.

Fixed handles for the benchmarks: site ``s001`` (2,000 units in one building, three times the
customers of other sites), its salesperson ``s001-sp01`` owning 2,000 customers, and the password
``BENCH_PASSWORD`` for every staff account.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import io
import itertools
import json
import os
import random
import sys
import time
import zoneinfo
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/salesoffice_bench"
BENCH_PASSWORD = "bench-password-0123"  # noqa: S105 - a fixed password of generated test staff
HEAVY_USERNAME = "s001-sp01"
GROUP_USERNAME = "group-deputy"  # deputy manager at every site: reads the group's reports (P6)
BENCH_SITE_CODE = "s001"
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
# Tables whose secondary indexes and foreign keys are rebuilt after a large load.
BIG_TABLES = (
    "customers_customer",
    "customers_customerphone",
    "customers_registration",
    "customers_followup",
    "customers_ownershipverdict",
)
DROP_INDEXES_FROM = 50_000  # customers; below this the load keeps every index (tests, quick sets)


# --- Sizes -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sizes:
    sites: int
    staff_per_site: int
    customers: int
    units: int
    deals: int
    work_orders: int
    heavy_customers: int
    bench_site_units: int

    @classmethod
    def for_scale(cls, scale: float) -> Sizes:
        customers = max(200, round(1_000_000 * scale))
        units = max(100, round(100_000 * scale))
        return cls(
            sites=max(2, round(200 * scale)),
            staff_per_site=10,
            customers=customers,
            units=units,
            deals=max(30, round(60_000 * scale)),
            work_orders=max(10, round(20_000 * scale)),
            heavy_customers=min(2000, max(30, customers // 500)),
            bench_site_units=min(2000, max(40, units // 50)),
        )


# --- COPY plumbing ---------------------------------------------------------------------------------


class LineStream(io.RawIOBase):
    """A file-like reader over generated COPY text lines, for ``copy_expert``."""

    def __init__(self, lines: Iterator[str], progress: Progress) -> None:
        self._lines = lines
        self._buffer = b""
        self._progress = progress

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            chunk = list(itertools.islice(self._lines, 2000))
            if not chunk:
                break
            self._progress.advance(len(chunk))
            self._buffer += ("\n".join(chunk) + "\n").encode()
        if size < 0:
            size = len(self._buffer)
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data


class Progress:
    """Plain stderr progress: rows, rate and elapsed time per table."""

    def __init__(self, label: str, total: int | None) -> None:
        self.label, self.total, self.done = label, total, 0
        self.started = self._last = time.monotonic()

    def advance(self, count: int) -> None:
        self.done += count
        now = time.monotonic()
        if now - self._last >= 2:
            self._last = now
            self._print(now)

    def finish(self) -> None:
        self._print(time.monotonic(), end="\n")

    def _print(self, now: float, end: str = "\r") -> None:
        elapsed = max(now - self.started, 1e-6)
        share = f" {100 * self.done / self.total:5.1f}%" if self.total else ""
        sys.stderr.write(
            f"  {self.label:<32} {self.done:>10,} rows{share} {self.done / elapsed:>9,.0f}/s {elapsed:6.1f}s{end}"
        )
        sys.stderr.flush()


def _text(value: Any) -> str:
    """One value in COPY text format (generated strings hold no tab, newline or backslash)."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return str(value)


@dataclass
class Table:
    """The real table of a model: the columns the generator provides (by attname, in order) and a
    constant tail of defaults for every other column."""

    model: Any
    provided: list[str]
    name: str = ""
    columns: list[str] = field(default_factory=list)
    tail: str = ""

    def __post_init__(self) -> None:
        from django.db.models import NOT_PROVIDED

        meta = self.model._meta
        self.name = meta.db_table
        by_attname = {f.attname: f for f in meta.concrete_fields}
        unknown = [name for name in self.provided if name not in by_attname]
        if unknown:
            raise SystemExit(f"{self.name}: no such fields {unknown}")
        rest = []
        for attname, model_field in by_attname.items():
            if attname in self.provided:
                continue
            if model_field.null:
                rest.append((model_field.column, None))
            elif model_field.default is not NOT_PROVIDED:
                rest.append((model_field.column, model_field.get_default()))
            elif getattr(model_field, "auto_now_add", False) or getattr(model_field, "auto_now", False):
                raise SystemExit(f"{self.name}.{attname}: timestamps must be generated")
            elif model_field.blank and model_field.get_internal_type() in ("CharField", "TextField"):
                rest.append((model_field.column, ""))
            else:
                raise SystemExit(f"{self.name}.{attname} is required and not generated")
        self.columns = [by_attname[name].column for name in self.provided] + [c for c, _v in rest]
        self.tail = "".join("\t" + _text(value) for _c, value in rest)

    def copy(self, cursor: Any, rows: Iterable[tuple[Any, ...]], total: int | None = None) -> int:
        progress = Progress(self.name, total)
        tail = self.tail
        lines = ("\t".join(map(_text, row)) + tail for row in rows)
        cursor.copy_expert(
            f"COPY {self.name} ({', '.join(self.columns)}) FROM STDIN",
            LineStream(lines, progress),
            size=1 << 20,
        )
        progress.finish()
        return progress.done


# --- Index and constraint handling for large loads ---------------------------------------------------


@dataclass
class Deferred:
    indexes: list[str] = field(default_factory=list)
    constraints: list[tuple[str, str, str]] = field(default_factory=list)  # (table, name, definition)
    foreign_keys: list[tuple[str, str, str]] = field(default_factory=list)


def drop_secondary(cursor: Any, tables: Iterable[str]) -> Deferred:
    deferred = Deferred()
    for table in tables:
        cursor.execute(
            "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype IN ('u', 'f') ORDER BY conname",
            [table],
        )
        for name, kind, definition in cursor.fetchall():
            (deferred.foreign_keys if kind == "f" else deferred.constraints).append((table, name, definition))
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        cursor.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
            [table],
        )
        for name, definition in cursor.fetchall():
            deferred.indexes.append(definition)
            cursor.execute(f"DROP INDEX {name}")
    return deferred


def restore_secondary(dsn: str, deferred: Deferred) -> None:
    """Indexes two at a time (one per core), then unique constraints, then foreign keys one by one
    (adding a foreign key locks both tables against each other)."""
    import psycopg2

    def run(statement: str) -> None:
        started = time.monotonic()
        with psycopg2.connect(dsn) as conn, conn.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '512MB'")
            cursor.execute("SET max_parallel_maintenance_workers = 0")
            cursor.execute(statement)
        sys.stderr.write(f"  {time.monotonic() - started:6.1f}s {statement[:110]}\n")

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(run, deferred.indexes))
        list(pool.map(run, [f'ALTER TABLE {t} ADD CONSTRAINT "{n}" {d}' for t, n, d in deferred.constraints]))
    for table, name, definition in deferred.foreign_keys:
        run(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')


# --- The generator ---------------------------------------------------------------------------------


class Generator:
    """Generates every table from ``seed`` and ``scale``; the anchor date is "today" of the data set."""

    def __init__(self, *, seed: int, scale: float, anchor: dt.date) -> None:
        from benchmarks.names import CITIES, COMMON_GIVEN, DISTRICTS, FEMALE_GIVEN, MALE_GIVEN, SURNAMES

        self.sizes = Sizes.for_scale(scale)
        self.rng = random.Random(seed)
        self.anchor = anchor
        self.now = dt.datetime.combine(anchor, dt.time(10, 0), SHANGHAI)
        self.surnames = [name for name, _share in SURNAMES]
        self.surname_cumulative = list(itertools.accumulate(share for _name, share in SURNAMES))
        self.male_chars = COMMON_GIVEN + MALE_GIVEN
        self.female_chars = COMMON_GIVEN + FEMALE_GIVEN
        self.districts, self.cities = DISTRICTS, CITIES
        self._initials: dict[str, str] = {}
        self.counts: dict[str, int] = {}
        # Customer index -> (time, planned next date) of its latest follow-up, kept on the customer row.
        self.latest_follow_up: dict[int, tuple[dt.datetime, dt.date | None]] = {}

    # Names ------------------------------------------------------------------------------------------

    def name(self, female: bool) -> tuple[str, str]:
        rng = self.rng
        surname = self.surnames[
            bisect.bisect(self.surname_cumulative, rng.random() * self.surname_cumulative[-1])
        ]
        chars = self.female_chars if female else self.male_chars
        given = rng.choice(chars) + (rng.choice(chars) if rng.random() < 0.75 else "")
        return surname + given, self.initials(surname) + self.initials(given)

    def initials(self, text: str) -> str:
        """The production rule (``name_initials``), cached per surname and per given name."""
        cached = self._initials.get(text)
        if cached is None:
            from customers.services.registrations import name_initials

            cached = self._initials[text] = name_initials(text)
        return cached

    @staticmethod
    def mobile(index: int) -> str:
        """A unique mainland mobile for ``index`` < 10**8: a permutation of the 8 trailing digits."""
        from benchmarks.names import MOBILE_PREFIXES

        return (
            f"+86{MOBILE_PREFIXES[index % len(MOBILE_PREFIXES)]}{(index * 48_271 + 13_579) % 100_000_000:08d}"
        )

    # Plan ---------------------------------------------------------------------------------------------

    def plan(self) -> None:
        """Decide every customer's site, dates, owner and status before any row is written, so deals and
        the cached verdict agree with registrations and follow-ups."""
        rng, sizes = self.rng, self.sizes
        n = sizes.customers
        weights = [3.0] + [1.0] * (sizes.sites - 1)  # the bench site has three times the customers
        cumulative = list(itertools.accumulate(weights))
        site_of = [bisect.bisect(cumulative, rng.random() * cumulative[-1]) + 1 for _ in range(n)]
        self.site_of = site_of
        span = 730 * 86_400
        start = self.now.timestamp() - span
        # Created in id order over the last two years, with a little jitter.
        self.created = [start + span * (i + rng.random()) / n for i in range(n)]
        self.owner = [0] * n
        self.protected = [None] * n  # days after the anchor, or None
        self.status = ["following"] * n
        self.level = [rng.choice("ABCCC") for _ in range(n)]
        self.first_salesperson = [0] * n
        self.female = [rng.random() < 0.5 for _ in range(n)]
        named = [self.name(female) for female in self.female]
        self.names = [name for name, _initials in named]
        self.name_initials = [initials for _name, initials in named]
        heavy_left = sizes.heavy_customers
        heavy = self.salespeople[1][0]
        for i in range(n):
            site = site_of[i]
            sellers = self.salespeople[site]
            seller = sellers[rng.randrange(len(sellers))]
            draw = rng.random()
            age_days = (self.now.timestamp() - self.created[i]) / 86_400
            if draw < 0.40 or (site == 1 and heavy_left > 0 and draw < 0.7):
                if site == 1 and heavy_left > 0 and rng.random() < 0.5:
                    seller = heavy
                    heavy_left -= 1
                self.owner[i] = seller
                self.protected[i] = rng.randint(0, min(30, int(age_days) + 30))
                self.status[i] = "new" if age_days < 3 else "following"
            elif draw < 0.47:
                self.status[i] = "lost"
            self.first_salesperson[i] = seller
        self.by_site: dict[int, list[int]] = {}
        for i, site in enumerate(site_of):
            self.by_site.setdefault(site, []).append(i)

    def customer_id(self, index: int) -> int:
        return self.customer_base + index

    def at(self, timestamp: float) -> dt.datetime:
        return dt.datetime.fromtimestamp(timestamp, SHANGHAI)

    # Staff and sites ---------------------------------------------------------------------------------

    def sites(self) -> Iterator[tuple[Any, ...]]:
        for s in range(1, self.sizes.sites + 1):
            city = self.cities[s % len(self.cities)]
            yield (s, f"s{s:03d}", f"{city}{self.surnames[s % 60]}府{s}期", city, "", self.now)

    def users(self, password: str) -> Iterator[tuple[Any, ...]]:
        """Per site: manager, supervisor, finance, customer service, six salespeople."""
        self.salespeople: dict[int, list[int]] = {}
        self.managers: dict[int, int] = {}
        self.finance: dict[int, int] = {}
        self.service: dict[int, int] = {}
        self.memberships: list[tuple[int, int, str]] = []
        user_id = 0
        roles = ["site_manager", "sales_supervisor", "finance", "customer_service"] + ["salesperson"] * (
            self.sizes.staff_per_site - 4
        )
        for s in range(1, self.sizes.sites + 1):
            seller_number = 0
            for role in roles:
                user_id += 1
                if role == "salesperson":
                    seller_number += 1
                    username = f"s{s:03d}-sp{seller_number:02d}"
                    self.salespeople.setdefault(s, []).append(user_id)
                else:
                    username = f"s{s:03d}-{role.split('_')[-1][:3]}"
                if role == "site_manager":
                    self.managers[s] = user_id
                if role == "finance":
                    self.finance[s] = user_id
                self.memberships.append((user_id, s, role))
                if role == "customer_service":
                    # A small site's service clerk also takes repair orders (SVC-02).
                    self.service[s] = user_id
                    self.memberships.append((user_id, s, "repair_worker"))
                full, _initials = self.name(self.rng.random() < 0.5)
                family = full[:2] if len(full) > 2 and full[:2] in self.surnames else full[:1]
                yield (
                    user_id, password, False, username, full[len(family) :], family,
                    f"{username}@bench.invalid", False, True, self.now,
                )  # fmt: skip
        user_id += 1
        self.memberships += [(user_id, s, "deputy_manager") for s in range(1, self.sizes.sites + 1)]
        yield (
            user_id, password, False, GROUP_USERNAME, "总", "集团", f"{GROUP_USERNAME}@bench.invalid", False, True,
            self.now,
        )  # fmt: skip

    def membership_rows(self) -> Iterator[tuple[Any, ...]]:
        for number, (user_id, site, role) in enumerate(self.memberships, start=1):
            yield (number, user_id, site, role, True, self.now)

    # Customers ---------------------------------------------------------------------------------------

    def households_and_links(self) -> None:
        """Households of two (10%), relations between them, referrals (3%) within a site."""
        rng = self.rng
        self.household_of: dict[int, int] = {}
        self.households: list[tuple[int, int, str, dt.datetime]] = []
        self.relations: list[tuple[int, int, int, str, int, dt.datetime]] = []
        self.referrals: list[tuple[int, int, int, int, int, dt.datetime]] = []
        pending: dict[int, int] = {}
        recent: dict[int, int] = {}
        self.referred: set[int] = set()
        for i, site in enumerate(self.site_of):
            if rng.random() < 0.10:
                partner = pending.pop(site, None)
                if partner is None:
                    pending[site] = i
                    self.households.append((len(self.households) + 1, site, "", self.at(self.created[i])))
                    self.household_of[i] = len(self.households)
                else:
                    self.household_of[i] = self.household_of[partner]
                    self.relations.append(
                        (
                            len(self.relations) + 1, site, self.customer_id(partner), self.customer_id(i),
                            "spouse", self.first_salesperson[i], self.at(self.created[i]),
                        )
                    )  # fmt: skip
            elif rng.random() < 0.03 and site in recent:
                self.referred.add(i)
                self.referrals.append(
                    (
                        len(self.referrals) + 1, site, self.customer_id(recent[site]), self.customer_id(i),
                        self.first_salesperson[i], self.at(self.created[i]),
                    )
                )  # fmt: skip
            recent[site] = i

    def customers(self) -> Iterator[tuple[Any, ...]]:
        rng = self.rng
        anchor = self.anchor
        for i in range(self.sizes.customers):
            female = self.female[i]
            name, initials = self.names[i], self.name_initials[i]
            owner = self.owner[i] or None
            protected = self.protected[i]
            protected_until = anchor + dt.timedelta(days=protected) if protected is not None else None
            created = self.created[i]
            last = self.last_activity(i)
            yield (
                self.customer_id(i), self.site_of[i], name, initials, "female" if female else "male",
                self.districts[i % len(self.districts)],
                "referral" if i in self.referred else ("walk_in" if rng.random() < 0.6 else "call"),
                self.level[i], self.status[i], self.household_of.get(i), owner, protected_until,
                self.verdict_base + i, self.at(last), *self.latest_follow_up.get(i, (None, None)),
                self.first_salesperson[i], self.at(created),
            )  # fmt: skip

    def last_activity(self, i: int) -> float:
        """An owned customer's protection ends 30 days after the last visit or reaching contact."""
        protected = self.protected[i]
        if protected is None:
            return min(self.created[i] + 86_400 * 20, self.now.timestamp() - 3600)
        moment = self.now.timestamp() - (30 - protected) * 86_400
        return max(moment, self.created[i])

    def phones(self) -> Iterator[tuple[Any, ...]]:
        n = self.sizes.customers
        phone_id = 0
        for i in range(n):
            for index in (i, n + i) if i % 10 == 3 else (i,):
                phone_id += 1
                e164 = self.mobile(index)
                yield (phone_id, self.customer_id(i), self.site_of[i], e164, "mobile", e164[-4:])
        self.counts["customers_customerphone"] = phone_id

    def verdicts(self) -> Iterator[tuple[Any, ...]]:
        anchor = self.anchor
        for i in range(self.sizes.customers):
            owner = self.owner[i] or None
            protected = self.protected[i]
            closed = self.status[i] in ("deposited", "subscribed", "contracted", "owner")
            if closed:
                rules: list[str] = ["OWN-01", "OWN-04"]
            elif owner:
                rules = ["OWN-01"]
            else:
                rules = ["OWN-04"]
            yield (
                self.verdict_base + i, self.site_of[i], self.customer_id(i), owner,
                anchor + dt.timedelta(days=protected) if protected is not None else None, closed,
                {str(owner): "100"} if owner else {}, {str(owner): "100"} if owner else {}, rules, 0,
                "registration", self.at(self.last_activity(i)),
            )  # fmt: skip

    def registrations(self) -> Iterator[tuple[Any, ...]]:
        rng = self.rng
        numbers: dict[int, int] = {}
        reg_id = 0
        counts = (1, 1, 2, 2, 3, 3, 3, 4, 5, 6)
        for i in range(self.sizes.customers):
            site = self.site_of[i]
            sellers = self.salespeople[site]
            created, last = self.created[i], self.last_activity(i)
            count = counts[rng.randrange(10)]
            phones = [self.mobile(i)]
            for k in range(count):
                moment = created if k == 0 else (last if k == count - 1 else rng.uniform(created, last))
                seller = self.first_salesperson[i] if k == 0 or rng.random() < 0.8 else rng.choice(sellers)
                reg_id += 1
                number = numbers[site] = numbers.get(site, 0) + 1
                at = self.at(moment)
                yield (
                    reg_id, site, number, "visit" if k or rng.random() < 0.7 else "call", self.customer_id(i),
                    seller, at, at, "walk_in", self.names[i], "unknown", phones, {}, self.level[i], True, [],
                    "2026-01",
                )  # fmt: skip
        self.registration_numbers = numbers
        self.counts["customers_registration"] = reg_id

    def follow_ups(self) -> Iterator[tuple[Any, ...]]:
        rng = self.rng
        fup_id = 0
        anchor = self.anchor
        methods = ("call", "call", "wechat", "sms", "visit")
        for i in range(self.sizes.customers):
            created, last = self.created[i], self.last_activity(i)
            owner = self.owner[i]
            count = rng.randrange(11)  # 0..10, five on average
            seller = owner or self.first_salesperson[i]
            times = sorted(rng.uniform(created, last) for _ in range(count))
            for k, moment in enumerate(times):
                fup_id += 1
                latest = k == count - 1
                next_date = anchor + dt.timedelta(days=rng.randint(-6, 10)) if latest and owner else None
                at = self.at(moment)
                if latest:
                    self.latest_follow_up[i] = (at, next_date)
                yield (
                    fup_id, self.site_of[i], self.customer_id(i), seller, at, at, methods[k % 5],
                    latest or rng.random() < 0.5, "电话回访，介绍新推房源", "客户有意向，约周末看房",
                    self.level[i], self.level[i], "约看样板间", next_date,
                )  # fmt: skip
        self.counts["customers_followup"] = fup_id

    # Inventory and deals ---------------------------------------------------------------------------

    def inventory(self) -> None:
        """Buildings and units per site: the bench site one building of ``bench_site_units`` units,
        the other sites towers of up to 33 floors x 4 units."""
        rng = self.rng
        sizes = self.sizes
        self.buildings: list[tuple[Any, ...]] = []
        self.units: list[list[Any]] = []
        per_site = (sizes.units - sizes.bench_site_units) // max(1, sizes.sites - 1)
        layouts = (("2室1厅", 89.0), ("3室2厅", 118.0), ("4室2厅", 143.0))
        for s in range(1, sizes.sites + 1):
            remaining = sizes.bench_site_units if s == 1 else per_site
            building_number = 0
            while remaining > 0:
                building_number += 1
                per_floor = 40 if s == 1 else 4
                count = remaining if s == 1 else min(remaining, 132)
                building_id = len(self.buildings) + 1
                floors = (count + per_floor - 1) // per_floor
                self.buildings.append((building_id, s, f"{building_number}号楼", floors, building_number))
                price = rng.choice((18_000, 23_500, 31_000, 42_000))
                for k in range(count):
                    floor, position = k // per_floor + 1, k % per_floor + 1
                    layout, area = layouts[position % 3]
                    per_m2 = price + floor * 100
                    self.units.append(
                        [
                            len(self.units) + 1, s, building_id, floor, f"{floor:02d}{position:02d}", layout,
                            "南北" if position % 2 else "东西", f"{area:.2f}", f"{area * 0.8:.2f}",
                            f"{per_m2:.2f}", f"{per_m2 * area:.2f}", "第一批", [],
                            "available" if rng.random() < 0.9 else "withheld", self.now, self.now,
                        ]
                    )  # fmt: skip
                remaining -= count

    def deals(self) -> None:
        """Deals on distinct units, each with its deposit, money, subscription and contract as its status
        needs; the buyer's cached verdict is closed to the deal's salesperson."""
        rng = self.rng
        self.deal_rows: list[tuple[Any, ...]] = []
        self.deposit_rows: list[tuple[Any, ...]] = []
        self.deposit_records: list[tuple[Any, ...]] = []
        self.money_rows: list[tuple[Any, ...]] = []
        self.subscription_rows: list[tuple[Any, ...]] = []
        self.contract_rows: list[tuple[Any, ...]] = []
        self.deal_counters: dict[str, int] = {}
        self.owners_of_units: list[tuple[int, list[Any], int, dt.datetime]] = []
        units_by_site: dict[int, list[list[Any]]] = {}
        for unit in self.units:
            if unit[13] == "available":
                units_by_site.setdefault(unit[1], []).append(unit)
        share = self.sizes.deals / max(1, sum(len(v) for v in units_by_site.values()))
        statuses = (
            ("contracted", 0.55), ("reserved", 0.12), ("on_hold", 0.05), ("cancelled", 0.18), ("expired", 0.10),
        )  # fmt: skip
        cumulative = list(itertools.accumulate(weight for _s, weight in statuses))
        now = self.now

        def number(site: int, kind: str, prefix: str) -> str:
            key = f"deals.{kind}.{site}"
            self.deal_counters[key] = self.deal_counters.get(key, 0) + 1
            return f"{prefix}{self.deal_counters[key]:06d}"

        for site, units in units_by_site.items():
            customers = [i for i in self.by_site.get(site, []) if self.status[i] != "lost"]
            wanted = min(len(units), len(customers), round(len(units) * share))
            chosen_units = rng.sample(units, wanted)
            chosen_customers = rng.sample(customers, wanted)
            for unit, i in zip(chosen_units, chosen_customers, strict=True):
                status = statuses[bisect.bisect(cumulative, rng.random() * cumulative[-1])][0]
                seller = self.owner[i] or rng.choice(self.salespeople[site])
                deal_id = len(self.deal_rows) + 1
                created = self.created[i]
                paid = self.at(created + rng.uniform(0.1, 0.9) * (self.now.timestamp() - created))
                if status == "on_hold":
                    paid = now - dt.timedelta(hours=rng.uniform(1, 70))
                active = status in ("on_hold", "reserved", "contracted")
                self.deal_rows.append(
                    (
                        deal_id, site, unit[0], self.customer_id(i), seller, status, unit[10], unit[7], paid,
                        paid, None if active else paid + dt.timedelta(days=7),
                    )
                )  # fmt: skip
                small = status in ("on_hold", "cancelled") or (status == "expired" and rng.random() < 0.7)
                kind, amount = ("small", 20_000) if small else ("large", 100_000)
                hold_until = paid + dt.timedelta(days=3 if small else 7)
                deposit_status = {
                    "on_hold": "active", "reserved": "converted", "contracted": "converted",
                    "cancelled": "refunded", "expired": "forfeited",
                }[status]  # fmt: skip
                deposit_id = len(self.deposit_rows) + 1
                self.deposit_rows.append(
                    (
                        deposit_id, site, deal_id, unit[0], self.customer_id(i), seller, kind, f"{amount}.00",
                        paid, hold_until, deposit_status, hold_until if status == "expired" else None,
                        None if deposit_status == "active" else paid + dt.timedelta(days=2), paid,
                    )
                )  # fmt: skip
                self.deposit_records.append(
                    (
                        deposit_id, site, self.customer_id(i), seller, kind, paid, f"deals.deposit:{deposit_id}",
                        None if active else paid + dt.timedelta(days=7),
                    )
                )  # fmt: skip
                self.money_rows.append(
                    (
                        len(self.money_rows) + 1, site, deal_id, deposit_id, "deposit", f"{amount}.00",
                        self.names[i], "transfer", number(site, "receipt", "SJ"), self.finance[site], paid,
                    )
                )  # fmt: skip
                if status in ("reserved", "contracted"):
                    subscription_id = len(self.subscription_rows) + 1
                    price = float(unit[10]) * 0.97
                    self.subscription_rows.append(
                        (
                            subscription_id, site, deal_id, deposit_id, unit[0], number(site, "subscription", "RG"),
                            [{"name": self.names[i]}], unit[10], f"{price:.2f}", "mortgage",
                            paid + dt.timedelta(days=30), "active" if status == "reserved" else "contracted",
                            seller, paid,
                        )
                    )  # fmt: skip
                if status == "contracted":
                    signed = paid + dt.timedelta(days=rng.uniform(3, 25))
                    self.owners_of_units.append((site, unit, i, signed))
                    self.contract_rows.append(
                        (
                            len(self.contract_rows) + 1, site, deal_id, subscription_id, unit[0],
                            number(site, "contract", "HT"), f"{price:.2f}", "mortgage", seller, signed,
                            "filed" if rng.random() < 0.7 else "signed",
                        )
                    )  # fmt: skip
                    for kind_name, portion in (("instalment", 0.3), ("loan_release", 0.67)):
                        self.money_rows.append(
                            (
                                len(self.money_rows) + 1, site, deal_id, None, kind_name,
                                f"{price * portion:.2f}", self.names[i], "loan" if portion > 0.5 else "transfer",
                                number(site, "receipt", "SJ"), self.finance[site], signed,
                            )
                        )  # fmt: skip
                unit[13] = {
                    "on_hold": "on_hold", "reserved": "reserved", "contracted": "contracted",
                }.get(status, "available")  # fmt: skip
                if active:
                    self.owner[i] = seller
                    self.protected[i] = None
                    self.status[i] = {"on_hold": "deposited", "reserved": "subscribed"}.get(
                        status, "contracted"
                    )

    def work_orders(self) -> None:
        """SVC-01..03: repair orders from buyers of contracted units, most of them closed; numbered per
        site and day like the service numbers them; each site's service clerk is its repair worker."""
        rng = self.rng
        building_names = {row[0]: row[2] for row in self.buildings}
        self.worker_rows = [
            (site, site, user_id, sorted({name for _b, s, name, _f, _o in self.buildings if s == site}),
             {"plumbing": 3, "electrical": 3, "decoration": 2}, True)
            for site, user_id in sorted(self.service.items())
        ]  # fmt: skip
        self.work_order_rows: list[tuple[Any, ...]] = []
        self.work_order_events: list[tuple[Any, ...]] = []
        candidates = [row for row in self.owners_of_units if row[3] < self.now - dt.timedelta(days=3)]
        categories = ("plumbing", "electrical", "decoration", "waterproofing", "other")
        sequence: dict[tuple[int, dt.date], int] = {}
        for order_id, (site, unit, i, signed) in enumerate(
            sorted(
                rng.sample(candidates, min(len(candidates), self.sizes.work_orders)), key=lambda row: row[3]
            ),
            start=1,
        ):
            span = (self.now - signed).total_seconds()
            created = signed + dt.timedelta(seconds=rng.uniform(0.2, 0.98) * span)
            day = created.astimezone(SHANGHAI).date()
            number = sequence[site, day] = sequence.get((site, day), 0) + 1
            closed = created < self.now - dt.timedelta(days=3) and rng.random() < 0.85
            service = self.service[site]
            respond_by, complete_by = created + dt.timedelta(hours=24), created + dt.timedelta(days=3)
            responded = created + dt.timedelta(hours=rng.uniform(1, 30)) if closed else None
            completed = created + dt.timedelta(hours=rng.uniform(30, 90)) if closed else None
            self.work_order_rows.append(
                (
                    order_id, site, f"S{site:03d}-{day:%Y%m%d}-{number:04d}", "repair", "desk", created, service,
                    self.names[i], "", self.customer_id(i), unit[0], building_names[unit[2]],
                    categories[order_id % len(categories)], 1, "卫生间地漏返水，请尽快上门查看", "normal",
                    respond_by, complete_by, False, None, site if closed else None,
                    "closed" if closed else "new", responded, completed, completed, completed, 0,
                )
            )  # fmt: skip
            events = self.work_order_events
            events.append((len(events) + 1, order_id, "create", "", "new", service, None, "", created))
            if closed and completed is not None:
                events.append(
                    (len(events) + 1, order_id, "close", "new", "closed", service, site, "", completed)
                )
        self.work_order_counters = {
            f"workorder:{site}:{day:%Y%m%d}": value for (site, day), value in sequence.items()
        }


# --- Loading ---------------------------------------------------------------------------------------


def load(cursor: Any, *, seed: int, scale: float, anchor: dt.date, dsn: str | None = None) -> dict[str, Any]:
    """Generate and COPY the whole set through ``cursor`` (a psycopg2 cursor of an empty, migrated
    database). With ``dsn`` and a large set, secondary indexes and foreign keys of the big tables are
    dropped for the load and rebuilt afterwards. Returns the row counts and timings."""
    from django.apps import apps
    from django.contrib.auth.hashers import make_password

    from salesoffice.core.models import Counter, Membership, Site, User

    model = apps.get_model
    timings: dict[str, float] = {}
    started = time.monotonic()
    gen = Generator(seed=seed, scale=scale, anchor=anchor)
    sizes = gen.sizes
    gen.customer_base = 1
    gen.verdict_base = 1

    def step(label: str, work: Callable[[], Any]) -> Any:
        began = time.monotonic()
        result = work()
        timings[label] = time.monotonic() - began
        return result

    def commit() -> None:
        # A caller that passes no dsn (a test) owns the transaction.
        if dsn is not None:
            cursor.connection.commit()

    cursor.execute("SET synchronous_commit = off")
    # Row triggers are off for the loader's session: foreign keys are consistent by construction (and
    # validated when the big tables' keys are added back), the append-only guards only watch UPDATE and
    # DELETE, and the history triggers' insert events are written set-based afterwards.
    cursor.execute("SET session_replication_role = replica")
    deferred = Deferred()
    big = dsn is not None and sizes.customers >= DROP_INDEXES_FROM
    if big:
        deferred = drop_secondary(cursor, BIG_TABLES)
        commit()

    Table(Site, ["id", "code", "name", "city", "address", "created_at"]).copy(cursor, gen.sites())
    user_fields = ["id", "password", "is_superuser", "username", "first_name", "last_name", "email"]
    user_fields += ["is_staff", "is_active", "date_joined"]
    step("staff", lambda: Table(User, user_fields).copy(cursor, gen.users(make_password(BENCH_PASSWORD))))
    Table(Membership, ["id", "user_id", "site_id", "role", "is_active", "created_at"]).copy(
        cursor, gen.membership_rows()
    )
    step("plan", gen.plan)
    step("households", gen.households_and_links)
    step("inventory", gen.inventory)
    step("deals plan", gen.deals)
    # Follow-ups first: each customer row carries its latest follow-up (FUP-02, P4).
    followup_fields = ["id", "site_id", "customer_id", "salesperson_id", "at", "recorded_at", "method"]
    followup_fields += [
        "reached",
        "content",
        "result",
        "level_before",
        "level_after",
        "next_step",
        "next_date",
    ]
    step(
        "follow-ups",
        lambda: Table(model("customers", "FollowUp"), followup_fields).copy(
            cursor, gen.follow_ups(), sizes.customers * 5
        ),
    )
    customer = model("customers", "Customer")
    Table(model("customers", "Household"), ["id", "site_id", "name", "created_at"]).copy(
        cursor, gen.households
    )
    customer_fields = ["id", "site_id", "name", "name_initials", "gender", "district", "source", "level"]
    customer_fields += ["status", "household_id", "owner_id", "protected_until", "verdict_id"]
    customer_fields += [
        "last_activity_at",
        "last_follow_up_at",
        "next_follow_up_on",
        "created_by_id",
        "created_at",
    ]
    step(
        "customers",
        lambda: Table(customer, customer_fields).copy(cursor, gen.customers(), sizes.customers),
    )
    step(
        "phones",
        lambda: Table(
            model("customers", "CustomerPhone"), ["id", "customer_id", "site_id", "e164", "kind", "last4"]
        ).copy(cursor, gen.phones(), round(sizes.customers * 1.1)),
    )
    verdict_fields = ["id", "site_id", "customer_id", "owner_id", "protected_until", "closed", "performance"]
    verdict_fields += ["commission", "rules", "policy_version", "cause", "decided_at"]
    step(
        "verdicts",
        lambda: Table(model("customers", "OwnershipVerdict"), verdict_fields).copy(
            cursor, gen.verdicts(), sizes.customers
        ),
    )
    Table(
        model("customers", "Relation"),
        ["id", "site_id", "a_id", "b_id", "kind", "recorded_by_id", "recorded_at"],
    ).copy(cursor, gen.relations)
    Table(
        model("customers", "Referral"),
        ["id", "site_id", "referrer_id", "referred_id", "recorded_by_id", "recorded_at"],
    ).copy(cursor, gen.referrals)
    registration_fields = ["id", "site_id", "number", "kind", "customer_id", "salesperson_id", "contact_at"]
    registration_fields += ["recorded_at", "source", "name", "gender", "phones", "needs", "level"]
    registration_fields += ["complete", "missing", "notice_version"]
    step(
        "registrations",
        lambda: Table(model("customers", "Registration"), registration_fields).copy(
            cursor, gen.registrations(), sizes.customers * 3
        ),
    )
    commit()
    step("deals", lambda: _load_deals(cursor, gen, model))
    step("work orders", lambda: _load_work_orders(cursor, gen, model))
    counters = dict(gen.deal_counters)
    counters.update(gen.work_order_counters)
    counters.update({f"registration:{site}": value for site, value in gen.registration_numbers.items()})
    Table(Counter, ["id", "scope", "value"]).copy(
        cursor, ((k, scope, value) for k, (scope, value) in enumerate(sorted(counters.items()), start=1))
    )
    step("history events", lambda: _history_events(cursor))
    _reset_sequences(cursor)
    commit()
    if big:
        step("indexes and keys", lambda: restore_secondary(dsn, deferred))
    cursor.execute("SET session_replication_role = origin")
    step("analyze", lambda: cursor.execute("ANALYZE"))
    commit()
    counts = _row_counts(cursor)
    return {"seconds": time.monotonic() - started, "timings": timings, "counts": counts, "sizes": sizes}


def _load_deals(cursor: Any, gen: Generator, model: Callable[..., Any]) -> None:
    Table(model("deals", "Building"), ["id", "site_id", "name", "floors", "sort"]).copy(cursor, gen.buildings)
    unit_fields = [
        "id",
        "site_id",
        "building_id",
        "floor",
        "number",
        "layout",
        "orientation",
        "building_area",
    ]
    unit_fields += ["inner_area", "list_price_per_m2", "list_total", "sales_batch", "tags", "status"]
    unit_fields += ["status_changed_at", "created_at"]
    Table(model("deals", "Unit"), unit_fields).copy(cursor, gen.units, len(gen.units))
    deal_fields = [
        "id",
        "site_id",
        "unit_id",
        "customer_id",
        "salesperson_id",
        "status",
        "list_total",
        "area",
    ]
    deal_fields += ["first_deposit_at", "created_at", "ended_at"]
    Table(model("deals", "Deal"), deal_fields).copy(cursor, gen.deal_rows, len(gen.deal_rows))
    deposit_fields = [
        "id",
        "site_id",
        "deal_id",
        "unit_id",
        "customer_id",
        "salesperson_id",
        "kind",
        "amount",
    ]
    deposit_fields += ["paid_at", "hold_until", "status", "expired_at", "ended_at", "created_at"]
    Table(model("deals", "Deposit"), deposit_fields).copy(cursor, gen.deposit_rows)
    Table(
        model("customers", "DepositRecord"),
        ["id", "site_id", "customer_id", "salesperson_id", "kind", "at", "reference", "cancelled_at"],
    ).copy(cursor, gen.deposit_records)
    money_fields = ["id", "site_id", "deal_id", "deposit_id", "kind", "amount", "payer", "method"]
    money_fields += ["receipt_number", "finance_user_id", "at"]
    Table(model("deals", "MoneyRecord"), money_fields).copy(cursor, gen.money_rows, len(gen.money_rows))
    subscription_fields = [
        "id",
        "site_id",
        "deal_id",
        "deposit_id",
        "unit_id",
        "number",
        "buyers",
        "list_total",
    ]
    subscription_fields += [
        "price",
        "payment_method",
        "signing_deadline",
        "status",
        "created_by_id",
        "created_at",
    ]
    Table(model("deals", "Subscription"), subscription_fields).copy(cursor, gen.subscription_rows)
    contract_fields = ["id", "site_id", "deal_id", "subscription_id", "unit_id", "number", "price"]
    contract_fields += ["payment_method", "signed_by_id", "signed_at", "status"]
    Table(model("deals", "Contract"), contract_fields).copy(cursor, gen.contract_rows)


def _load_work_orders(cursor: Any, gen: Generator, model: Callable[..., Any]) -> None:
    gen.work_orders()
    Table(
        model("handover", "RepairWorker"), ["id", "site_id", "user_id", "areas", "skills", "available"]
    ).copy(cursor, gen.worker_rows)
    order_fields = [
        "id",
        "site_id",
        "number",
        "kind",
        "source",
        "created_at",
        "created_by_id",
        "reporter_name",
    ]
    order_fields += [
        "reporter_phone",
        "customer_id",
        "unit_id",
        "area",
        "category",
        "min_level",
        "description",
    ]
    order_fields += ["priority", "respond_by", "complete_by", "chargeable", "warranty_until", "worker_id"]
    order_fields += ["status", "responded_at", "completed_at", "confirmed_at", "closed_at", "reopen_count"]
    Table(model("handover", "WorkOrder"), order_fields).copy(cursor, gen.work_order_rows)
    Table(
        model("handover", "WorkOrderEvent"),
        ["id", "work_order_id", "action", "from_status", "to_status", "actor_id", "worker_id", "note", "at"],
    ).copy(cursor, gen.work_order_events)


def _history_events(cursor: Any) -> None:
    """The "insert" event each pghistory-tracked row would have got from its trigger, in one
    INSERT … SELECT per tracked model (the triggers fire row by row and were off for the load)."""
    from django.apps import apps

    for event_model in apps.get_models():
        names = {f.name for f in event_model._meta.concrete_fields}
        if not {"pgh_obj", "pgh_label", "pgh_created_at"} <= names:
            continue
        tracked = event_model._meta.get_field("pgh_obj").related_model
        source_columns = {f.column for f in tracked._meta.concrete_fields}
        copied = [
            f.column
            for f in event_model._meta.concrete_fields
            if not f.name.startswith("pgh_") and f.column in source_columns
        ]
        created = "created_at" if "created_at" in source_columns else "now()"
        columns = ", ".join(["pgh_created_at", "pgh_label", "pgh_obj_id", *copied])
        values = ", ".join([created, "'insert'", tracked._meta.pk.column, *copied])
        cursor.execute(
            f"INSERT INTO {event_model._meta.db_table} ({columns}) SELECT {values} FROM {tracked._meta.db_table}"
        )


def _reset_sequences(cursor: Any) -> None:
    from django.apps import apps

    for model in apps.get_models():
        table = model._meta.db_table
        pk = model._meta.pk
        if pk is None or pk.get_internal_type() not in ("AutoField", "BigAutoField"):
            continue
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, pk.column])
        (sequence,) = cursor.fetchone()
        if sequence:
            cursor.execute(
                f"SELECT setval(%s, GREATEST((SELECT MAX({pk.column}) FROM {table}), 1))", [sequence]
            )


def _row_counts(cursor: Any) -> dict[str, int]:
    tables = [
        "core_site", "core_user", "core_membership", "customers_customer", "customers_customerphone",
        "customers_household", "customers_relation", "customers_referral", "customers_registration",
        "customers_followup", "customers_ownershipverdict", "deals_building", "deals_unit", "deals_deal",
        "deals_deposit", "deals_subscription", "deals_contract", "deals_moneyrecord", "handover_workorder",
        "handover_workorderevent", "core_counter",
    ]  # fmt: skip
    counts = {}
    for table in tables:
        cursor.execute(f"SELECT count(*) FROM {table}")
        counts[table] = cursor.fetchone()[0]
    return counts


# --- Command line -----------------------------------------------------------------------------------


def _database_name(url: str) -> str:
    return url.rsplit("/", 1)[-1].split("?", 1)[0]


def _recreate_database(url: str) -> None:
    import psycopg2

    name = _database_name(url)
    if "bench" not in name:
        raise SystemExit(
            f"--fresh only (re)creates a dedicated database with 'bench' in its name, not {name!r}"
        )
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    conn = psycopg2.connect(admin_url)
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def has_real_data(cursor: Any) -> bool:
    cursor.execute("SELECT to_regclass('core_site') IS NOT NULL")
    if not cursor.fetchone()[0]:
        return False
    cursor.execute(
        "SELECT EXISTS (SELECT 1 FROM core_site) OR EXISTS (SELECT 1 FROM core_user) "
        "OR EXISTS (SELECT 1 FROM customers_customer)"
    )
    return bool(cursor.fetchone()[0])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = QUAL-01 (1,000,000 customers)")
    parser.add_argument(
        "--fresh", action="store_true", help="drop and recreate the bench database, migrate it, then load"
    )
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument(
        "--anchor-date", type=dt.date.fromisoformat, default=None, help="the data set's today"
    )
    args = parser.parse_args(argv)
    url = args.database_url
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SECRET_KEY", "bench-secret-key-not-for-production-0123456789abcdef")
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "salesoffice.settings")
    started = time.monotonic()
    if args.fresh:
        _recreate_database(url)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if args.fresh:
        sys.stderr.write(f"migrating {_database_name(url)} …\n")
        call_command("migrate", verbosity=0, interactive=False)
    with connection.cursor() as wrapper:
        if has_real_data(wrapper.cursor):
            sys.stderr.write(
                f"{_database_name(url)} already holds data; refusing to load into it (use --fresh for a "
                "dedicated bench database)\n"
            )
            return 2
    connection.ensure_connection()
    raw = connection.connection
    raw.autocommit = False
    anchor = args.anchor_date or dt.datetime.now(SHANGHAI).date()
    load_started = time.monotonic()
    with raw.cursor() as cursor:
        report = load(cursor, seed=args.seed, scale=args.scale, anchor=anchor, dsn=url)
    raw.commit()
    print(f"data set: seed {args.seed}, scale {args.scale}, anchor {anchor}, nproc {os.cpu_count()}")
    for table, count in report["counts"].items():
        print(f"  {table:<32} {count:>12,}")
    for label, seconds in report["timings"].items():
        print(f"  {label:<32} {seconds:>9.1f} s")
    print(
        f"load {time.monotonic() - load_started:.1f} s, total with migrations {time.monotonic() - started:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
