"""SEC-01: the role matrix, checked cell by cell against the specification's table."""

import pytest

from salesoffice.core.roles import Cap, Role, capabilities_of

ALLOWED = [
    (Role.SALESPERSON, Cap.CUSTOMERS_OWN),
    (Role.SALESPERSON, Cap.CUSTOMERS_LOOKUP),
    (Role.SALESPERSON, Cap.REGISTRATIONS_CREATE),
    (Role.SALESPERSON, Cap.ROTA_OWN_STATUS),
    (Role.SALESPERSON, Cap.DISPUTES_OPEN),
    (Role.SALESPERSON, Cap.UNITS_HOLD),
    (Role.SUPERVISOR, Cap.CUSTOMERS_READ_ALL),
    (Role.SUPERVISOR, Cap.ROTA_ADJUST),
    (Role.SUPERVISOR, Cap.REPORTS_TEAM),
    (Role.MANAGER, Cap.DISPUTES_DECIDE),
    (Role.MANAGER, Cap.POLICY_UPDATE),
    (Role.MANAGER, Cap.REGISTRATIONS_CORRECT),
    (Role.MANAGER, Cap.UNITS_CONTROL),
    (Role.MANAGER, Cap.AUDIT_READ),
    (Role.MANAGER, Cap.CONTACTS_EXPORT),
    (Role.DEPUTY, Cap.DISPUTES_DECIDE),
    (Role.FINANCE, Cap.PAYMENTS_RECORD),
    (Role.FINANCE, Cap.CUSTOMERS_READ_BUYERS),
    (Role.SERVICE, Cap.SERVICE_MANAGE),
    (Role.REPAIR, Cap.WORKORDERS_ASSIGNED),
    (Role.CHANNEL_AGENT, Cap.CHANNEL_REPORT),
    (Role.CHANNEL_AGENT, Cap.UNITS_READ_AVAILABLE),
    (Role.REPORT_CLIENT, Cap.REPORTS_AGGREGATE),
]

DENIED = [
    (Role.SALESPERSON, Cap.CUSTOMERS_READ_ALL),
    (Role.SALESPERSON, Cap.POLICY_UPDATE),
    (Role.SALESPERSON, Cap.DISPUTES_DECIDE),
    (Role.SALESPERSON, Cap.CONTACTS_EXPORT),
    (Role.SALESPERSON, Cap.AUDIT_READ),
    (Role.SALESPERSON, Cap.ROTA_ADJUST),
    (Role.SUPERVISOR, Cap.DISPUTES_DECIDE),
    (Role.SUPERVISOR, Cap.AUDIT_READ),
    (Role.FINANCE, Cap.CUSTOMERS_LOOKUP),
    (Role.SERVICE, Cap.AUDIT_READ),
    (Role.REPAIR, Cap.CUSTOMERS_READ_BUYERS),
    (Role.REPAIR, Cap.UNITS_READ),
    (Role.CHANNEL_AGENT, Cap.CUSTOMERS_LOOKUP),
    (Role.CHANNEL_AGENT, Cap.UNITS_READ),
    (Role.REPORT_CLIENT, Cap.CUSTOMERS_READ_BUYERS),
]


@pytest.mark.parametrize(("role", "cap"), ALLOWED)
def test_sec01_role_may(role, cap):
    assert cap in capabilities_of({role})


@pytest.mark.parametrize(("role", "cap"), DENIED)
def test_sec01_role_may_not(role, cap):
    assert cap not in capabilities_of({role})


def test_sec01_deputy_has_the_managers_rights():
    assert capabilities_of({Role.DEPUTY}) == capabilities_of({Role.MANAGER})


def test_sec01_roles_add_up():
    combined = capabilities_of({Role.SALESPERSON, Role.FINANCE})
    assert Cap.PAYMENTS_RECORD in combined
    assert Cap.UNITS_HOLD in combined
