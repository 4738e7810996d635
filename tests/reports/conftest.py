"""A small fixed day at one site, built with the services, whose figures are computed by hand in the tests.

D = Monday 2026-03-02 at 滨江壹号 (Asia/Shanghai, daily cut-off 18:00). Salespeople 李娜 (A) and 赵强 (B)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest

from customers.services import follow_up_record
from deals import services as deal_services
from deals.models import Unit
from deals.rules import DepositKind
from reception.models import Reception, RotaDay
from salesoffice.core.roles import Role
from tests.customers.factories import register
from tests.deals.factories import BuildingFactory, UnitFactory

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
D = dt.date(2026, 3, 2)
BUYER = [{"name": "张三", "id_type": "resident_id", "id_number": "110105199001011234"}]


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


def _customer(registration):
    customer = registration.customer
    customer.refresh_from_db()
    return customer


@dataclasses.dataclass
class Day:
    site: object
    manager: object
    a: object
    b: object
    units: list
    customers: dict


@pytest.fixture
def day(site, staff, clock):
    """The fixed data set (see the module docstring); the clock ends at D 20:00."""
    manager = staff(Role.MANAGER, site, last_name="王", first_name="经理", email="wang@example.com")
    a = staff(Role.SALESPERSON, site, last_name="李", first_name="娜")
    b = staff(Role.SALESPERSON, site, last_name="赵", first_name="强")
    clock.set(at(D - dt.timedelta(days=1), 8))
    building = BuildingFactory(site=site, name="1号楼")
    units = [
        UnitFactory(building=building, floor=floor, number="01", layout=layout, sales_batch=batch,
                    list_total=total, building_area=area, status=status)
        for floor, layout, batch, total, area, status in [
            (1, "3室2厅", "一期", Decimal("2000000.00"), Decimal("100.00"), Unit.Status.AVAILABLE),
            (2, "3室2厅", "一期", Decimal("2000000.00"), Decimal("100.00"), Unit.Status.AVAILABLE),
            (3, "2室2厅", "一期", Decimal("1500000.00"), Decimal("80.00"), Unit.Status.AVAILABLE),
            (4, "2室2厅", "二期", Decimal("1500000.00"), Decimal("80.00"), Unit.Status.AVAILABLE),
            (5, "4室2厅", "二期", Decimal("3200000.00"), Decimal("160.00"), Unit.Status.WITHHELD),
        ]
    ]  # fmt: skip
    customers = {}
    # D-1 17:00, before the cut-off: counts on D-1.
    clock.set(at(D - dt.timedelta(days=1), 17))
    customers["赵六"] = _customer(register(site, b, name="赵六", phones=["13500004444"]))
    clock.set(at(D - dt.timedelta(days=1), 17, 30))
    follow_up_record(
        customer=customers["赵六"], actor=b, at=clock.now, method="call", reached=True,
        next_date=D - dt.timedelta(days=1),
    )  # fmt: skip
    # D-1 18:05, after the cut-off: counts on D (RPT-01 "18:00后的数据将统计到第二天").
    clock.set(at(D - dt.timedelta(days=1), 18, 5))
    customers["钱七"] = _customer(register(site, b, name="钱七", phones=["13500005555"]))
    clock.set(at(D, 10))
    customers["张三"] = _customer(register(site, a, name="张三", phones=["13812345678"]))
    clock.set(at(D, 10, 30))
    follow_up_record(
        customer=customers["张三"], actor=a, at=clock.now, method="call", reached=True,
        next_date=D + dt.timedelta(days=3),
    )  # fmt: skip
    clock.set(at(D, 11))
    customers["王五"] = _customer(register(site, a, name="王五", phones=["13900001111"], needs={}))
    clock.set(at(D, 12))
    customers["孙八"] = register(
        site, b, name="孙八", phones=["13700002222"], kind="call", appointment_entered=True
    ).customer
    customers["孙八"].refresh_from_db()
    clock.set(at(D, 14))
    deal_services.deposit_take(
        unit=units[0], customer=customers["钱七"], actor=b, kind=DepositKind.SMALL, amount=Decimal("5000.00"),
        method="cash",
    )  # fmt: skip
    clock.set(at(D, 15))
    large = deal_services.deposit_take(
        unit=units[1], customer=customers["张三"], actor=a, kind=DepositKind.LARGE, amount=Decimal("100000.00"),
        method="transfer",
    )  # fmt: skip
    subscription = deal_services.subscription_create(
        deposit=large, actor=a, buyers=BUYER, payment_method="full_payment"
    )
    for item in ("id_verified", "qualification_confirmed", "terms_explained"):
        subscription = deal_services.subscription_check(subscription=subscription, item=item, actor=a)
    clock.set(at(D, 16))
    deal_services.contract_sign(subscription=subscription, actor=manager)
    # After the cut-off of D: counts on D+1.
    clock.set(at(D, 18, 30))
    customers["周九"] = _customer(register(site, a, name="周九", phones=["13600003333"]))
    clock.set(at(D, 19))
    deal_services.deposit_take(
        unit=units[2], customer=customers["赵六"], actor=b, kind=DepositKind.SMALL, amount=Decimal("1000.00"),
        method="cash",
    )  # fmt: skip
    rota_day = RotaDay.objects.create(site=site, business_date=D, state={}, start_state={})
    receptions = [
        (1, Reception.Type.NEW, a, True, at(D, 9, 55), "registered"),
        (2, Reception.Type.NEW, b, True, at(D, 11, 58), "registered"),
        (3, Reception.Type.RETURNING, a, False, at(D, 15), "registered"),
        (4, Reception.Type.NEW, None, False, at(D, 16, 30), "left_before_registration"),
        (5, Reception.Type.NEW, a, True, at(D, 18, 20), "registered"),
    ]
    registration = customers["张三"].registrations.first()
    for number, kind, receiver, counted, arrived, outcome in receptions:
        Reception.objects.create(
            day=rota_day, number=number, type=kind, receiver=receiver, counted=counted, arrived_at=arrived,
            started_at=arrived if receiver else None, ended_at=arrived + dt.timedelta(minutes=30), outcome=outcome,
            registration=registration if outcome == "registered" else None,
        )  # fmt: skip
    clock.set(at(D, 20))
    return Day(site=site, manager=manager, a=a, b=b, units=units, customers=customers)
