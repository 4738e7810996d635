"""The counter's REST endpoints: lookup, registration, customer file, follow-ups, disputes,
decisions and the OWN-19 simulation (a public contract)."""

import datetime

import pytest
from django.utils import timezone

from customers.models import Customer, Dispute, OwnershipDecision, Registration
from salesoffice.core.roles import Role
from salesoffice.core.services import token_create
from tests.customers.factories import register

pytestmark = pytest.mark.django_db


def _registration_body(**changes):
    body = {
        "kind": "visit", "contact_at": (timezone.now() - datetime.timedelta(minutes=5)).isoformat(),
        "name": "张三", "gender": "male", "phones": ["138 1234 5678"], "needs": {"budget": "3000000"},
        "level": "A", "source": "walk_in", "informed": True,
    }  # fmt: skip
    body.update(changes)
    return body


def test_reg01_register_through_the_api_returns_number_and_verdict(api, site, salesperson):
    response = api(salesperson).post(
        f"/api/v1/sites/{site.pk}/registrations/", _registration_body(), format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["number"] == 1
    assert body["complete"] is True
    assert body["verdict"]["owner_id"] == salesperson.pk
    assert body["verdict"]["phone"] == "13812345678"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"phones": ["12345"]}, "phones"),
        ({"name": ""}, "name"),
        ({"name": "名" * 51}, "name"),
        ({"contact_at": "2099-01-01T10:00:00+08:00"}, "contact_at"),
        ({"gender": "robot"}, "gender"),
        ({"kind": "email"}, "kind"),
        ({"informed": False}, "informed"),
        ({"named_id": 987654}, "named_id"),
    ],
)
def test_sec07_bad_registrations_get_field_errors_and_change_nothing(api, site, salesperson, changes, field):
    response = api(salesperson).post(
        f"/api/v1/sites/{site.pk}/registrations/", _registration_body(**changes), format="json"
    )
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not Registration.objects.exists()
    assert not Customer.objects.exists()


def test_sec07_registering_at_another_site_is_not_found(api, other_site, salesperson):
    response = api(salesperson).post(
        f"/api/v1/sites/{other_site.pk}/registrations/", _registration_body(), format="json"
    )
    assert response.status_code == 404
    assert not Registration.objects.exists()


def test_sec02_lookup_masks_for_non_owner_in_json(api, staff, site, salesperson):
    register(site, salesperson)
    other = staff(Role.SALESPERSON, site)
    [row] = api(other).get(f"/api/v1/sites/{site.pk}/customers/lookup/?q=5678").json()
    assert row["phone"] == "138****5678"
    assert row["owner_name"] == salesperson.get_full_name()
    detail = api(other).get(f"/api/v1/customers/{row['customer_id']}/").json()
    assert detail["phones"] == ["138****5678"]
    assert detail["name"] == "张*"
    assert "13812345678" not in str(detail)


def test_sec07_customer_of_another_site_is_not_found(api, staff, site, other_site, salesperson):
    register(site, salesperson)
    outsider = staff(Role.SALESPERSON, other_site)
    customer = Customer.objects.get()
    assert api(outsider).get(f"/api/v1/customers/{customer.pk}/").status_code == 404
    assert api(outsider).post(f"/api/v1/customers/{customer.pk}/disputes/", {"claim": "x"}).status_code == 404


def test_fup03_follow_up_by_api_and_only_by_the_owner(api, staff, site, salesperson):
    register(site, salesperson)
    customer = Customer.objects.get()
    body = {"at": timezone.now().isoformat(), "method": "call", "reached": True, "level": "A"}
    other = staff(Role.SALESPERSON, site)
    assert (
        api(other).post(f"/api/v1/customers/{customer.pk}/follow-ups/", body, format="json").status_code
        == 403
    )
    response = api(salesperson).post(f"/api/v1/customers/{customer.pk}/follow-ups/", body, format="json")
    assert response.status_code == 201
    customer.refresh_from_db()
    assert customer.level == "A"


