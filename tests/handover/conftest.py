"""Fixtures of the handover tests: a contracted unit made through the deals services, customer service,
repair workers."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.utils import timezone

from deals.models import Unit
from deals.rules import DepositKind
from deals.services import contract_sign, deposit_take, subscription_check, subscription_create
from deals.services.contracts import CHECKLIST
from salesoffice.core.roles import Role
from tests.customers.factories import register
from tests.deals.factories import BuildingFactory, UnitFactory

_phones = itertools.count(13900000001)


def make_contract(site, salesperson, *, unit=None, name="张三", payment_method="full_payment"):
    """A signed contract for a new customer on ``unit`` (100 m², 2,000,000 yuan by default)."""
    unit = unit or UnitFactory(building=BuildingFactory(site=site))
    registration = register(site, salesperson, name=name, phones=(str(next(_phones)),))
    customer = registration.customer if hasattr(registration, "customer") else registration
    deposit = deposit_take(
        unit=unit, customer=customer, actor=salesperson, kind=DepositKind.LARGE, amount=Decimal("50000.00"),
        method="transfer",
    )  # fmt: skip
    subscription = subscription_create(
        deposit=deposit, actor=salesperson,
        buyers=[{"name": name, "id_type": "resident_id", "id_number": "11010519900307123X"}],
        payment_method=payment_method,
    )  # fmt: skip
    for item in CHECKLIST:
        subscription = subscription_check(subscription=subscription, item=item, actor=salesperson)
    return contract_sign(subscription=subscription, actor=salesperson)


@pytest.fixture
def service(staff, site):
    return staff(Role.SERVICE, site, last_name="周", first_name="客服")


@pytest.fixture
def contract(site, salesperson):
    return make_contract(site, salesperson)


@pytest.fixture
def contract_factory(site, salesperson):
    def make(**kwargs):
        return make_contract(site, salesperson, **kwargs)

    return make


@pytest.fixture
def repair(staff, site):
    """``repair(areas, skills)`` makes a repair worker of the site with a profile."""
    from handover.models import RepairWorker

    def make(areas=("1号楼",), skills=None, **user_fields):
        user = staff(Role.REPAIR, site, **user_fields)
        return RepairWorker.objects.create(
            site=site, user=user, areas=list(areas), skills=skills or {"plumbing": 3}
        )

    return make


def unit_of(contract):
    return Unit.objects.select_related("building").get(pk=contract.unit_id)


def at(day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, 0, tzinfo=timezone.get_current_timezone())
