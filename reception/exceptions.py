"""Domain errors of the reception rota: the engine's refusals (``RotaError`` codes) in the
user's language, translated to HTTP once by the kernel's handler (STYLE 7)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from reception.rota import RotaError
from salesoffice.core.exceptions import DomainError, NotAllowed


class RotaRefused(DomainError):
    code = "rota_refused"


class RotaNotAllowed(NotAllowed):
    code = "rota_not_allowed"


class ReceptionNotOpen(DomainError):
    code = "reception_not_open"


class ShiftLogRefused(DomainError):
    code = "shift_log_refused"


MESSAGES = {
    "unknown_salesperson": _("This salesperson has not signed in today."),
    "already_signed_in": _("This salesperson is already on today's rota."),
    "not_signed_in": _("This salesperson is not signed in."),
    "invalid_status": _(
        "This status cannot be set by hand: receiving follows a walk-in, signed out follows a sign-out."
    ),
    "reception_open": _("This salesperson is still receiving a customer: finish that reception first."),
    "not_receiving": _("This salesperson has no open reception."),
    "manager_only": _("Only the site manager can transfer a reception."),
    "not_allowed": _("A salesperson may change only their own status."),
    "reason_required": _("A manager's or supervisor's change needs a reason."),
    "invalid_order": _("The new order must list each signed-in salesperson once."),
    "receiver_busy": _(
        "This salesperson is receiving a customer and cannot be given another walk-in; "
        "only the site manager can transfer a reception."
    ),
    "not_available": _("This salesperson is not available."),
    "missing_field": _("This kind of walk-in needs more information."),
    "invalid_walk_in": _("This walk-in cannot be routed that way."),
}

# Which input field a refusal is about, so forms and API clients can mark it.
FIELDS = {
    "reason_required": "reason",
    "invalid_order": "order",
    "receiver_busy": "assigned_to",
    "not_available": "assigned_to",
}


def rota_refusal(error: RotaError, *, field: str | None = None) -> DomainError:
    """ROTA-01, ROTA-05: the engine's refusal as a domain error; who may not act gets a 403."""
    message = str(MESSAGES.get(error.code, error.message))
    field = field or FIELDS.get(error.code)
    fields = {field: [message]} if field else {}
    if error.code in ("not_allowed", "manager_only"):
        return RotaNotAllowed(message, code=error.code, fields=fields)
    return RotaRefused(message, code=error.code, fields=fields)
