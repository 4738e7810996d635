"""Demo customers: registrations taken by the demo salespeople over the last weeks."""

import datetime as dt

from django.utils import timezone

from customers.services import follow_up_record, registration_create
from salesoffice.core.demo import DemoContext, register

DEMO_CUSTOMERS = [
    # name, gender, mobile, salesperson, days ago, level, source, budget (yuan), layout
    ("张三", "male", "13812345678", "sales1", 3, "A", "walk_in", "3000000", "3室2厅"),
    ("李秀英", "female", "13987654321", "sales1", 12, "B", "online", "2200000", "2室2厅"),
    ("王建华", "male", "13700001111", "sales2", 5, "A", "referral", "4500000", "4室2厅"),
    ("赵丽", "female", "13600002222", "sales2", 25, "C", "newspaper", "1800000", "2室1厅"),
    ("刘洋", "male", "13500003333", "sales3", 1, "B", "exhibition", "2600000", "3室2厅"),
    ("陈静怡", "female", "18600004444", "sales3", 8, "A", "walk_in", "3800000", "3室2厅"),
    ("杨帆", "male", "18900005555", "sales4", 2, "B", "channel", "2400000", "3室1厅"),
    ("黄敏", "female", "15000006666", "sales4", 18, "C", "outdoor", "1600000", "2室1厅"),
]


@register(10)
def load(context: DemoContext) -> None:
    now = timezone.now()
    for name, gender, mobile, username, days_ago, level, source, budget, layout in DEMO_CUSTOMERS:
        salesperson = context.users[username]
        registration = registration_create(
            site=context.site, actor=salesperson, kind="visit",
            contact_at=now - dt.timedelta(days=days_ago, hours=2), customer_id=None, name=name, gender=gender,
            phones=[mobile], needs={"budget": budget, "layout": layout, "purpose": "自住"}, level=level,
            source=source,
        )  # fmt: skip
        if days_ago > 2:
            follow_up_record(
                customer=registration.customer, actor=salesperson, at=now - dt.timedelta(days=1), method="call",
                reached=True, content="回访:对户型满意,约周末带家人再来。", next_date=timezone.localdate() + dt.timedelta(days=2),
            )  # fmt: skip
