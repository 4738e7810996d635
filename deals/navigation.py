"""Navigation entries of the deals app's inventory pages."""

from django.utils.translation import gettext_lazy as _

from salesoffice.core.navigation import register
from salesoffice.core.roles import Cap

register(_("Sales control"), "deals-board", Cap.UNITS_READ, Cap.UNITS_READ_AVAILABLE, order=40)
register(_("Quote"), "deals-quote", Cap.UNITS_READ, Cap.UNITS_READ_AVAILABLE, order=42)
register(_("Inventory"), "deals-batch", Cap.UNITS_CONTROL, order=44)
register(_("Import units"), "deals-import", Cap.UNITS_CONTROL, order=46)
