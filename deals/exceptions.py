"""Domain errors of the deals app, translated to HTTP once by ``salesoffice.core.exceptions``."""

from __future__ import annotations

from salesoffice.core.exceptions import Conflict, DomainError, NotAllowed


class UnitUnavailable(Conflict):
    """UNIT-03, R1: someone else took the unit first."""

    code = "unit_unavailable"


class TransitionNotAllowed(Conflict):
    """UNIT-02: the unit's current status has no such move (for example withholding a withheld unit)."""

    code = "transition_not_allowed"


class RoleNotPermitted(NotAllowed):
    code = "role_not_permitted"


class ImportRejected(DomainError):
    """UNIT-01, SEC-07: the uploaded file cannot be read at all (size, type, encoding, header)."""

    code = "import_rejected"


class ApprovalRequired(Conflict):
    """DISC-03, DEP-05, CON-04: the step needs an approved request first."""

    code = "approval_required"


class DealStateConflict(Conflict):
    """The deposit, subscription, contract or request is no longer in a state that allows the step."""

    code = "deal_state_conflict"
