"""Every write of the customers app; each function runs in one transaction and is audited."""

from customers.services.disputes import dispute_decide, dispute_open
from customers.services.registrations import follow_up_record, registration_create, relation_link
from customers.services.verdicts import decision_record, deposit_record, ownership_refresh

__all__ = [
    "decision_record",
    "deposit_record",
    "dispute_decide",
    "dispute_open",
    "follow_up_record",
    "ownership_refresh",
    "registration_create",
    "relation_link",
]
