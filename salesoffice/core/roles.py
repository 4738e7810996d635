"""Roles and what they may do (SEC-01): the permission matrix as data, with no Django imports.

Each capability names one cell of the SEC-01 matrix; ``ROLE_CAPABILITIES`` says which roles hold it.
Views, API permissions and services all ask ``capabilities_of(roles)``, so the matrix lives here only.
"""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    SALESPERSON = "salesperson"
    SUPERVISOR = "sales_supervisor"
    MANAGER = "site_manager"
    DEPUTY = "deputy_manager"
    FINANCE = "finance"
    SERVICE = "customer_service"
    REPAIR = "repair_worker"
    CHANNEL_AGENT = "channel_agent"
    REPORT_CLIENT = "report_client"


class Cap(enum.StrEnum):
    CUSTOMERS_OWN = "customers.own"  # create and keep own customers, full details of own
    CUSTOMERS_READ_ALL = "customers.read_all"  # full details of everyone's customers
    CUSTOMERS_READ_BUYERS = "customers.read_buyers"  # full details of buyers only
    CUSTOMERS_LOOKUP = "customers.lookup"  # masked counter lookup
    REGISTRATIONS_CREATE = "registrations.create"
    REGISTRATIONS_READ_ALL = "registrations.read_all"
    REGISTRATIONS_CORRECT = "registrations.correct"
    ROTA_OWN_STATUS = "rota.own_status"
    ROTA_ADJUST = "rota.adjust"
    DISPUTES_OPEN = "disputes.open"
    DISPUTES_DECIDE = "disputes.decide"
    POLICY_READ = "policy.read"
    POLICY_UPDATE = "policy.update"
    UNITS_READ = "units.read"
    UNITS_READ_AVAILABLE = "units.read_available"
    UNITS_HOLD = "units.hold"
    UNITS_CONTROL = "units.control"  # withhold / release batches, import, price changes
    DEALS_REQUEST = "deals.request"
    DEALS_READ = "deals.read"
    DEALS_APPROVE = "deals.approve"
    DISCOUNTS_APPROVE_LIMITED = "discounts.approve_limited"
    PAYMENTS_RECORD = "payments.record"
    SERVICE_READ = "service.read"
    SERVICE_MANAGE = "service.manage"
    WORKORDERS_ASSIGNED = "workorders.assigned"
    CHANNEL_REPORT = "channel.report"
    CHANNEL_READ = "channel.read"
    REPORTS_OWN = "reports.own"
    REPORTS_TEAM = "reports.team"
    REPORTS_SITE = "reports.site"
    REPORTS_MONEY = "reports.money"
    REPORTS_SERVICE = "reports.service"
    REPORTS_AGGREGATE = "reports.aggregate"
    CONTACTS_EXPORT = "contacts.export"
    AUDIT_READ = "audit.read"
    STAFF_MANAGE = "staff.manage"


_MANAGER = {
    Cap.CUSTOMERS_READ_ALL, Cap.CUSTOMERS_LOOKUP, Cap.REGISTRATIONS_READ_ALL, Cap.REGISTRATIONS_CORRECT,
    Cap.ROTA_ADJUST, Cap.DISPUTES_OPEN, Cap.DISPUTES_DECIDE, Cap.POLICY_READ, Cap.POLICY_UPDATE,
    Cap.UNITS_READ, Cap.UNITS_CONTROL, Cap.DEALS_READ, Cap.DEALS_APPROVE, Cap.DISCOUNTS_APPROVE_LIMITED,
    Cap.SERVICE_READ, Cap.CHANNEL_READ, Cap.REPORTS_OWN, Cap.REPORTS_TEAM, Cap.REPORTS_SITE,
    Cap.REPORTS_MONEY, Cap.REPORTS_SERVICE, Cap.CONTACTS_EXPORT, Cap.AUDIT_READ, Cap.STAFF_MANAGE,
}  # fmt: skip

ROLE_CAPABILITIES: dict[Role, frozenset[Cap]] = {
    Role.SALESPERSON: frozenset({
        Cap.CUSTOMERS_OWN, Cap.CUSTOMERS_LOOKUP, Cap.REGISTRATIONS_CREATE, Cap.ROTA_OWN_STATUS,
        Cap.DISPUTES_OPEN, Cap.POLICY_READ, Cap.UNITS_READ, Cap.UNITS_HOLD, Cap.DEALS_REQUEST,
        Cap.CHANNEL_READ, Cap.REPORTS_OWN,
    }),
    Role.SUPERVISOR: frozenset({
        Cap.CUSTOMERS_READ_ALL, Cap.CUSTOMERS_LOOKUP, Cap.REGISTRATIONS_READ_ALL, Cap.ROTA_OWN_STATUS,
        Cap.ROTA_ADJUST, Cap.DISPUTES_OPEN, Cap.POLICY_READ, Cap.UNITS_READ, Cap.DEALS_READ,
        Cap.DISCOUNTS_APPROVE_LIMITED, Cap.SERVICE_READ, Cap.CHANNEL_READ, Cap.REPORTS_OWN, Cap.REPORTS_TEAM,
    }),
    Role.MANAGER: frozenset(_MANAGER),
    Role.DEPUTY: frozenset(_MANAGER),
    Role.FINANCE: frozenset({
        Cap.CUSTOMERS_READ_BUYERS, Cap.UNITS_READ, Cap.DEALS_READ, Cap.PAYMENTS_RECORD, Cap.SERVICE_READ,
        Cap.REPORTS_MONEY,
    }),
    Role.SERVICE: frozenset({
        Cap.CUSTOMERS_READ_BUYERS, Cap.UNITS_READ, Cap.DEALS_READ, Cap.SERVICE_READ, Cap.SERVICE_MANAGE,
        Cap.REPORTS_SERVICE,
    }),
    Role.REPAIR: frozenset({Cap.WORKORDERS_ASSIGNED}),
    Role.CHANNEL_AGENT: frozenset({Cap.UNITS_READ_AVAILABLE, Cap.CHANNEL_REPORT, Cap.REPORTS_OWN}),
    Role.REPORT_CLIENT: frozenset({Cap.REPORTS_AGGREGATE}),
}  # fmt: skip

MANAGER_ROLES = frozenset({Role.MANAGER, Role.DEPUTY})
SALES_ROLES = frozenset({Role.SALESPERSON, Role.SUPERVISOR, Role.MANAGER, Role.DEPUTY})


def capabilities_of(roles: frozenset[Role] | set[Role]) -> frozenset[Cap]:
    """The union of what the given roles may do at one site."""
    held: set[Cap] = set()
    for role in roles:
        held |= ROLE_CAPABILITIES[role]
    return frozenset(held)
