from django.utils.translation import gettext_lazy as _

from salesoffice.core.panels import register

register(_("Units and deals"), "deals-customer-panel", order=10)
