"""Navigation entries of the reports (RPT-09) and marketing activities (MKT-01)."""

from django.utils.translation import gettext_lazy as _

from salesoffice.core.navigation import register
from salesoffice.core.roles import Cap

register(
    _("Reports"), "reports-dashboard", Cap.REPORTS_OWN, Cap.REPORTS_TEAM, Cap.REPORTS_SITE, Cap.REPORTS_MONEY,
    Cap.REPORTS_SERVICE, order=80,
)  # fmt: skip
register(_("Marketing activities"), "reports-activities", Cap.REPORTS_SITE, order=84)
