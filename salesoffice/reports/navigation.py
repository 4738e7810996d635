"""Navigation entries of marketing activities (MKT-01); the reports are listed on the dashboard (RPT-09),
the start page."""

from django.utils.translation import gettext_lazy as _

from salesoffice.core.navigation import register
from salesoffice.core.roles import Cap

register(_("Marketing activities"), "reports-activities", Cap.REPORTS_SITE, order=84)
