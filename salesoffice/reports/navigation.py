"""Navigation entries of the monthly report across sites (RPT-03) and of marketing activities (MKT-01); the
site's reports are listed on the dashboard (RPT-09), the start page."""

from django.utils.translation import gettext_lazy as _

from salesoffice.core.navigation import register
from salesoffice.core.roles import Cap

# Shown to those who read the current site whole (manager, deputy, report client); the page itself lists
# every site the user reads so (``selectors.common.whole_site_scopes``).
register(
    _("Group monthly report"), "reports-group-monthly", Cap.REPORTS_SITE, Cap.REPORTS_AGGREGATE, order=81
)
register(_("Marketing activities"), "reports-activities", Cap.REPORTS_SITE, order=84)
