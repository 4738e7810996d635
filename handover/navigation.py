"""Navigation entries of the handover pages."""

from django.utils.translation import gettext_lazy as _

from salesoffice.core.navigation import register
from salesoffice.core.roles import Cap

register(_("Work orders"), "handover-work-orders", Cap.SERVICE_READ, order=60)
register(_("My jobs"), "handover-my-orders", Cap.WORKORDERS_ASSIGNED, order=61)
register(_("Service desk"), "handover-desk", Cap.SERVICE_MANAGE, order=62)
register(_("Move-in"), "handover-batches", Cap.SERVICE_READ, order=64)
register(_("Area adjustment"), "handover-areas", Cap.SERVICE_READ, order=66)
register(_("Certificates"), "handover-certificates", Cap.SERVICE_READ, order=68)
register(_("Complaints"), "handover-complaints", Cap.SERVICE_READ, order=70)
register(_("Return visits"), "handover-visits", Cap.SERVICE_READ, order=72)
register(_("Service statistics"), "handover-statistics", Cap.REPORTS_SERVICE, order=75)
