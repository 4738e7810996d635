"""Every write of the customers app; each function runs in one transaction and is audited."""

from customers.services.channel_reports import (
    channel_report_cancel,
    channel_report_create,
    channel_report_rereport,
    channel_report_unreachable_request,
    channel_report_unreachable_verify,
    channel_reports_match,
    channel_visit_confirm,
    staff_referral_record,
)
from customers.services.disputes import dispute_decide, dispute_open
from customers.services.follow_ups import customer_mark_lost, customer_personality_set
from customers.services.housekeeping import (
    channel_reports_expire,
    customers_anonymise,
    follow_up_reminders_send,
    lapse_warnings_send,
    protection_expiry_run,
)
from customers.services.merge import customer_merge, customer_merge_undo
from customers.services.pool import departure_handover, pool_claim, pool_distribute
from customers.services.registrations import (
    follow_up_record,
    household_join,
    registration_create,
    relation_link,
)
from customers.services.stages import customer_stage_set, deposit_record_cancel
from customers.services.verdicts import decision_record, deposit_record, ownership_refresh

__all__ = [
    "channel_report_cancel",
    "channel_report_create",
    "channel_report_rereport",
    "channel_report_unreachable_request",
    "channel_report_unreachable_verify",
    "channel_reports_expire",
    "channel_reports_match",
    "channel_visit_confirm",
    "customer_mark_lost",
    "customer_merge",
    "customer_merge_undo",
    "customer_personality_set",
    "customer_stage_set",
    "customers_anonymise",
    "decision_record",
    "departure_handover",
    "deposit_record",
    "deposit_record_cancel",
    "dispute_decide",
    "dispute_open",
    "follow_up_record",
    "follow_up_reminders_send",
    "household_join",
    "lapse_warnings_send",
    "ownership_refresh",
    "pool_claim",
    "pool_distribute",
    "protection_expiry_run",
    "registration_create",
    "relation_link",
    "staff_referral_record",
]
