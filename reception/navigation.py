"""The reception rota's navigation entries (shown by capability at the current site)."""

from django.utils.translation import gettext_lazy as _

from salesoffice.core.navigation import register
from salesoffice.core.roles import Cap

register(_("Rota board"), "reception-board", Cap.ROTA_OWN_STATUS, Cap.ROTA_ADJUST, order=10)
register(_("Counter"), "reception-counter", Cap.ROTA_OWN_STATUS, Cap.ROTA_ADJUST, order=11)
register(_("Rota adjustments"), "reception-manage", Cap.ROTA_ADJUST, order=12)
register(_("Plan a day's order"), "reception-plan", Cap.ROTA_ADJUST, order=16)
register(_("Shift log"), "reception-shift-log", Cap.ROTA_OWN_STATUS, Cap.ROTA_ADJUST, order=13)
register(_("Rota fairness"), "reception-fairness", Cap.ROTA_ADJUST, order=14)
register(_("Rota replay"), "reception-replay", Cap.ROTA_ADJUST, order=15)
