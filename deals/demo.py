"""Demo inventory: two buildings released for sale, and a held and a reserved unit."""

from decimal import Decimal

from customers.models import Customer
from deals import services
from deals.models import Building, Unit
from deals.rules import DepositKind, UnitAction
from salesoffice.core.demo import DemoContext, register

LAYOUTS = [
    ("3室2厅2卫", Decimal("118.50")),
    ("2室2厅1卫", Decimal("89.20")),
    ("4室2厅2卫", Decimal("143.80")),
]


@register(30)
def load(context: DemoContext) -> None:
    units = []
    for index, name in enumerate(("1号楼", "2号楼")):
        building = Building.objects.create(site=context.site, name=name, floors=12, sort=index)
        for floor in range(2, 13):
            for position, (layout, area) in enumerate(LAYOUTS, start=1):
                per_m2 = Decimal(26000 + floor * 150 + index * 500)
                units.append(
                    Unit(
                        site=context.site,
                        building=building,
                        floor=floor,
                        number=f"{floor}{position:02d}",
                        layout=layout,
                        orientation="南北",
                        building_area=area,
                        inner_area=(area * Decimal("0.82")).quantize(Decimal("0.01")),
                        list_price_per_m2=per_m2,
                        list_total=(area * per_m2).quantize(Decimal("0.01")),
                        sales_batch="首批",
                    )
                )
    Unit.objects.bulk_create(units)
    manager = context.users["manager"]
    services.unit_batch_transition(
        site=context.site, sales_batch="首批", action=UnitAction.RELEASE, actor=manager, reason="首批开盘"
    )
    buyers = Customer.objects.filter(site=context.site, name__in=["张三", "王建华"], owner__isnull=False)
    for customer, unit, kind, amount in zip(
        buyers,
        Unit.objects.filter(site=context.site, floor=10).order_by("pk")[:2],
        (DepositKind.SMALL, DepositKind.LARGE),
        (Decimal("5000.00"), Decimal("100000.00")),
        strict=False,
    ):
        owner = context.users_by_id[customer.owner_id or 0]
        services.deposit_take(
            unit=unit, customer=customer, actor=owner, kind=kind, amount=amount, method="transfer"
        )
