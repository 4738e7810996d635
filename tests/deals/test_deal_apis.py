"""Deal REST endpoints: S-DEAL-1 and S-DEAL-2 over HTTP, 404 for another site, 403 for a forbidden verb,
400/409 with field messages and nothing changed (SEC-07); SEC-02 masking of buyer IDs."""

import pytest

from deals.models import ApprovalRequest, Deposit, MoneyRecord, Subscription, Unit
from salesoffice.core.roles import Role
from tests.deals.factories import BUYER, UnitFactory, customer_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit(site):
    return UnitFactory(building__site=site)


@pytest.fixture
def customer(site, salesperson, clock):
    return customer_for(site, salesperson)


def _hold(api, user, unit, customer, amount="5000.00", verb="hold"):
    return api(user).post(
        f"/api/v1/units/{unit.pk}/{verb}/",
        {"customer": customer.pk, "amount": amount, "method": "wechat"},
        format="json",
    )


def test_s_deal_1_api_second_hold_is_409_unit_no_longer_available(
    api, site, staff, unit, customer, salesperson
):
    """S-DEAL-1, UNIT-03: the second attempt gets 409 with code unit_unavailable."""
    other = staff(Role.SALESPERSON, site)
    first = _hold(api, salesperson, unit, customer)
    second = _hold(api, other, unit, customer_for(site, other, name="李四", phone="13700002222"))
    assert first.status_code == 201
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "unit_unavailable"
    assert Deposit.objects.count() == 1


@pytest.mark.parametrize(
    ("amount", "code"), [("450000.00", 400), ("9000.00", 400), ("-5.00", 400), ("50000.00", 201)]
)
def test_s_deal_2_api_reserve_bounds(api, unit, customer, salesperson, amount, code):
    """S-DEAL-2, DEP-02: out-of-range amounts are 400 with a field message and change nothing."""
    response = _hold(api, salesperson, unit, customer, amount=amount, verb="reserve")
    assert response.status_code == code
    if code == 400:
        assert "amount" in response.json()["error"]["fields"]
        assert Unit.objects.get().status == Unit.Status.AVAILABLE
        assert not MoneyRecord.objects.exists()


def test_sec_07_other_site_is_404_and_forbidden_is_403(
    api, site, other_site, staff, unit, customer, salesperson
):
    """SEC-07: a user of another site gets 404; finance (no hold capability) gets 403; nothing changes."""
    stranger = staff(Role.SALESPERSON, other_site)
    assert _hold(api, stranger, unit, customer).status_code == 404
    finance = staff(Role.FINANCE, site)
    assert _hold(api, finance, unit, customer).status_code == 403
    assert not Deposit.objects.exists()


def test_sec_07_customer_of_another_site_is_a_400(api, other_site, staff, unit, salesperson):
    """SEC-07: a customer id of another site is a field error, not a hold."""
    foreign = customer_for(other_site, staff(Role.SALESPERSON, other_site), phone="13911112222")
    response = _hold(api, salesperson, unit, foreign)
    assert response.status_code == 400
    assert "customer" in response.json()["error"]["fields"]


def test_disc_02_api_flow_request_approve_subscription(api, site, unit, customer, salesperson, manager):
    """DISC-02/03, CON-01: request → manager approves from the list → the subscription carries the price;
    the requester polls the request."""
    deposit = _hold(api, salesperson, unit, customer, amount="50000.00", verb="reserve").json()
    request = (
        api(salesperson)
        .post(
            "/api/v1/approvals/",
            {
                "kind": "discount",
                "unit": unit.pk,
                "customer": customer.pk,
                "requested_price": "1960000.00",
                "reason": "团购",
            },
            format="json",
        )
        .json()
    )
    inbox = api(manager).get(f"/api/v1/sites/{site.pk}/approvals/").json()
    assert [row["id"] for row in inbox["results"]] == [request["id"]]
    assert (
        api(salesperson).post(f"/api/v1/approvals/{request['id']}/approve/", {}, format="json").status_code
        == 403
    )
    assert (
        api(manager).post(f"/api/v1/approvals/{request['id']}/approve/", {}, format="json").status_code == 200
    )
    assert api(salesperson).get(f"/api/v1/approvals/{request['id']}/").json()["status"] == "approved"

    created = api(salesperson).post(
        f"/api/v1/deposits/{deposit['id']}/subscription/",
        {"buyers": [BUYER], "payment_method": "mortgage", "discount_approval": request["id"]},
        format="json",
    )
    assert created.status_code == 201
    assert created.json()["price"] == "1960000.00"


