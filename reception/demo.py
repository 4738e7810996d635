"""Demo rota: the four salespeople signed in for today."""

from reception.services import rota_sign_in
from salesoffice.core.demo import DemoContext, register


@register(20)
def load(context: DemoContext) -> None:
    for username in ("sales1", "sales2", "sales3", "sales4"):
        user = context.users[username]
        rota_sign_in(site=context.site, actor=user)
