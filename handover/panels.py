from django.utils.translation import gettext_lazy as _

from salesoffice.core.panels import register

register(_("Handover and after-sales"), "handover-customer-panel", order=20)