def test_disp01_02_dispute_then_manager_decision(api, staff, site, manager, salesperson):
    register(site, salesperson)
    customer = Customer.objects.get()
    rival = staff(Role.SALESPERSON, site)
    opened = api(rival).post(
        f"/api/v1/customers/{customer.pk}/disputes/", {"claim": "我先来电登记"}, format="json"
    )
    assert opened.status_code == 201
    dispute_id = opened.json()["id"]
    assert (
        api(rival).post(f"/api/v1/disputes/{dispute_id}/decide/", {"reason": "x"}, format="json").status_code
        == 403
    )
    decided = api(manager).post(
        f"/api/v1/disputes/{dispute_id}/decide/",
        {"owner_id": rival.pk, "performance": {rival.pk: 100}, "commission": {rival.pk: 50, salesperson.pk: 50},
         "reason": "来电记录在先"},
        format="json",
    )  # fmt: skip
    assert decided.status_code == 200, decided.json()
    assert decided.json()["owner_id"] == rival.pk
    assert Dispute.objects.get().status == "decided"
    customer.refresh_from_db()
    assert customer.owner == rival
    assert "DISP-02" in customer.verdict.rules


def test_decision_needs_a_reason_and_the_manager(api, site, manager, salesperson):
    register(site, salesperson)
    customer = Customer.objects.get()
    url = f"/api/v1/customers/{customer.pk}/decisions/"
    assert api(salesperson).post(url, {"kind": "revocation", "reason": "x"}, format="json").status_code == 403
    assert api(manager).post(url, {"kind": "revocation", "reason": ""}, format="json").status_code == 400
    assert (
        api(manager).post(url, {"kind": "pool_distribution", "reason": "r"}, format="json").status_code == 400
    )
    assert not OwnershipDecision.objects.exists()


OWN_19_EXAMPLE = {
    "site": None,
    "at": "2026-03-20T10:00:00+08:00",
    "policy": {"visit_protection_days": 15},
    "facts": [
        {"kind": "registration", "id": "r1", "customer": "c1", "salesperson": "A", "channel": "visit",
         "name": "张三", "phones": ["13812345678"], "complete": True, "contact_at": "2026-03-01T10:00:00+08:00",
         "recorded_at": "2026-03-01T10:20:00+08:00", "named": None, "source": "walk_in"},
        {"kind": "follow_up", "id": "f1", "customer": "c1", "salesperson": "A", "at": "2026-03-10T10:00:00+08:00",
         "reached": True},
    ],
}  # fmt: skip


def test_own19_simulate_contract_for_the_manager(api, site, manager):
    body = {**OWN_19_EXAMPLE, "site": site.pk}
    response = api(manager).post("/api/v1/ownership/simulate/", body, format="json")
    assert response.status_code == 200, response.json()
    verdict = response.json()["customers"]["c1"]
    assert set(verdict) == {
        "owner", "public_pool", "protected_until", "performance", "commission", "channel", "rules", "facts",
    }  # fmt: skip
    assert verdict["owner"] == "A"
    assert verdict["protected_until"] == "2026-03-25"  # reached follow-up day 10 + 15 days


def test_own19_simulate_refuses_salespeople_and_read_tokens_and_names_bad_fields(
    api, site, manager, salesperson
):
    body = {**OWN_19_EXAMPLE, "site": site.pk}
    assert api(salesperson).post("/api/v1/ownership/simulate/", body, format="json").status_code == 403
    _token, read = token_create(user=manager, site=site, name="r", scope="read", actor=manager)
    _token, write = token_create(user=manager, site=site, name="w", scope="write", actor=manager)
    client = api()
    assert (
        client.post(
            "/api/v1/ownership/simulate/", body, format="json", headers={"Authorization": f"Token {read}"}
        ).status_code
        == 403
    )
    assert (
        client.post(
            "/api/v1/ownership/simulate/", body, format="json", headers={"Authorization": f"Token {write}"}
        ).status_code
        == 200
    )
    bad = {**body, "policy": {"visit_protection_dayz": 3}, "facts": [{"kind": "telepathy", "id": "q"}]}
    response = api(manager).post("/api/v1/ownership/simulate/", bad, format="json")
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert any("visit_protection_dayz" in key for key in fields)
    assert any(key.startswith("facts[0]") for key in fields)


