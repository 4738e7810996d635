"""Factories of the deals app's inventory."""

from decimal import Decimal

import factory

from deals.models import Building, Unit
from tests.factories import SiteFactory


class BuildingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Building

    site = factory.SubFactory(SiteFactory)
    name = factory.Sequence(lambda n: f"{n + 1}号楼")
    floors = 18


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    building = factory.SubFactory(BuildingFactory)
    site = factory.SelfAttribute("building.site")
    floor = factory.Sequence(lambda n: n % 30 + 1)
    number = factory.Sequence(lambda n: f"{n // 30 + 1:02d}")
    layout = "3室2厅2卫"
    orientation = "南北"
    building_area = Decimal("100.00")
    inner_area = Decimal("80.00")
    list_price_per_m2 = Decimal("20000.00")
    list_total = Decimal("2000000.00")
    sales_batch = "一期"
    status = Unit.Status.AVAILABLE


def customer_for(site, salesperson, *, name="张三", phone="13812345678", **extra):
    """A registered customer owned by ``salesperson`` (a complete visit registration made just now)."""
    from tests.customers.factories import register

    return register(site, salesperson, name=name, phones=(phone,), **extra).customer


def small_deposit(unit, customer, actor, amount=Decimal("5000.00")):
    from deals import services
    from deals.rules import DepositKind

    return services.deposit_take(
        unit=unit, customer=customer, actor=actor, kind=DepositKind.SMALL, amount=amount, method="wechat"
    )


def large_deposit(unit, customer, actor, amount=Decimal("50000.00")):
    from deals import services
    from deals.rules import DepositKind

    return services.deposit_take(
        unit=unit, customer=customer, actor=actor, kind=DepositKind.LARGE, amount=amount, method="transfer"
    )


BUYER = {"name": "张三", "id_type": "resident_id", "id_number": "110105199001011234"}
