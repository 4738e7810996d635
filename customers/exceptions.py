"""Domain errors of the customers app, with messages in the user's language."""

from django.utils.translation import gettext_lazy as _

from salesoffice.core.exceptions import Conflict, DomainError, NotAllowed


class InvalidRegistration(DomainError):
    code = "invalid_registration"


class DisputeWindowClosed(DomainError):
    code = "dispute_window_closed"


class CorrectionNeedsManager(NotAllowed):
    code = "correction_needs_manager"


class ChannelReportRefused(DomainError):
    code = "channel_report_refused"


class PoolClaimRefused(Conflict):
    code = "pool_claim_refused"


FIELD_MESSAGES = {
    "phone_invalid": _(
        "Not a phone number we can call: a mainland mobile (11 digits), a landline with area code, or +country code."
    ),
    "name_required": _("Enter the customer's name (a surname is enough for a caller)."),
    "name_too_long": _("Names are at most 50 characters."),
    "contact_in_future": _("The contact time cannot be in the future."),
    "contact_too_old": _("The contact time is more than 30 days ago; register a correction instead."),
    "phone_required": _("Enter at least one phone number that reaches the customer."),
    "money": _("Enter an amount in yuan as a plain number, e.g. 3000000."),
    "area": _("Enter an area in m² as a number or a range such as 90-120."),
    "text": _("At most 100 characters."),
    "unknown": _("This item is not part of the customer's needs."),
}
