"""quality.md R8 / SEC-07: a corpus of malformed input against the main write endpoints.

Every bad value gets a 400 whose ``fields`` names the input to blame, in the user's language, and
nothing is written: the row count of every table (the audit trail included) is the same after the
request as before. The counter's registration form answers the same corpus with the form shown again
and its error, and saves nothing either.

What counts as valid (decided here, enforced by the serializers, forms and services):

* phones: a mainland mobile or landline, or an explicitly foreign number in E.164
  (``core.phones``); full-width digits are what a Chinese input method types, so they are read as
  ASCII digits; letters, other scripts' digits and too short or long numbers are refused;
* names of people (and payers): letters of any script with combining marks, digits, punctuation
  (``·``, ``-``, ``'``, ``（代付）``) and spaces, at least one letter
  (``core.fields.validate_person_name``); control and format characters (NUL, bidi overrides,
  zero-width characters), unpaired surrogates, emoji and other symbols are refused;
* free text (notes, descriptions): any text, emoji included, except NUL and unpaired surrogates,
  which PostgreSQL cannot store;
* money: positive, at most two decimals, below the field's limit; times: ISO 8601 between 1970 and
  2099 (``core.fields.DateTimeField``) and within what the business rule allows (a visit at most
  30 days back, a next follow-up at most a year ahead); choices: exactly one of the listed values;
  types: as documented (a JSON number is read as text where text is expected, as DRF does).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from django.utils.html import escape
from rest_framework.test import APIClient

from customers.models import Customer, Registration
from deals.models import Unit
from salesoffice.core.roles import Role
from tests.customers.factories import register
from tests.deals.factories import BuildingFactory, UnitFactory, small_deposit
from tests.handover.conftest import make_contract

pytestmark = pytest.mark.django_db

OVERLONG = "张" * 10_000
NUL = "张\x00三"
SURROGATE = "张\ud800三"
RTL_OVERRIDE = "张\u202e三"
ZERO_WIDTH = "张\u200b三"
EMOJI = "张三😀"
CONTROL = "张\x07三"

# Values every field of its kind refuses.
TEXT = {"overlong": OVERLONG, "nul": NUL, "surrogate": SURROGATE, "list": ["张三"], "object": {"a": 1}}
NAME = {
    **TEXT, "rtl-override": RTL_OVERRIDE, "zero-width": ZERO_WIDTH, "emoji": EMOJI, "control": CONTROL,
    "blank": "   ", "null": None,
}  # fmt: skip
PHONE = {
    "too-short": "1381234", "too-long": "138123456789", "letters": "1381234567a", "words": "call me",
    "bad-prefix": "12812345678", "foreign-too-short": "+1 23", "arabic-digits": "١٣٨١٢٣٤٥٦٧٨",
    "nul": "1381234\x005678", "surrogate": "138\ud80012345678", "object": {"a": 1}, "list": ["13812345678"],
}  # fmt: skip
MONEY = {
    "negative": "-100.00", "zero": "0", "huge": "1e30", "too-many-digits": "99999999999999999999.99",
    "three-decimals": "100.001", "nan": "NaN", "infinity": "Infinity", "text": "一百元", "list": ["100"],
    "null": None, "bool": True,
}  # fmt: skip
DATE = {
    "year-1": "0001-01-01", "year-9999": "9999-12-31", "feb-30": "2026-02-30", "slashes": "2026/03/01",
    "day-first": "01-03-2026", "text": "tomorrow", "number": 20260301, "list": ["2026-03-02"],
}  # fmt: skip
DATETIME = {
    "year-1": "0001-01-01T00:00:00", "year-9999": "9999-12-31T23:59:59", "year-9999-negative-offset":
    "9999-12-31T23:59:59-12:00", "feb-30": "2026-02-30T10:00:00", "no-date": "10:00",
    "text": "yesterday", "number": 1772330400, "list": ["2026-03-01T10:00:00"],
}  # fmt: skip
CHOICE = {
    "upper-case": "VISIT",
    "unknown": "telepathy",
    "blank": "",
    "null": None,
    "number": 1,
    "list": ["x"],
}
BOOLEAN = {"text": "maybe", "list": [True], "object": {}}
ID = {"text": "abc", "huge": 10**30, "zero": 0, "negative": -5, "float": 2.5, "list": [1]}


@dataclasses.dataclass(frozen=True)
class Endpoint:
    role: Role
    path: Callable[[Office], str]
    body: Callable[[Office], dict]


class Office:
    """A site with what the endpoints name, each made on first use: the staff, an owned customer, an
    available unit, a small deposit and a signed contract."""

    def __init__(self, site, staff):
        self.site = site
        self._staff = staff
        self.today = timezone.localdate()
        self.users: dict[Role, Any] = {}

    def user(self, role: Role) -> Any:
        if role not in self.users:
            self.users[role] = self._staff(role, self.site)
        return self.users[role]

    @functools.cached_property
    def building(self) -> Any:
        return BuildingFactory(site=self.site, name="9号楼")

    @functools.cached_property
    def customer(self) -> Customer:
        return register(self.site, self.user(Role.SALESPERSON), name="李四", phones=("13700001111",)).customer

    @functools.cached_property
    def unit(self) -> Unit:
        return UnitFactory(building=self.building)

    @functools.cached_property
    def deposit(self) -> Any:
        return small_deposit(UnitFactory(building=self.building), self.customer, self.user(Role.SALESPERSON))

    @functools.cached_property
    def contract(self) -> Any:
        unit = UnitFactory(building=self.building)
        return make_contract(self.site, self.user(Role.SALESPERSON), unit=unit, name="王五")


@pytest.fixture
def office(site, staff, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return Office(site, staff)


def _now_text() -> str:
    return (timezone.now() - dt.timedelta(minutes=5)).isoformat()


ENDPOINTS: dict[str, Endpoint] = {
    "registration": Endpoint(
        Role.SALESPERSON,
        lambda office: f"/api/v1/sites/{office.site.pk}/registrations/",
        lambda office: {
            "kind": "visit",
            "contact_at": _now_text(),
            "name": "张三",
            "gender": "male",
            "phones": ["13812345678"],
            "needs": {"budget": "3000000", "layout": "3室2厅", "area": "120"},
            "level": "B",
            "source": "walk_in",
            "informed": True,
            "note": "",
        },
    ),
    "correction": Endpoint(
        Role.SALESPERSON,
        lambda office: f"/api/v1/registrations/{office.customer.registrations.first().pk}/correct/",
        lambda office: {"name": "李四", "phones": ["13700001111"], "reason": "登记时写错了"},
    ),
    "follow-up": Endpoint(
        Role.SALESPERSON,
        lambda office: f"/api/v1/customers/{office.customer.pk}/follow-ups/",
        lambda office: {
            "at": _now_text(),
            "method": "call",
            "reached": True,
            "content": "约周末看房",
            "next_date": (office.today + dt.timedelta(days=2)).isoformat(),
        },
    ),
    "channel-report": Endpoint(
        Role.CHANNEL_AGENT,
        lambda office: "/api/v1/channel-reports/",
        lambda office: {
            "site": office.site.pk,
            "customer_name": "赵六",
            "masked_phone": "138***88888",
            "team": "一组",
            "agent_full_name": "冯波",
            "expected_date": (office.today + dt.timedelta(days=1)).isoformat(),
        },
    ),
    "hold": Endpoint(
        Role.SALESPERSON,
        lambda office: f"/api/v1/units/{office.unit.pk}/hold/",
        lambda office: {"customer": office.customer.pk, "amount": "5000.00", "method": "wechat"},
    ),
    "top-up": Endpoint(
        Role.SALESPERSON,
        lambda office: f"/api/v1/deposits/{office.deposit.pk}/top-up/",
        lambda office: {"large_amount": "50000.00", "method": "transfer"},
    ),
    "payment": Endpoint(
        Role.FINANCE,
        lambda office: f"/api/v1/deals/{office.contract.deal.pk}/payments/",
        lambda office: {"kind": "instalment", "amount": "1000.00", "payer": "王五", "method": "transfer"},
    ),
    "discount": Endpoint(
        Role.SALESPERSON,
        lambda office: "/api/v1/approvals/",
        lambda office: {
            "kind": "discount",
            "unit": office.unit.pk,
            "customer": office.customer.pk,
            "requested_price": str(office.unit.list_total - Decimal("10000")),
            "reason": "老客户介绍",
        },
    ),
    "work-order": Endpoint(
        Role.SERVICE,
        lambda office: f"/api/v1/sites/{office.site.pk}/work-orders/",
        lambda office: {
            "reporter_name": "王五",
            "reporter_phone": "13812345678",
            "category": "plumbing",
            "description": "厨房漏水",
            "area": "9号楼",
        },
    ),
    "complaint": Endpoint(
        Role.SERVICE,
        lambda office: f"/api/v1/sites/{office.site.pk}/complaints/",
        lambda office: {
            "channel": "hotline",
            "complainant_name": "王五",
            "complainant_phone": "13812345678",
            "content": "装修噪音",
        },
    ),
    "area-settlement": Endpoint(
        Role.SERVICE,
        lambda office: f"/api/v1/contracts/{office.contract.pk}/area-settlement/",
        lambda office: {"surveyed_area": "101.50"},
    ),
}

# (endpoint, field, kind of value): each value of the kind, put in place of the field of a valid body.
FIELDS = [
    ("registration", "name", NAME), ("registration", "phones.0", PHONE), ("registration", "contact_at", DATETIME),
    ("registration", "kind", CHOICE), ("registration", "gender", CHOICE), ("registration", "level", CHOICE),
    ("registration", "source", CHOICE), ("registration", "needs.budget", MONEY),
    ("registration", "needs.layout", TEXT), ("registration", "note", TEXT), ("registration", "informed", BOOLEAN),
    ("registration", "customer_id", ID),
    ("correction", "name", NAME), ("correction", "phones.0", PHONE), ("correction", "reason", TEXT),
    ("follow-up", "at", DATETIME), ("follow-up", "next_date", DATE), ("follow-up", "method", CHOICE),
    ("follow-up", "content", TEXT), ("follow-up", "reached", BOOLEAN),
    ("channel-report", "customer_name", NAME), ("channel-report", "agent_full_name", NAME),
    ("channel-report", "masked_phone", PHONE), ("channel-report", "expected_date", DATE),
    ("channel-report", "site", ID),
    ("hold", "amount", MONEY), ("hold", "method", CHOICE), ("hold", "customer", ID),
    ("top-up", "large_amount", MONEY),
    ("payment", "amount", MONEY), ("payment", "payer", NAME), ("payment", "kind", CHOICE),
    ("payment", "note", TEXT),
    ("discount", "requested_price", MONEY), ("discount", "reason", TEXT), ("discount", "unit", ID),
    ("work-order", "reporter_name", NAME), ("work-order", "reporter_phone", PHONE),
    ("work-order", "description", TEXT), ("work-order", "category", CHOICE), ("work-order", "unit", ID),
    ("complaint", "complainant_name", NAME), ("complaint", "complainant_phone", PHONE),
    ("complaint", "content", TEXT), ("complaint", "channel", CHOICE),
    ("area-settlement", "surveyed_area", MONEY),
]  # fmt: skip

# Values that are fine where they are put: a budget is a rough figure, not money received, so it may
# be left out (null) or carry more decimals.
SKIP = {("registration", "needs.budget", "null"), ("registration", "needs.budget", "three-decimals")}
CASES = [
    pytest.param(endpoint, field, value, id=f"{endpoint}-{field}-{label}")
    for endpoint, field, kind in FIELDS
    for label, value in kind.items()
    if (endpoint, field, label) not in SKIP
]


def _table_counts() -> dict[str, int]:
    """The row count of every table of the database, in one query."""
    tables = sorted(connection.introspection.table_names(include_views=False))
    sql = " UNION ALL ".join(f"SELECT '{table}', count(*) FROM \"{table}\"" for table in tables)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return dict(cursor.fetchall())


def _with(body: dict, field: str, value: Any) -> dict:
    """``body`` with ``field`` (``a.b`` for a nested key, ``a.0`` for a list item) set to ``value``."""
    body = json.loads(json.dumps(body))
    *parents, last = field.split(".")
    target: Any = body
    for part in parents:
        target = target[int(part)] if isinstance(target, list) else target[part]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return body


def _client(office: Office, endpoint: Endpoint) -> tuple[APIClient, str]:
    """A client of the endpoint's role and the endpoint's path (everything they name exists after)."""
    client = APIClient()
    client.force_authenticate(office.user(endpoint.role))
    return client, endpoint.path(office)


def _post(client: APIClient, path: str, body: Any, *, language: str = "en") -> Any:
    return client.generic(
        "POST", path, json.dumps(body), content_type="application/json", HTTP_ACCEPT_LANGUAGE=language
    )


def _blamed(fields: dict, field: str) -> bool:
    top = field.split(".")[0]
    return any(key == top or key.startswith((f"{top}.", f"{top}[")) for key in fields)


@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
def test_r8_each_valid_body_is_accepted(office, endpoint):
    """The corpus below changes one field of these bodies: each is valid as it stands."""
    client, path = _client(office, ENDPOINTS[endpoint])
    response = _post(client, path, ENDPOINTS[endpoint].body(office))
    assert response.status_code in (200, 201), response.content.decode()


@pytest.mark.parametrize(("endpoint", "field", "value"), CASES)
def test_r8_malformed_value_is_refused_with_a_field_message_and_nothing_written(
    office, endpoint, field, value
):
    target = ENDPOINTS[endpoint]
    client, path = _client(office, target)
    body = _with(target.body(office), field, value)
    before = _table_counts()

    response = _post(client, path, body)

    assert response.status_code == 400, response.content.decode()
    error = response.json()["error"]
    assert _blamed(error["fields"], field), error
    assert _table_counts() == before


@pytest.mark.parametrize(
    "body",
    [[], ["张三"], "张三", 42, None, True],
    ids=["empty-list", "list", "string", "number", "null", "bool"],
)
@pytest.mark.parametrize("endpoint", ["registration", "payment", "work-order"])
def test_r8_a_body_that_is_not_an_object_is_refused_and_nothing_written(office, endpoint, body):
    client, path = _client(office, ENDPOINTS[endpoint])
    before = _table_counts()

    response = _post(client, path, body)

    assert response.status_code == 400
    assert response.json()["error"]["fields"]
    assert _table_counts() == before


@pytest.mark.parametrize(
    "raw",
    [b'{"name": "\xe5\xbc\xa0', b'{"name": "\xff\xfe"}', b"{'name': 'single quotes'}", b'{"name": NaN}'],
    ids=["truncated", "not-utf8", "single-quotes", "nan"],
)
def test_r8_a_body_that_is_not_json_is_refused_and_nothing_written(office, raw):
    client, path = _client(office, ENDPOINTS["registration"])
    before = _table_counts()

    response = client.generic("POST", path, raw, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"
    assert _table_counts() == before


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("zh-hans", "请确保这个字段不能超过 50 个字符。"),
        ("en", "Ensure this field has no more than 50 characters."),
    ],
)
def test_r8_the_field_message_is_in_the_users_language(office, language, expected):
    client, path = _client(office, ENDPOINTS["registration"])
    body = _with(ENDPOINTS["registration"].body(office), "name", OVERLONG)

    response = _post(client, path, body, language=language)

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["name"] == [expected]


def test_r8_full_width_digits_read_as_a_mobile_number(office):
    """What a Chinese input method types: the number is stored in ASCII."""
    client, path = _client(office, ENDPOINTS["registration"])
    body = _with(ENDPOINTS["registration"].body(office), "phones.0", "１３８ １２３４ ５６７８")

    response = _post(client, path, body)

    assert response.status_code == 201, response.content.decode()
    customer = Customer.objects.get(pk=response.json()["customer_id"])
    assert list(customer.phones.values_list("e164", flat=True)) == ["+8613812345678"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "José"),
        ("name", "Jose\u0301"),
        ("name", "阿依古丽·买买提"),
        ("note", "客户很满意😀\n下周再来"),
    ],
    ids=["latin-accent", "combining-accent", "middle-dot", "emoji-in-a-note"],
)
def test_r8_unusual_but_valid_text_is_accepted(office, field, value):
    client, path = _client(office, ENDPOINTS["registration"])
    body = _with(ENDPOINTS["registration"].body(office), field, value)

    response = _post(client, path, body)

    assert response.status_code == 201, response.content.decode()
    assert getattr(Registration.objects.get(pk=response.json()["id"]), field) == value


# --- The counter's registration form (HTML) ---

FORM = {
    "kind": "visit", "name": "张三", "gender": "male", "mobile": "13812345678", "other_phone": "",
    "budget": "300", "area": "120", "layout": "3室2厅", "purpose": "自住", "level": "B", "source": "walk_in",
    "said_first_visit": "true", "note": "", "informed": "on",
}  # fmt: skip
FORM_CASES = [
    ("name", OVERLONG), ("name", NUL), ("name", RTL_OVERRIDE), ("name", ZERO_WIDTH), ("name", EMOJI),
    ("name", CONTROL), ("name", ""), ("mobile", "1381234"), ("mobile", "1381234567a"), ("mobile", "+1 23"),
    ("mobile", "١٣٨١٢٣٤٥٦٧٨"), ("mobile", "138\x0012345678"), ("other_phone", "12812345678"),
    ("budget", "-300"), ("budget", "1e30"), ("budget", "三百万"), ("area", "一百"), ("area", "-5"),
    ("layout", OVERLONG), ("note", NUL), ("kind", "VISIT"), ("gender", "robot"), ("level", "Z"),
    ("source", "telepathy"), ("contact_at", "2026-02-30 10:00"), ("contact_at", "0001-01-01 00:00"),
    ("contact_at", "9999-12-31 23:59"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("field", "value"),
    [pytest.param(field, value, id=f"{field}-{index}") for index, (field, value) in enumerate(FORM_CASES)],
)
def test_r8_the_counter_form_shows_the_error_and_saves_nothing(client, office, field, value):
    client.force_login(office.user(Role.SALESPERSON))
    before = _table_counts()

    response = client.post("/customers/register/", {**FORM, field: value}, headers={"accept-language": "en"})

    assert response.status_code == 200
    form = response.context["form"]
    # At the field, or at the top of the form when the service refuses the registration as a whole.
    target = "mobile" if field == "other_phone" else field
    messages = form.errors.get(target) or form.errors.get("__all__")
    assert messages, form.errors
    page = response.content.decode()
    assert all(escape(message) in page for message in messages), messages
    assert _table_counts() == before
