"""Domain errors of the handover app, translated to HTTP once by ``salesoffice.core.exceptions``."""

from __future__ import annotations

from salesoffice.core.exceptions import Conflict


class NoWorkerAvailable(Conflict):
    """SVC-02: no available worker serves the area with the skill; the dispatcher chooses by hand."""

    code = "no_worker_available"


class WorkOrderConflict(Conflict):
    code = "work_order_conflict"


class SlotFull(Conflict):
    """MOVE-02: the slot's capacity is used up."""

    code = "slot_full"


class HandoverIncomplete(Conflict):
    """MOVE-03: a mandatory checklist item is not done yet."""

    code = "handover_incomplete"


class HandoverStateConflict(Conflict):
    """The batch, handover, settlement, certificate, complaint or shift log is no longer in a state that
    allows the step."""

    code = "handover_state_conflict"
