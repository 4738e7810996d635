"""quality.md R3: two salespeople register the same phone number at the same instant."""

import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone

from customers.models import Customer, CustomerPhone, OwnershipVerdict, Registration
from salesoffice.core.roles import Role
from tests.customers.factories import register


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(5))
def test_r3_same_phone_at_the_same_instant_gives_one_owner(staff, site, round_):
    salespeople = [staff(Role.SALESPERSON, site) for _ in range(2)]
    phone = f"1370000{round_:04d}"
    barrier = threading.Barrier(2)
    instant = timezone.now() - datetime.timedelta(minutes=3)
    errors: list[BaseException] = []

    def attempt(person):
        try:
            barrier.wait()
            register(site, person, name="并发", phones=(phone,), contact_at=instant)
        except BaseException as error:  # asserted below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(person,)) for person in salespeople]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert Registration.objects.count() == 2  # the second is kept as evidence
    customer = Customer.objects.get()
    assert CustomerPhone.objects.filter(e164=f"+86{phone}").count() == 1
    # Same contact instant: the registration committed first (recorded first) ranks first.
    first = Registration.objects.order_by("recorded_at", "number").first()
    assert customer.owner_id == first.salesperson_id
    owners = set(OwnershipVerdict.objects.filter(customer=customer).values_list("owner_id", flat=True))
    assert owners == {first.salesperson_id}  # never two owners, not even for a moment
