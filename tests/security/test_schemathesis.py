"""quality.md R6: schemathesis over the whole OpenAPI schema, authenticated as each role.

The schema is loaded from the application itself (in-process WSGI, the same request path as
gunicorn), and every operation is called with generated input as each role of SEC-01, each through
an API token bound to a populated site (read-only for the report client). Path parameters name the
site's real objects (plus one unknown id), so requests reach the business code instead of stopping
at a 404; bodies and query strings are generated both valid and invalid for the schema. No response
may be a 5xx, and each must use a documented status code and content type and match its documented
schema.

A few examples per operation keep CI fast; ``R6_EXAMPLES=50`` makes a longer run:

    R6_EXAMPLES=50 .venv/bin/python -m pytest tests/security/test_schemathesis.py -q

The examples are derandomized, so a run can be repeated exactly.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import traceback
from decimal import Decimal

import hypothesis
import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, connection, transaction
from django.utils import timezone
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from customers.models import ChannelReport, Customer, Dispute, Registration
from customers.services import channel_report_create, dispute_open
from deals import services as deal_services
from deals.models import (
    ApprovalRequest,
    Contract,
    Deal,
    Deposit,
    InventoryImport,
    MoneyRecord,
    Mortgage,
    Subscription,
    Unit,
)
from handover import services as handover_services
from handover.models import (
    AreaSettlement,
    CertificateCase,
    Complaint,
    MoveInBatch,
    MoveInSlot,
    Questionnaire,
    ReturnVisit,
    WorkOrder,
)
from reception.models import Reception, ShiftLog
from reception.services import rota_walk_in, shift_log_create
from salesoffice.core.demo import demo_load
from salesoffice.core.models import ApiToken, Membership
from salesoffice.core.roles import Role
from salesoffice.core.services import token_create
from salesoffice.reports import catalogue
from salesoffice.reports.selectors import drill
from tests.factories import UserFactory
from tests.handover.conftest import make_contract

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("R6_EXAMPLES", "2"))
UNKNOWN_ID = 987654321
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
APP = get_wsgi_application()
UNITS_CSV = "楼栋,楼层,房号,户型,朝向,建筑面积,套内面积,单价,总价,批次,标签\n3号楼,8,801,3室2厅2卫,南,120.50,98.00,25000.00,,二期,\n".encode()

# Role → username of the demo staff holding it (``salesoffice.core.demo.DEMO_STAFF``).
DEMO_USERS = {
    Role.SALESPERSON: "sales1",
    Role.SUPERVISOR: "supervisor",
    Role.MANAGER: "manager",
    Role.DEPUTY: "deputy",
    Role.FINANCE: "finance",
    Role.SERVICE: "service",
    Role.REPAIR: "repair",
    Role.CHANNEL_AGENT: "agent",
}

# Each path parameter (or the path fragment around ``{id}``, which alone is ambiguous) → the model whose
# ids at the site it names.
PATH_MODELS = {
    "unit_id": Unit,
    "deposit_id": Deposit,
    "deal_id": Deal,
    "contract_id": Contract,
    "subscription_id": Subscription,
    "request_id": ApprovalRequest,
    "record_id": MoneyRecord,
    "mortgage_id": Mortgage,
    "import_id": InventoryImport,
    "customer_id": Customer,
    "report_id": ChannelReport,
    "work_order_id": WorkOrder,
    "complaint_id": Complaint,
    "batch_id": MoveInBatch,
    "slot_id": MoveInSlot,
    "settlement_id": AreaSettlement,
    "case_id": CertificateCase,
    "questionnaire_id": Questionnaire,
    "visit_id": ReturnVisit,
    "/customers/{id}/": Customer,
    "/registrations/{id}/": Registration,
    "/disputes/{id}/": Dispute,
    "/receptions/{id}/": Reception,
    "/shift-log/{id}/": ShiftLog,
}
SITE_LOOKUPS = {MoveInSlot: "batch__site", Reception: "day__site"}


@pytest.fixture
def in_process_wsgi(db):
    """Requests run in the test's thread and transaction: keep Django from closing the connection
    at the end of each request, as its own test client does, and check foreign keys at once (as the
    commit at the end of a real request would) so that a violation is the failure of its request."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    errors: list[str] = []

    def record(sender, request=None, **kwargs):
        errors.append(traceback.format_exc())

    signals.got_request_exception.connect(record)
    yield errors
    signals.got_request_exception.disconnect(record)
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def no_throttling(monkeypatch):
    """The rate limits are tested on their own; here they would only turn fuzzing into 429s."""
    monkeypatch.setattr("rest_framework.throttling.SimpleRateThrottle.allow_request", lambda *args: True)


