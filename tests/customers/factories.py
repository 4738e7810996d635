import datetime

from django.utils import timezone

from customers.services import registration_create

COMPLETE_NEEDS = {"budget": "3000000", "layout": "3室2厅", "area": "120"}


def register(
    site,
    salesperson,
    *,
    name="张三",
    phones=("13812345678",),
    kind="visit",
    needs=COMPLETE_NEEDS,
    gender="male",
    **extra,
):
    """A registration made now by ``salesperson`` (complete unless told otherwise)."""
    extra.setdefault("contact_at", timezone.now() - datetime.timedelta(minutes=10))
    return registration_create(
        site=site, actor=salesperson, kind=kind, customer_id=extra.pop("customer_id", None), name=name,
        gender=gender, phones=list(phones), needs=dict(needs), level=extra.pop("level", "B"),
        source=extra.pop("source", "walk_in"), **extra,
    )  # fmt: skip