def test_own19_recorded_facts_through_simulate_give_the_recorded_verdicts(api, clock, staff, site, manager):
    """The stored verdicts and the simulate endpoint run the same function over the same facts."""
    from customers.facts import ownership_facts

    a, b = staff(Role.SALESPERSON, site), staff(Role.SALESPERSON, site)
    register(site, a, name="王五", phones=("13900000001",), kind="call")
    clock.advance(days=3)
    register(site, b, name="王五", phones=("13900000001",))
    register(site, b, name="赵六", phones=("13900000002",))
    facts = ownership_facts(Customer.objects.values_list("pk", flat=True))
    body = {"site": site.pk, "at": clock.now.isoformat(), "facts": [_fact_json(fact) for fact in facts]}
    simulated = api(manager).post("/api/v1/ownership/simulate/", body, format="json").json()["customers"]
    for customer in Customer.objects.select_related("verdict"):
        got = simulated[str(customer.pk)]
        assert got["owner"] == (str(customer.owner_id) if customer.owner_id else None)
        assert got["protected_until"] == (
            customer.protected_until.isoformat() if customer.protected_until else None
        )
        assert got["rules"] == customer.verdict.rules


def _fact_json(fact):
    import dataclasses

    data = {"kind": type(fact).__name__.lower().replace("followup", "follow_up")}
    for key, value in dataclasses.asdict(fact).items():
        data[key] = (
            value.isoformat()
            if hasattr(value, "isoformat")
            else list(value)
            if isinstance(value, tuple)
            else value
        )
    return data


def test_chan04_agent_who_brings_the_customer_in_person_is_the_channel(api, staff, site, salesperson):
    agent = staff(Role.CHANNEL_AGENT, site)
    bad = api(salesperson).post(
        f"/api/v1/sites/{site.pk}/registrations/",
        _registration_body(brought_by_id=salesperson.pk),
        format="json",
    )
    assert bad.status_code == 400
    assert "brought_by_id" in bad.json()["error"]["fields"]
    response = api(salesperson).post(
        f"/api/v1/sites/{site.pk}/registrations/", _registration_body(brought_by_id=agent.pk), format="json"
    )
    assert response.status_code == 201
    customer = Customer.objects.get()
    assert customer.verdict.channel["agent"] == str(agent.pk)
    assert customer.owner == salesperson  # the channel never moves ownership


def test_r8_a_budget_in_words_gets_a_field_error_not_a_crash(api, site, salesperson):
    response = api(salesperson).post(
        f"/api/v1/sites/{site.pk}/registrations/",
        _registration_body(needs={"budget": "300万"}),
        format="json",
    )
    assert response.status_code == 400
    assert "needs.budget" in response.json()["error"]["fields"]
    assert not Registration.objects.exists()


def test_cus02_household_groups_customers_who_buy_together(api, staff, site, other_site, salesperson):
    register(site, salesperson, name="周先生", phones=("13811110000",))
    register(site, salesperson, name="周太太", phones=("13822220000",), gender="female")
    husband, wife = Customer.objects.order_by("pk")
    response = api(salesperson).post(
        "/api/v1/households/", {"customer_ids": [husband.pk, wife.pk]}, format="json"
    )
    assert response.status_code == 201
    assert sorted(response.json()["members"]) == [husband.pk, wife.pk]
    other = staff(Role.SALESPERSON, site)
    register(site, other, name="路人", phones=("13833330000",))
    stranger = Customer.objects.get(name="路人")
    refused = api(salesperson).post(
        "/api/v1/households/", {"customer_ids": [husband.pk, stranger.pk]}, format="json"
    )
    assert refused.status_code == 403
    assert Customer.objects.get(pk=stranger.pk).household_id is None
    outsider = staff(Role.SALESPERSON, other_site)
    assert (
        api(outsider)
        .post("/api/v1/households/", {"customer_ids": [husband.pk, wife.pk]}, format="json")
        .status_code
        == 404
    )


def test_reg06_every_consulting_call_is_registered_and_owned_by_the_company_rules(api, site, salesperson):
    """REG-06: calls are registered like visits (来电登记); ownership follows the call policy (OWN-01 A)."""
    response = api(salesperson).post(
        f"/api/v1/sites/{site.pk}/registrations/",
        _registration_body(kind="call", source="call"),
        format="json",
    )
    assert response.status_code == 201
    registration = Registration.objects.get()
    assert registration.kind == "call"
    assert response.json()["verdict"]["owner_id"] == salesperson.pk
