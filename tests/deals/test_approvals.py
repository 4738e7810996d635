"""Approvals: DISC-01..DISC-03 (authority by role, approve/change/refuse, applied only through a request)."""

from decimal import Decimal

import pytest

from deals import services
from deals.exceptions import ApprovalRequired, DealStateConflict
from deals.models import ApprovalRequest, Subscription
from salesoffice.core.exceptions import DomainError, NotAllowed
from salesoffice.core.models import Notification
from salesoffice.core.roles import Role
from tests.deals.factories import BUYER, UnitFactory, customer_for, large_deposit

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit(site):
    return UnitFactory(building__site=site)


@pytest.fixture
def customer(site, salesperson, clock):
    return customer_for(site, salesperson)


def _discount(unit, customer, salesperson, price):
    return services.approval_request(
        kind="discount", actor=salesperson, unit=unit, customer=customer, requested_price=Decimal(price), reason="老客户",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("price", "required"),
    [("1980000.00", "supervisor"), ("1940000.00", "site_manager"), ("1900000.00", "developer")],
)
def test_disc_01_required_approver_follows_the_site_limits(
    unit, customer, salesperson, manager, price, required
):
    """DISC-01: 1% → supervisor, 3% → site manager, beyond → the developer (recorded by the manager); the
    approvers are notified."""
    request = _discount(unit, customer, salesperson, price)
    assert request.required_approver == required
    assert request.list_price == Decimal("2000000.00")
    assert Notification.objects.filter(recipient=manager, kind="deals.approval_requested").count() == 1


def test_disc_01_supervisor_cannot_approve_beyond_their_limit(site, staff, unit, customer, salesperson):
    """DISC-01: a 3% discount is beyond the supervisor; the refusal changes nothing."""
    supervisor = staff(Role.SUPERVISOR, site)
    request = _discount(unit, customer, salesperson, "1940000.00")
    with pytest.raises(NotAllowed):
        services.approval_decide(request=request, actor=supervisor, decision="approve")
    request.refresh_from_db()
    assert request.status == ApprovalRequest.Status.REQUESTED
    assert request.decided_by is None


def test_disc_01_beyond_the_manager_needs_the_developers_approval_recorded(
    unit, customer, salesperson, manager
):
    """DISC-01: beyond 3% the manager approves only with the developer's approval recorded."""
    request = _discount(unit, customer, salesperson, "1900000.00")
    with pytest.raises(NotAllowed):
        services.approval_decide(request=request, actor=manager, decision="approve")
    approved = services.approval_decide(
        request=request, actor=manager, decision="approve", developer_approval="集团批复 2026-17"
    )
    assert approved.status == ApprovalRequest.Status.APPROVED
    assert approved.developer_approval == "集团批复 2026-17"


def test_disc_01_salesperson_cannot_approve(unit, customer, salesperson):
    """DISC-01: a salesperson grants no discount, not even their own request."""
    request = _discount(unit, customer, salesperson, "1999000.00")
    with pytest.raises(NotAllowed):
        services.approval_decide(request=request, actor=salesperson, decision="approve")


def test_disc_02_change_and_refuse_need_a_reason_and_notify_the_requester(
    unit, customer, salesperson, manager
):
    """DISC-02: the manager changes the price with a reason; the requester is told at once."""
    request = _discount(unit, customer, salesperson, "1950000.00")
    with pytest.raises(DomainError):
        services.approval_decide(
            request=request, actor=manager, decision="change", approved_price=Decimal("1960000.00")
        )
    changed = services.approval_decide(
        request=request, actor=manager, decision="change", approved_price=Decimal("1960000.00"), note="最多2%"
    )
    assert changed.approved_price == Decimal("1960000.00")
    assert Notification.objects.filter(recipient=salesperson, kind="deals.approval_decided").count() == 1
    with pytest.raises(DealStateConflict):
        services.approval_decide(request=request, actor=manager, decision="refuse", note="again")


def test_disc_02_refusal(unit, customer, salesperson, manager):
    """DISC-02: refused with a reason; nothing can be applied from it."""
    request = _discount(unit, customer, salesperson, "1950000.00")
    refused = services.approval_decide(request=request, actor=manager, decision="refuse", note="价格已是底价")
    assert refused.status == ApprovalRequest.Status.REFUSED
    assert refused.approved_price is None


def test_disc_03_approved_terms_are_locked_into_the_subscription_once(unit, customer, salesperson, manager):
    """DISC-02/DISC-03: the approved price goes into the subscription; the request is then used up."""
    request = _discount(unit, customer, salesperson, "1950000.00")
    services.approval_decide(request=request, actor=manager, decision="approve")
    deposit = large_deposit(unit, customer, salesperson)

    subscription = services.subscription_create(
        deposit=deposit,
        actor=salesperson,
        buyers=[BUYER],
        payment_method="mortgage",
        discount_approval=request,
    )

    assert subscription.price == Decimal("1950000.00")
    request.refresh_from_db()
    assert request.status == ApprovalRequest.Status.DONE


def test_disc_03_a_refused_or_foreign_request_cannot_apply_a_discount(
    site, unit, customer, salesperson, manager
):
    """DISC-03: no private deals: a refused request (or one for another unit) gives no discount and
    creates no subscription."""
    request = _discount(unit, customer, salesperson, "1950000.00")
    services.approval_decide(request=request, actor=manager, decision="refuse", note="不行")
    deposit = large_deposit(unit, customer, salesperson)
    with pytest.raises(ApprovalRequired):
        services.subscription_create(
            deposit=deposit,
            actor=salesperson,
            buyers=[BUYER],
            payment_method="mortgage",
            discount_approval=request,
        )
    assert not Subscription.objects.exists()


def test_dep_03_hold_extension_request_takes_effect_on_approval(unit, customer, salesperson, manager, clock):
    """DEP-03: a salesperson asks for an extension; the manager's approval extends the hold."""
    import datetime

    deposit = large_deposit(unit, customer, salesperson)
    until = deposit.hold_until + datetime.timedelta(days=3)
    request = services.approval_request(
        kind="hold_extension", actor=salesperson, unit=unit, customer=customer, deal=deposit.deal,
        requested_until=until, reason="贷款审批中",
    )  # fmt: skip
    services.approval_decide(request=request, actor=manager, decision="approve")
    deposit.refresh_from_db()
    assert deposit.hold_until == until
