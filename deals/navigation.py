"""Navigation entries of the deals app's inventory pages."""

from django.utils.translation import gettext_lazy as _

from salesoffice.core.navigation import register
from salesoffice.core.roles import Cap

register(_("Sales control"), "deals-board", Cap.UNITS_READ, Cap.UNITS_READ_AVAILABLE, order=40)
register(_("Quote"), "deals-quote", Cap.UNITS_READ, Cap.UNITS_READ_AVAILABLE, order=42)
register(_("Inventory"), "deals-batch", Cap.UNITS_CONTROL, order=44)
register(_("Import units"), "deals-import", Cap.UNITS_CONTROL, order=46)
register(_("Approvals"), "deals-approvals", Cap.DISCOUNTS_APPROVE_LIMITED, Cap.DEALS_APPROVE, order=48)
register(_("Loans"), "deals-mortgages", Cap.DEALS_READ, Cap.PAYMENTS_RECORD, order=50)
register(_("Commission"), "deals-commission", Cap.REPORTS_OWN, Cap.REPORTS_MONEY, order=52)