def test_disc_03_api_discount_without_approval_is_409(api, site, unit, customer, salesperson, manager):
    """DISC-03: a refused request cannot be used; nothing is written."""
    deposit = _hold(api, salesperson, unit, customer, amount="50000.00", verb="reserve").json()
    request = (
        api(salesperson)
        .post(
            "/api/v1/approvals/",
            {
                "kind": "discount",
                "unit": unit.pk,
                "customer": customer.pk,
                "requested_price": "1960000.00",
                "reason": "团购",
            },
            format="json",
        )
        .json()
    )
    api(manager).post(f"/api/v1/approvals/{request['id']}/refuse/", {"note": "不行"}, format="json")
    response = api(salesperson).post(
        f"/api/v1/deposits/{deposit['id']}/subscription/",
        {"buyers": [BUYER], "payment_method": "mortgage", "discount_approval": request["id"]},
        format="json",
    )
    assert response.status_code == 409
    assert not Subscription.objects.exists()
    assert ApprovalRequest.objects.get().status == "refused"


def test_sec_02_buyer_id_masked_for_non_owner(api, site, staff, unit, customer, salesperson):
    """SEC-02, R7: another salesperson's view of the subscription (via a deal they took for a customer
    they do not own) shows the ID masked; the owner sees it in full."""
    taker = staff(Role.SALESPERSON, site)
    deposit = _hold(api, taker, unit, customer, amount="50000.00", verb="reserve").json()
    sub = (
        api(taker)
        .post(
            f"/api/v1/deposits/{deposit['id']}/subscription/",
            {"buyers": [BUYER], "payment_method": "mortgage"},
            format="json",
        )
        .json()
    )
    assert sub["buyers"][0]["id_number"] == "110105********1234"
    owner_view = api(salesperson).get(f"/api/v1/subscriptions/{sub['id']}/").json()
    assert owner_view["buyers"][0]["id_number"] == BUYER["id_number"]


def test_con_02_pay_01_api_sign_and_pay_and_reverse(api, site, staff, unit, customer, salesperson):
    """CON-02, PAY-01: sign over the API, finance records and reverses, the ledger shows the balance."""
    finance = staff(Role.FINANCE, site)
    deposit = _hold(api, salesperson, unit, customer, amount="50000.00", verb="reserve").json()
    sub = (
        api(salesperson)
        .post(
            f"/api/v1/deposits/{deposit['id']}/subscription/",
            {"buyers": [BUYER], "payment_method": "full_payment"},
            format="json",
        )
        .json()
    )
    unsigned = api(salesperson).post(f"/api/v1/subscriptions/{sub['id']}/sign/", {}, format="json")
    assert unsigned.status_code == 400
    assert "checklist" in unsigned.json()["error"]["fields"]
    for item in ("id_verified", "qualification_confirmed", "terms_explained"):
        api(salesperson).post(f"/api/v1/subscriptions/{sub['id']}/check/", {"item": item}, format="json")
    contract = api(salesperson).post(f"/api/v1/subscriptions/{sub['id']}/sign/", {}, format="json")
    assert contract.status_code == 201
    deal_id = contract.json()["deal"]
    assert (
        api(salesperson)
        .post(
            f"/api/v1/deals/{deal_id}/payments/",
            {"kind": "instalment", "amount": "1.00", "payer": "张三", "method": "cash"},
            format="json",
        )
        .status_code
        == 403
    )
    paid = api(finance).post(
        f"/api/v1/deals/{deal_id}/payments/",
        {"kind": "instalment", "amount": "1950000.00", "payer": "张三", "method": "transfer"},
        format="json",
    )
    assert paid.status_code == 201
    ledger = api(finance).get(f"/api/v1/deals/{deal_id}/ledger/").json()
    assert ledger["paid"] == "2000000.00"
    assert ledger["outstanding"] == "0.00"
    reversed_ = api(finance).post(
        f"/api/v1/payments/{paid.json()['id']}/reverse/", {"reason": "退票"}, format="json"
    )
    assert reversed_.status_code == 201
    assert reversed_.json()["amount"] == "-1950000.00"
    assert api(finance).get(f"/api/v1/deals/{deal_id}/ledger/").json()["outstanding"] == "1950000.00"


def test_s_own_12_api_commission_statement(api, site, salesperson, clock):
    """COMM-03: the statement endpoint lists the month's lines."""
    response = api(salesperson).get(f"/api/v1/sites/{site.pk}/commission-statement/?year=2026&month=3")
    assert response.status_code == 200
    assert response.json()["total"] == "0.00"
    assert (
        api(salesperson).get(f"/api/v1/sites/{site.pk}/commission-statement/?year=2026&month=13").status_code
        == 400
    )