@pytest.fixture
def world(settings):
    """The demo site (one user per role, customers, released units, deposits, the rota) plus one object
    of each kind an endpoint names, and an API token per role."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # a dozen users, quickly
    context = demo_load()
    site, users = context.site, context.users
    report_client = UserFactory(username="report-client")
    Membership.objects.create(user=report_client, site=site, role=Role.REPORT_CLIENT.value)
    manager, service, finance = users["manager"], users["service"], users["finance"]
    unit = Unit.objects.filter(site=site, status=Unit.Status.AVAILABLE).order_by("pk").first()
    contract = make_contract(site, users["sales1"], unit=unit, name="钱多多")
    deal = contract.deal
    deal_services.payment_record(
        deal=deal, actor=finance, kind="instalment", amount=Decimal("100000.00"), payer="钱多多",
        method="transfer",
    )  # fmt: skip
    deal_services.approval_request(
        kind="discount", actor=users["sales1"], unit=contract.unit, customer=deal.customer, reason="老客户",
        requested_price=deal.list_total - Decimal("1000.00"), deal=deal,
    )  # fmt: skip
    deal_services.mortgage_start(
        deal=deal, actor=users["sales1"], bank="建设银行", loan_type="commercial",
        amount=Decimal("1000000.00"), documents={},
    )  # fmt: skip
    deal_services.inventory_import_create(site=site, actor=manager, name="units.csv", content=UNITS_CSV)
    handover_services.repair_worker_save(
        site=site, actor=service, user=users["repair"], areas=["1号楼"], skills={"plumbing": 3}
    )
    order = handover_services.work_order_create(
        site=site, actor=service, reporter_name="钱多多", category="plumbing", description="漏水",
        unit=contract.unit, customer=deal.customer,
    )  # fmt: skip
    handover_services.work_order_dispatch(work_order=order, actor=service)
    handover_services.complaint_create(
        site=site,
        actor=service,
        channel="hotline",
        complainant_name="钱多多",
        content="噪音",
        customer=deal.customer,
    )
    today = timezone.localdate()
    batch = handover_services.move_in_batch_create(
        site=site,
        actor=service,
        name="一期交付",
        planned_start=today,
        planned_end=today + dt.timedelta(days=30),
    )
    start = timezone.now() + dt.timedelta(days=3)
    handover_services.move_in_slot_create(
        batch=batch, actor=service, starts_at=start, ends_at=start + dt.timedelta(hours=2)
    )
    handover_services.questionnaire_publish(
        site=site,
        actor=service,
        name="交付回访",
        questions=[{"key": "q1", "text": "满意吗", "kind": "score"}],
    )
    handover_services.area_settlement_compute(contract=contract, actor=service, surveyed_area="101.50")
    handover_services.certificate_open(contract=contract, actor=service)
    channel_report_create(
        site=site, actor=users["agent"], customer_name="孙悟空", masked_phone="138***88888", team="一组",
        agent_full_name="冯波", expected_date=today + dt.timedelta(days=1),
    )  # fmt: skip
    rota_walk_in(site=site, actor=manager, type="new")
    shift_log_create(site=site, actor=users["sales2"], text="交接:3号客户下午回电")
    dispute_open(
        customer=Customer.objects.filter(site=site).first(), actor=users["sales2"], claim="我先接待的"
    )

    tokens = {}
    for role, username in DEMO_USERS.items():
        _token, text = token_create(
            user=users[username], site=site, name="r6", scope=ApiToken.Scope.WRITE, actor=manager
        )
        tokens[role] = text
    _token, tokens[Role.REPORT_CLIENT] = token_create(
        user=report_client, site=site, name="r6", scope=ApiToken.Scope.READ, actor=manager
    )
    # A token of its own that the revoke endpoint may revoke without logging the caller out.
    spare, _text = token_create(
        user=manager, site=site, name="spare", scope=ApiToken.Scope.READ, actor=manager
    )
    return {"site": site, "tokens": tokens, "spare_token": spare.pk}


def _path_choices(world) -> dict[str, list]:
    site = world["site"]
    choices: dict[str, list] = {
        "site_id": [site.pk],
        "/tokens/{id}/": [world["spare_token"]],
        # GET .../reports/sites/{site_id}/daily/ is served by the daily report's own endpoint.
        "report": sorted(set(catalogue.CATALOGUE) - {"daily"}),
        "metric": sorted(drill.MEASURES),
    }
    for name, model in PATH_MODELS.items():
        lookup = SITE_LOOKUPS.get(model, "site")
        ids = list(model.objects.filter(**{lookup: site}).order_by("pk").values_list("pk", flat=True)[:3])
        choices[name] = [*ids, UNKNOWN_ID]
    return choices


def _strategy(operation, choices):
    """The operation's generated cases, with each path parameter naming one of ``choices``."""
    fixed = {}
    for name in re.findall(r"{(\w+)}", operation.path):
        key = name
        if name == "id":
            key = next((key for key in choices if key.startswith("/") and key in operation.path), name)
        fixed[name] = st.sampled_from(choices.get(key, [UNKNOWN_ID]))
    modes = st.sampled_from([GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
    return st.tuples(modes, st.fixed_dictionaries(fixed)).flatmap(
        lambda drawn: operation.as_strategy(drawn[0], path_parameters=drawn[1])
    )


_SCHEMA: list = []


def _operations(token):
    """Every operation of the schema the application serves to a logged-in client (loaded once)."""
    if not _SCHEMA:
        _SCHEMA.append(
            schemathesis.openapi.from_wsgi(
                "/api/schema/?format=json", APP, headers={"Authorization": f"Token {token}"}
            )
        )
    return [result.ok() for result in _SCHEMA[0].get_all_operations()]


@dataclasses.dataclass
class Run:
    """One role's pass over the schema: what it sends with, and what went wrong."""

    headers: dict[str, str]
    errors: list[str]  # tracebacks of the request in flight
    failures: list[str] = dataclasses.field(default_factory=list)


@hypothesis.settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    suppress_health_check=list(hypothesis.HealthCheck),
)
@hypothesis.given(data=st.data())
def _fuzz(run, strategy, data):
    case = data.draw(strategy)
    run.errors.clear()
    # A failed request must not leave the test's transaction aborted for the next one.
    savepoint = transaction.savepoint()
    response = case.call(app=APP, headers=run.headers)
    if response.status_code >= 500:
        transaction.savepoint_rollback(savepoint)
    else:
        transaction.savepoint_commit(savepoint)
    try:
        case.validate_response(response, checks=CHECKS, headers=run.headers)
    except (AssertionError, FailureGroup) as failure:  # keep going: report every operation at the end
        trace = run.errors[-1] if run.errors else ""
        run.failures.append(f"{case.operation.method.upper()} {case.formatted_path}\n{failure}\n{trace}")


@pytest.mark.parametrize("role", list(Role))
def test_r6_every_operation_as_each_role(role, world, in_process_wsgi, no_throttling):
    operations = _operations(world["tokens"][Role.MANAGER])
    assert len(operations) >= 100
    choices = _path_choices(world)
    run = Run(headers={"Authorization": f"Token {world['tokens'][role]}"}, errors=in_process_wsgi)
    for operation in operations:
        _fuzz(run, _strategy(operation, choices))
    assert run.failures == [], "\n\n".join(run.failures)
