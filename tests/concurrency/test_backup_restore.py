"""quality.md R9, the CI version of ``benchmarks/backup_drill``: the documented ``scripts/backup`` of the test
database, restored with ``pg_restore --no-owner`` into a fresh database, holds the record counts and money
balances the source had at the backup's point in time.

The backup is taken from a snapshot exported by a REPEATABLE READ session (``--snapshot``); a deposit
committed after the snapshot must be in the source and absent from the restored copy."""

import shutil
import subprocess
import urllib.parse
from decimal import Decimal
from pathlib import Path

import psycopg2
import psycopg2.extensions
import pytest
from django.db import connection

from benchmarks.backup_drill import figures, sequences_behind
from deals import services
from deals.rules import DepositKind
from salesoffice.core.roles import Role
from tests.deals.factories import UnitFactory, customer_for, large_deposit, small_deposit

ROOT = Path(__file__).resolve().parents[2]


def _url(name: str) -> str:
    settings = connection.settings_dict
    user = urllib.parse.quote(settings["USER"] or "postgres")
    password = f":{urllib.parse.quote(settings['PASSWORD'])}" if settings["PASSWORD"] else ""
    return f"postgres://{user}{password}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{name}"


def _admin(statement: str) -> None:
    admin = psycopg2.connect(_url("postgres"))
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(statement)
    finally:
        admin.close()


@pytest.fixture
def restored_url():
    name = f"{connection.settings_dict['NAME']}_restored"
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _admin(f'CREATE DATABASE "{name}"')
    yield _url(name)
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def records(site, staff):
    """A handful of records of every money kind the counter makes: holds, a reservation, an instalment."""
    manager = staff(Role.MANAGER, site)
    sellers = [staff(Role.SALESPERSON, site) for _ in range(2)]
    finance = staff(Role.FINANCE, site)
    customers = [
        customer_for(site, sellers[i % 2], name=f"客户{i}", phone=f"1390000{i:04d}") for i in range(3)
    ]
    units = [UnitFactory(building__site=site, floor=i + 1, number="01") for i in range(5)]
    small_deposit(units[0], customers[0], sellers[0])
    small_deposit(units[1], customers[1], sellers[1], amount=Decimal("8000.00"))
    reserved = large_deposit(units[2], customers[2], sellers[0])
    services.payment_record(
        deal=reserved.deal, actor=finance, kind="instalment", amount=Decimal("120000.50"), payer="张三",
        method="transfer",
    )  # fmt: skip
    return {"manager": manager, "sellers": sellers, "customers": customers, "units": units}


@pytest.mark.django_db(transaction=True)
def test_r9_backup_restores_the_counts_and_balances_of_its_point_in_time(records, restored_url, tmp_path):
    # Given a REPEATABLE READ session that exported its snapshot
    source = _url(connection.settings_dict["NAME"])
    session = psycopg2.connect(source)
    session.set_session(isolation_level=psycopg2.extensions.ISOLATION_LEVEL_REPEATABLE_READ, readonly=True)
    try:
        with session.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            (snapshot,) = cursor.fetchone()
            at_snapshot = figures(cursor)
            # When a deposit is committed after the snapshot, and the backup is taken from the snapshot
            services.deposit_take(
                unit=records["units"][3], customer=records["customers"][0], actor=records["sellers"][0],
                kind=DepositKind.SMALL, amount=Decimal("3000.00"), method="cash",
            )  # fmt: skip
            archive = tmp_path / "salesoffice.dump"
            backup = subprocess.run(
                [str(ROOT / "scripts/backup"), source, str(archive), f"--snapshot={snapshot}"],
                capture_output=True, text=True, timeout=120, check=False,
            )  # fmt: skip
    finally:
        session.rollback()
        session.close()
    assert backup.returncode == 0, backup.stderr
    assert archive.stat().st_mode & 0o077 == 0  # personal data: readable by its owner only

    # And it is restored into the empty database
    restored = subprocess.run(
        [shutil.which("pg_restore"), "--no-owner", "--exit-on-error", f"--dbname={restored_url}", str(archive)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert restored.returncode == 0, restored.stderr

    # Then the restored copy has the snapshot's counts and balances, not the later deposit's
    with psycopg2.connect(restored_url) as conn, conn.cursor() as cursor:
        in_copy = figures(cursor)
        behind = sequences_behind(cursor)
    conn.close()
    with connection.cursor() as cursor:
        now = figures(cursor.cursor)
    assert in_copy == at_snapshot
    assert at_snapshot["money, all records"] == "4 / 183,000.50"
    assert at_snapshot["deposits held small"] == "2 / 13,000.00"
    assert at_snapshot["rows deals_deal"] == "3"
    assert now["deposits held small"] == "3 / 16,000.00"
    assert now["money, all records"] == "5 / 186,000.50"
    assert behind == []  # the restored app can insert


def test_r9_backup_refuses_what_is_not_a_database_url(tmp_path):
    # When the script is called without a postgres:// URL
    done = subprocess.run(
        [str(ROOT / "scripts/backup"), "not-a-url", str(tmp_path / "x.dump")],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    # Then it stops with usage status and leaves no file behind
    assert done.returncode == 2
    assert list(tmp_path.iterdir()) == []
