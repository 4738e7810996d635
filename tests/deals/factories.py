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
