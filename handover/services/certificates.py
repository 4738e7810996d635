"""Property certificates (CERT-01): per unit, dated steps through the mortgage or full-payment table, overdue
cases flagged once per step."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from deals.models import Contract, Mortgage
from deals.rules import step_deadline
from handover import rules
from handover.exceptions import HandoverStateConflict
from handover.models import CertificateCase, CertificateStep
from handover.services.common import (
    local_date,
    require_cap,
    require_choice,
    require_text,
    roles_of,
    service_staff,
    table_next,
)
from handover.services.move_in import LIVE_CONTRACT, _money
from salesoffice.core.audit import audit_record
from salesoffice.core.exceptions import DomainError
from salesoffice.core.models import User
from salesoffice.core.roles import Cap
from salesoffice.core.services import notify

# CERT-01: how many days a case may stay in a step before it is flagged overdue (site practice).
CERTIFICATE_STEP_DAYS: dict[str, int] = {
    CertificateCase.Status.DOCUMENTS_COLLECTED: 30,
    CertificateCase.Status.INITIAL_REGISTRATION_DONE: 30,
    CertificateCase.Status.SUBMITTED: 60,
    CertificateCase.Status.ISSUED: 14,
    CertificateCase.Status.SENT_TO_BANK: 14,
}


def certificate_deadline(case: CertificateCase, today: dt.date) -> Any:
    return step_deadline(
        table=rules.certificate_transitions(mortgage=case.mortgage), status=case.status,
        entered_on=case.status_since, today=today, allowed_days=CERTIFICATE_STEP_DAYS,
    )  # fmt: skip


def certificate_open(
    *, contract: Contract, actor: User, fees_collected: Any = Decimal("0.00"), mortgage: bool | None = None,
    on: dt.date | None = None,
) -> CertificateCase:  # fmt: skip
    """CERT-01, D-CERT-02: at handover the certificate documents are collected and the fees pre-collected;
    the case follows the mortgage steps when the deal has a loan (or says so), the full-payment steps
    otherwise."""
    require_cap(actor, contract.site_id, Cap.SERVICE_MANAGE)
    fees = _money(fees_collected, "fees_collected")
    day = on or local_date(timezone.now(), contract.site_id)
    with transaction.atomic():
        locked = Contract.objects.select_for_update().get(pk=contract.pk)
        if locked.status not in LIVE_CONTRACT:
            raise HandoverStateConflict(_("Only a live contract gets a certificate."))
        if CertificateCase.objects.filter(unit_id=locked.unit_id).exists():
            raise HandoverStateConflict(_("This unit already has a certificate case."))
        if mortgage is None:
            mortgage = (
                locked.payment_method == "mortgage"
                or Mortgage.objects.filter(deal_id=locked.deal_id).exists()
            )
        case = CertificateCase.objects.create(
            site_id=locked.site_id, unit_id=locked.unit_id, contract=locked, mortgage=mortgage, fees_collected=fees,
            status_since=day,
        )  # fmt: skip
        CertificateStep.objects.create(case=case, to_status=case.status, on=day, actor=actor)
        audit_record(
            action="certificate.open",
            actor=actor,
            site=locked.site_id,
            obj=case,
            after={"mortgage": mortgage, "fees": fees},
        )
    return case


def certificate_advance(
    *, case: CertificateCase, actor: User, action: str, on: dt.date | None = None, note: str = "",
    signed_by_name: str = "",
) -> CertificateCase:  # fmt: skip
    """CERT-01: one dated step (initial registration, submitted, issued, then the original to the bank and
    a copy to a mortgage buyer, or the original handed over against the owner's signature, 房产证签收表)."""
    require_choice(action, "action", [item.value for item in rules.CertificateAction])
    today = local_date(timezone.now(), case.site_id)
    day = on or today
    if day > today:
        raise DomainError(
            _("The date cannot be in the future."), code="invalid_date", fields={"on": [_("In the future.")]}
        )
    note = require_text(note, "note", max_length=500, required=False)
    signer = require_text(
        signed_by_name,
        "signed_by_name",
        max_length=50,
        required=action == rules.CertificateAction.HAND_OVER_ORIGINAL,
    )
    with transaction.atomic():
        locked = CertificateCase.objects.select_for_update().get(pk=case.pk)
        source = locked.status
        target = table_next(
            table=rules.certificate_transitions(mortgage=locked.mortgage), current=source, action=action,
            roles=roles_of(actor, locked.site_id),
        )  # fmt: skip
        if day < locked.status_since:
            raise DomainError(
                _("The date is before the previous step."),
                code="invalid_date",
                fields={"on": [_("Too early.")]},
            )
        locked.status, locked.status_since, locked.overdue_since = target, day, None
        fields = ["status", "status_since", "overdue_since"]
        if signer:
            locked.signed_by_name = signer
            fields.append("signed_by_name")
        locked.save(update_fields=fields)
        CertificateStep.objects.create(
            case=locked, from_status=source, to_status=target, on=day, actor=actor, note=note
        )
        audit_record(
            action=f"certificate.{action}", actor=actor, site=locked.site_id, obj=locked,
            before={"status": source}, after={"status": target, "on": day}, reason=note,
        )  # fmt: skip
    return locked


def certificate_overdue_flag(*, now: dt.datetime | None = None) -> int:
    """CERT-01: flag each case whose current step has lasted longer than allowed, once per step, and tell
    customer service; safe to run twice or late (R4)."""
    moment = now or timezone.now()
    flagged = 0
    today_utc = moment.date()
    # A day's margin on the set-based pre-filter; each row is then decided in its site's local day.
    stale = Q()
    for status, days in CERTIFICATE_STEP_DAYS.items():
        stale |= Q(status=status, status_since__lt=today_utc - dt.timedelta(days=days - 1))
    with transaction.atomic():
        rows = list(
            CertificateCase.objects.select_for_update(skip_locked=True)
            .filter(stale)
            .exclude(overdue_status=F("status"))
            .order_by("pk")
        )
        for case in rows:
            deadline = certificate_deadline(case, local_date(moment, case.site_id))
            if not deadline.overdue:
                continue
            case.overdue_since = deadline.due_on + dt.timedelta(days=1)
            case.overdue_status = case.status
            case.save(update_fields=["overdue_since", "overdue_status"])
            audit_record(
                action="certificate.overdue", site=case.site_id, obj=case, after={"status": case.status}
            )
            for user in service_staff(case.site_id):
                notify(
                    recipient=user, site=case.site_id, kind="handover.certificate_overdue",
                    title=_("Certificate of unit %(unit)s is overdue") % {"unit": case.unit_id},
                    link=reverse("handover-certificates"),
                    dedupe_key=f"handover.certificate_overdue:{case.pk}:{case.status}:{user.pk}",
                )  # fmt: skip
            flagged += 1
    return flagged
