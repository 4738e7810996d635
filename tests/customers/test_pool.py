"""The public pool and its distribution (OWN-03, OWN-04, OWN-09, OWN-12)."""

import pytest
from django.core.exceptions import PermissionDenied

from customers.exceptions import PoolClaimRefused
from customers.models import Customer, OwnershipDecision
from customers.services import (
    departure_handover,
    deposit_record,
    pool_claim,
    pool_distribute,
    protection_expiry_run,
)
from salesoffice.core.exceptions import NotAllowed
from salesoffice.core.models import AuditEvent
from salesoffice.core.roles import Role
from salesoffice.core.services import policy_update
from tests.customers.factories import register

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(staff, site):
    return [staff(Role.SALESPERSON, site, last_name=name) for name in ("甲", "乙", "丙")]


def lapsed(clock, site, owner, count):
    for index in range(count):
        register(site, owner, name=f"客户{index}", phones=(f"1380000{index:04d}",))
    clock.advance(days=31)
    protection_expiry_run()
    return list(Customer.objects.filter(owner__isnull=True).order_by("pk"))


def test_own_04_manager_distributes_lapsed_customers_in_rotation(clock, site, manager, team):
    """OWN-04: lapsed customers enter the pool; the manager hands them out in rotation, each by a
    pool_distribution decision."""
    pool = lapsed(clock, site, team[0], 4)
    assigned = pool_distribute(site=site, actor=manager, customer_ids=[c.pk for c in pool], reason="")
    assert [assigned[c.pk] for c in pool] == [team[0].pk, team[1].pk, team[2].pk, team[0].pk]
    assert OwnershipDecision.objects.filter(kind="pool_distribution").count() == 4
    assert all(Customer.objects.get(pk=c.pk).owner_id == assigned[c.pk] for c in pool)
    assert "OWN-04" in Customer.objects.get(pk=pool[1].pk).verdict.rules


def test_own_12_exhibition_registration_waits_and_goes_to_the_chosen_salesperson(clock, site, manager, team):
    """OWN-12: an exhibition registration gives no owner; the manager assigns it to one salesperson."""
    register(site, team[0], source="exhibition")
    customer = Customer.objects.get()
    assert customer.owner is None
    assert customer.verdict.awaiting_decision == "OWN-12"
    pool_distribute(
        site=site, actor=manager, customer_ids=[customer.pk], salesperson_id=team[2].pk, reason="展会"
    )
    customer.refresh_from_db()
    assert customer.owner == team[2]


def test_own_04_distribution_denied_to_salesperson_changes_nothing(clock, site, team):
    """OWN-04: only the manager distributes."""
    pool = lapsed(clock, site, team[0], 1)
    with pytest.raises(PermissionDenied):
        pool_distribute(site=site, actor=team[1], customer_ids=[pool[0].pk], reason="")
    assert Customer.objects.get(pk=pool[0].pk).owner is None
    assert not OwnershipDecision.objects.exists()


def test_own_04_distribution_other_site_404(clock, site, other_site, staff, team):
    """SEC-07: a manager of another site gets 404."""
    from django.http import Http404

    pool = lapsed(clock, site, team[0], 1)
    stranger = staff(Role.MANAGER, other_site)
    with pytest.raises(Http404):
        pool_distribute(site=site, actor=stranger, customer_ids=[pool[0].pk], reason="")


def test_own_04_self_claim_off_by_default(clock, site, team):
    """OWN-04 default: salespeople may not claim pool customers."""
    pool = lapsed(clock, site, team[0], 1)
    with pytest.raises(NotAllowed):
        pool_claim(customer=pool[0], actor=team[1])
    assert Customer.objects.get(pk=pool[0].pk).owner is None


def test_own_04_self_claim_with_daily_quota_audited(clock, site, manager, team):
    """OWN-04 options ``pool_self_claim`` on, quota 2: two claims a day, each audited; the third is refused."""
    policy_update(
        site=site, actor=manager, changes={"pool_self_claim": True, "pool_daily_claim_quota": 2}, reason="t"
    )
    pool = lapsed(clock, site, team[0], 3)
    pool_claim(customer=pool[0], actor=team[1])
    pool_claim(customer=pool[1], actor=team[1])
    with pytest.raises(PoolClaimRefused):
        pool_claim(customer=pool[2], actor=team[1])
    assert Customer.objects.get(pk=pool[2].pk).owner is None
    assert AuditEvent.objects.filter(action="pool.claim").count() == 2
    with pytest.raises(PoolClaimRefused):
        pool_claim(customer=Customer.objects.get(pk=pool[0].pk), actor=team[2])  # no longer in the pool
    clock.advance(days=1)
    pool_claim(customer=pool[2], actor=team[1])
    assert Customer.objects.get(pk=pool[2].pk).owner == team[1]


def test_own_09_departure_hands_open_customers_over_in_rotation(clock, site, manager, team):
    """OWN-09: a leaver's open customers go to the others in rotation by departure decisions; a closed
    customer stays with the deal's shares."""
    leaver = team[0]
    for index in range(3):
        register(site, leaver, name=f"客户{index}", phones=(f"1390000{index:04d}",))
    closed = Customer.objects.order_by("pk").last()
    deposit_record(customer=closed, salesperson=leaver, kind="large", at=clock.now, reference="D1")
    assigned = departure_handover(site=site, actor=manager, leaver_id=leaver.pk, reason="离职")
    assert sorted(assigned.values()) == sorted([team[1].pk, team[2].pk])
    assert closed.pk not in assigned
    assert OwnershipDecision.objects.filter(kind="departure").count() == 2
    for customer_id, owner_id in assigned.items():
        customer = Customer.objects.get(pk=customer_id)
        assert customer.owner_id == owner_id
        assert "OWN-09" in customer.verdict.rules


def test_own_09_departure_denied_to_salesperson(clock, site, team):
    """OWN-09: nobody takes a leaver's customers without the manager."""
    register(site, team[0])
    with pytest.raises(PermissionDenied):
        departure_handover(site=site, actor=team[1], leaver_id=team[0].pk, reason="")
    assert Customer.objects.get().owner == team[0]
