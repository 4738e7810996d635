"""Navigation entries of the office work (order 20-35)."""

from django.utils.translation import gettext_lazy as _

from salesoffice.core.navigation import register
from salesoffice.core.roles import Cap

register(_("My customers"), "customers-mine", Cap.CUSTOMERS_OWN, order=20)
register(_("Follow-ups due"), "customers-follow-ups-due", Cap.CUSTOMERS_OWN, order=21)
register(_("Follow-up overview"), "customers-follow-up-overview", Cap.CUSTOMERS_READ_ALL, order=22)
register(_("Public pool"), "customers-pool", Cap.DISPUTES_DECIDE, order=24)
register(_("Channel reports"), "customers-channel-reports", Cap.CHANNEL_REPORT, Cap.CHANNEL_READ, order=26)
register(_("Departures"), "customers-departure", Cap.DISPUTES_DECIDE, order=30)
register(_("Merge records"), "customers-merge", Cap.DISPUTES_DECIDE, order=31)
register(_("Import lists"), "customers-import", Cap.DISPUTES_DECIDE, order=32)
register(_("Ownership replay"), "customers-replay", Cap.DISPUTES_DECIDE, order=35)
register(_("Customer lookup"), "customers-counter", Cap.CUSTOMERS_LOOKUP, order=5)
register(_("Disputes"), "customers-disputes", Cap.DISPUTES_DECIDE, order=29)
