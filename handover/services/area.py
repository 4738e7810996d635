"""Area adjustment (AREA-01, AREA-02): computed from the contract and the survey by ``rules.area_adjustment``,
agreed and signed by the buyer, and entered as a money record of the deal (PAY-01)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from deals.models import Contract, Deal, MoneyRecord
from deals.rules import MoneyKind, to_fen
from deals.services.common import money_add
from handover import rules
from handover.exceptions import HandoverStateConflict
from handover.models import AreaSettlement
from handover.services.common import managers, require_cap, require_choice, require_text
from handover.services.move_in import LIVE_CONTRACT
from salesoffice.core.audit import audit_record
from salesoffice.core.exceptions import DomainError
from salesoffice.core.models import User
from salesoffice.core.roles import Cap
from salesoffice.core.services import notify, policy_current

CHOICES = ("settle", "cancel")


def _area(value: Any, field: str) -> Decimal:
    try:
        area = Decimal(str(value))
    except (InvalidOperation, ValueError) as error:
        raise DomainError(
            _("Enter an area in m²."), code="invalid_area", fields={field: [_("Invalid.")]}
        ) from error
    if (
        not area.is_finite()
        or area <= 0
        or area > Decimal("100000")
        or area != area.quantize(Decimal("0.01"))
    ):
        message = _("Enter a positive area in m² with at most two decimals.")
        raise DomainError(message, code="invalid_area", fields={field: [message]})
    return area


def area_settlement_compute(
    *, contract: Contract, actor: User, surveyed_area: Any, now: dt.datetime | None = None
) -> AreaSettlement:
    """AREA-01, AREA-02: settle the surveyed area against the contract area at the contract unit price
    (contract price ÷ contract area) under the site's threshold; computed again while not yet signed."""
    require_cap(actor, contract.site_id, Cap.SERVICE_MANAGE)
    surveyed = _area(surveyed_area, "surveyed_area")
    moment = now or timezone.now()
    with transaction.atomic():
        locked = Contract.objects.select_for_update().select_related("deal").get(pk=contract.pk)
        if locked.status not in LIVE_CONTRACT:
            raise HandoverStateConflict(_("Only a live contract is settled."))
        existing = AreaSettlement.objects.select_for_update().filter(contract=locked).first()
        if existing is not None and existing.status != AreaSettlement.Status.COMPUTED:
            raise HandoverStateConflict(_("This settlement is already signed."))
        contract_area = locked.deal.area
        unit_price = to_fen(locked.price / contract_area)
        policy, version = policy_current(site=locked.site_id, at=moment)
        try:
            result = rules.area_adjustment(
                contract_area=contract_area, surveyed_area=surveyed, unit_price=unit_price, policy=policy
            )
        except rules.InvalidArea as error:
            raise DomainError(
                _("Enter a valid area."), code=error.code, fields={"surveyed_area": [_("Invalid.")]}
            ) from error
        figures = {
            "contract_area": contract_area, "surveyed_area": surveyed, "unit_price": unit_price,
            "threshold_ratio": policy.area_threshold_ratio, "policy_version": version,
            "buyer_pays": result.buyer_pays, "developer_bears": result.developer_bears, "refund": result.refund,
            "double_refund": result.double_refund, "net": result.net, "buyer_may_cancel": result.buyer_may_cancel,
            "lines": [
                {"label": line.label, "formula": line.formula, "amount": None if line.amount is None else str(line.amount)}
                for line in result.lines
            ],
            "computed_by": actor, "computed_at": moment,
        }  # fmt: skip
        if existing is None:
            settlement = AreaSettlement.objects.create(
                site_id=locked.site_id, contract=locked, unit_id=locked.unit_id, **figures
            )
        else:
            for name, value in figures.items():
                setattr(existing, name, value)
            existing.save()
            settlement = existing
        audit_record(
            action="area_settlement.compute", actor=actor, site=locked.site_id, obj=settlement,
            after={"surveyed_area": surveyed, "net": result.net, "policy_version": version},
        )  # fmt: skip
    return settlement


def area_settlement_sign(
    *, settlement: AreaSettlement, actor: User, signed_by_name: str, choice: str = "settle",
    now: dt.datetime | None = None,
) -> AreaSettlement:  # fmt: skip
    """AREA-02: the buyer agrees and signs the statement; the net amount is entered as an area-adjustment
    money record of the deal (PAY-01: positive when the buyer pays, negative for a refund). AREA-01: beyond
    the threshold the buyer may choose to cancel instead (CON-04); the managers are told to start it."""
    require_cap(actor, settlement.site_id, Cap.SERVICE_MANAGE)
    require_choice(choice, "choice", CHOICES)
    signed_by_name = require_text(signed_by_name, "signed_by_name", max_length=50)
    moment = now or timezone.now()
    with transaction.atomic():
        locked = AreaSettlement.objects.select_for_update().get(pk=settlement.pk)
        if locked.status != AreaSettlement.Status.COMPUTED:
            raise HandoverStateConflict(_("This settlement is already signed."))
        contract = Contract.objects.select_related("deal__customer").get(pk=locked.contract_id)
        deal = Deal.objects.select_for_update().get(pk=contract.deal_id)
        if choice == "cancel":
            if not locked.buyer_may_cancel:
                raise DomainError(
                    _("Within the threshold the buyer cannot cancel for the area."), code="cancel_not_allowed",
                    fields={"choice": [_("Not allowed.")]},
                )  # fmt: skip
            locked.status = AreaSettlement.Status.CANCEL_CHOSEN
        else:
            locked.status = AreaSettlement.Status.SIGNED
            if locked.net:
                locked.money_record = money_add(
                    deal=deal, kind=MoneyKind.AREA_ADJUSTMENT, amount=locked.net, payer=contract.deal.customer.name,
                    method=MoneyRecord.Method.INTERNAL, finance_user=None, at=moment,
                    note=f"AREA-02 {locked.contract_area} → {locked.surveyed_area} m²",
                )  # fmt: skip
        locked.signed_by_name, locked.signed_at, locked.recorded_by = signed_by_name, moment, actor
        locked.save(update_fields=["status", "money_record", "signed_by_name", "signed_at", "recorded_by"])
        audit_record(
            action=f"area_settlement.{choice}", actor=actor, site=locked.site_id, obj=locked,
            after={"net": locked.net, "money_record": locked.money_record_id, "signed_by": signed_by_name},
        )  # fmt: skip
        if choice == "cancel":
            recipients, site_id, pk = managers(locked.site_id), locked.site_id, locked.pk
            transaction.on_commit(
                lambda: [
                    notify(
                        recipient=user, site=site_id, kind="handover.area_cancel",
                        title=_("Buyer of contract %(number)s chose to cancel for the area") % {"number": contract.number},
                        link=reverse("handover-area", args=[pk]), dedupe_key=f"handover.area_cancel:{pk}:{user.pk}",
                    )
                    for user in recipients
                ]
            )  # fmt: skip
    return locked
