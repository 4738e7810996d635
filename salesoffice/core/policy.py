"""The site policy: every option of the specification as one typed, validated value object.

Pure Python (no Django): the ownership engine, the rota and the deal rules all take a
``Policy`` as a plain argument. Field names, types and defaults are those of
``spec/policy.md``; the database keeps each version as JSON (see ``models.SitePolicyVersion``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

CALL_OWNERSHIP = ("answerer", "manager_distributes", "appointment_only")
UNRECOGNISED_RETURNING = ("by_presence", "by_time")
HOUSEHOLD_COLLISION = ("split_even", "first_registrant_performance", "closest_relative", "manager_decides")
REASSIGNMENT_OTHER_CAUSE = ("manager_decides", "even_then_70_30")
STANDIN_SAME_DAY_COMMISSION = ("split_even", "owner_all")
ORDER_SOURCE = ("sign_in", "manager_order", "continue_yesterday")
DESIGNATED_TURN = ("counts", "counts_if_up_next", "never")
RETURNING_STANDIN_TURN = ("not_counted", "counted")
MAKEUP_KINDS = ("once", "each", "back_of_unreceived")
MAKEUP_UNCOUNTED_KINDS = ("once", "each")
PHONE_DUTY = ("last_k", "head", "queue")
LEVELS = ("A", "B", "C")


class PolicyError(ValueError):
    """Raised with every bad field at once: ``errors`` maps a field name to (code, message)."""

    def __init__(self, errors: Mapping[str, tuple[str, str]]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{name}: {message}" for name, (_, message) in self.errors.items()))


@dataclasses.dataclass(frozen=True)
class Policy:
    # Registration and ownership (customers.md)
    daily_cutoff: dt.time = dt.time(18, 0)
    call_ownership: str = "answerer"
    call_protection_days: int = 7
    visit_protection_days: int = 30
    registration_validity_days: int | None = None
    no_contact_exemption: bool = False
    lapse_warning_days: tuple[int, ...] = (3, 1)
    pool_self_claim: bool = False
    pool_daily_claim_quota: int = 5
    unrecognised_returning: str = "by_presence"
    unrecognised_window_days: int = 30
    referral_window_days: int | None = None
    referral_chain: bool = True
    household_collision: str = "split_even"
    reassignment_other_cause: str = "manager_decides"
    standin_same_day_commission: str = "split_even"
    developer_referred_commission_factor: Decimal = Decimal("0.5")
    valid_roll_confiscation: bool = False
    dispute_window_days: int = 3
    channel_report_valid_days: int = 7
    channel_max_rereports: int = 3
    follow_up_cadence_days: Mapping[str, int] = dataclasses.field(
        default_factory=lambda: {"A": 2, "B": 3, "C": 7}
    )
    first_return_call_days: int = 1
    retention_months: int = 24
    # Reception rota (reception.md)
    order_source: str = "sign_in"
    designated_turn: str = "counts"
    returning_standin_turn: str = "not_counted"
    peer_counts: bool = True
    makeup_with_own_customer: str = "once"
    makeup_on_assignment: str = "once"
    makeup_receiving_uncounted: str = "once"
    makeup_expires_daily: bool = True
    phone_duty: str = "last_k"
    phone_lines: int = 1
    open_reception_alert_hours: int = 3
    # Deals and handover (deals.md, handover.md)
    small_deposit_min: Decimal = Decimal("500")
    small_deposit_hold_days: int = 3
    small_deposit_refundable: bool = True
    large_deposit_min: Decimal = Decimal("10000")
    large_deposit_max_ratio: Decimal = Decimal("0.20")
    large_deposit_hold_days: int = 7
    discount_limit_salesperson: Decimal = Decimal("0")
    discount_limit_supervisor: Decimal = Decimal("0.01")
    discount_limit_manager: Decimal = Decimal("0.03")
    commission_rate: Decimal = Decimal("0.005")
    area_threshold_ratio: Decimal = Decimal("0.03")
    move_in_notice_days: int = 14

    def with_overrides(self, overrides: Mapping[str, Any]) -> Policy:
        """A copy with ``overrides`` (JSON values, names from policy.md) applied and validated."""
        merged = self.to_json()
        merged.update(overrides)
        return policy_from_json(merged)

    def to_json(self) -> dict[str, Any]:
        return {field.name: _to_json(getattr(self, field.name)) for field in dataclasses.fields(self)}


def _to_json(value: Any) -> Any:
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, Mapping):
        return dict(value)
    return value


FIELD_NAMES = frozenset(field.name for field in dataclasses.fields(Policy))

# name -> (kind, constraint). Kinds: choice, int, optional_int, bool, decimal, time, days_list, cadence.
SCHEMA: dict[str, tuple[str, Any]] = {
    "daily_cutoff": ("time", None),
    "call_ownership": ("choice", CALL_OWNERSHIP),
    "call_protection_days": ("int", (1, 3650)),
    "visit_protection_days": ("int", (1, 3650)),
    "registration_validity_days": ("optional_int", (1, 3650)),
    "no_contact_exemption": ("bool", None),
    "lapse_warning_days": ("days_list", (1, 365)),
    "pool_self_claim": ("bool", None),
    "pool_daily_claim_quota": ("int", (0, 1000)),
    "unrecognised_returning": ("choice", UNRECOGNISED_RETURNING),
    "unrecognised_window_days": ("int", (1, 3650)),
    "referral_window_days": ("optional_int", (1, 3650)),
    "referral_chain": ("bool", None),
    "household_collision": ("choice", HOUSEHOLD_COLLISION),
    "reassignment_other_cause": ("choice", REASSIGNMENT_OTHER_CAUSE),
    "standin_same_day_commission": ("choice", STANDIN_SAME_DAY_COMMISSION),
    "developer_referred_commission_factor": ("decimal", (Decimal(0), Decimal(1))),
    "valid_roll_confiscation": ("bool", None),
    "dispute_window_days": ("int", (0, 365)),
    "channel_report_valid_days": ("int", (1, 365)),
    "channel_max_rereports": ("int", (0, 100)),
    "follow_up_cadence_days": ("cadence", (1, 365)),
    "first_return_call_days": ("int", (1, 365)),
    "retention_months": ("int", (1, 600)),
    "order_source": ("choice", ORDER_SOURCE),
    "designated_turn": ("choice", DESIGNATED_TURN),
    "returning_standin_turn": ("choice", RETURNING_STANDIN_TURN),
    "peer_counts": ("bool", None),
    "makeup_with_own_customer": ("choice", MAKEUP_KINDS),
    "makeup_on_assignment": ("choice", MAKEUP_KINDS),
    "makeup_receiving_uncounted": ("choice", MAKEUP_UNCOUNTED_KINDS),
    "makeup_expires_daily": ("bool", None),
    "phone_duty": ("choice", PHONE_DUTY),
    "phone_lines": ("int", (0, 100)),
    "open_reception_alert_hours": ("int", (1, 24)),
    "small_deposit_min": ("decimal", (Decimal(0), Decimal(10**9))),
    "small_deposit_hold_days": ("int", (1, 3)),
    "small_deposit_refundable": ("bool", None),
    "large_deposit_min": ("decimal", (Decimal(0), Decimal(10**9))),
    "large_deposit_max_ratio": ("decimal", (Decimal(0), Decimal(1))),
    "large_deposit_hold_days": ("int", (3, 7)),
    "discount_limit_salesperson": ("decimal", (Decimal(0), Decimal(1))),
    "discount_limit_supervisor": ("decimal", (Decimal(0), Decimal(1))),
    "discount_limit_manager": ("decimal", (Decimal(0), Decimal(1))),
    "commission_rate": ("decimal", (Decimal(0), Decimal(1))),
    "area_threshold_ratio": ("decimal", (Decimal(0), Decimal(1))),
    "move_in_notice_days": ("int", (14, 365)),
}
assert set(SCHEMA) == FIELD_NAMES


def policy_from_json(data: Mapping[str, Any], *, base: Policy | None = None) -> Policy:
    """Validate JSON values field by field; unknown fields are refused with their names.

    Fields that are absent keep the value of ``base`` (the defaults when no base is given).
    """
    if not isinstance(data, Mapping):
        raise PolicyError({"policy": ("invalid", "must be an object")})
    errors: dict[str, tuple[str, str]] = {}
    values: dict[str, Any] = {}
    for name, raw in data.items():
        if name not in SCHEMA:
            errors[str(name)] = ("unknown_field", "unknown policy field")
            continue
        kind, constraint = SCHEMA[name]
        try:
            values[name] = _parse(kind, constraint, raw)
        except ValueError as error:
            errors[name] = ("invalid", str(error))
    if errors:
        raise PolicyError(errors)
    policy = dataclasses.replace(base or Policy(), **values)
    cross = _cross_check(policy)
    if cross:
        raise PolicyError(cross)
    return policy


def _cross_check(policy: Policy) -> dict[str, tuple[str, str]]:
    errors: dict[str, tuple[str, str]] = {}
    if (
        not policy.discount_limit_salesperson
        <= policy.discount_limit_supervisor
        <= policy.discount_limit_manager
    ):
        errors["discount_limit_supervisor"] = (
            "invalid",
            "discount limits must not decrease from salesperson to supervisor to manager",
        )
    return errors


def _parse(kind: str, constraint: Any, raw: Any) -> Any:
    if kind == "choice":
        if raw not in constraint:
            raise ValueError("must be one of " + ", ".join(constraint))
        return raw
    if kind == "bool":
        if not isinstance(raw, bool):
            raise ValueError("must be true or false")
        return raw
    if kind == "int":
        return _bounded_int(raw, constraint)
    if kind == "optional_int":
        return None if raw is None else _bounded_int(raw, constraint)
    if kind == "decimal":
        return _bounded_decimal(raw, constraint)
    if kind == "time":
        if isinstance(raw, dt.time):
            return raw
        try:
            return dt.time.fromisoformat(str(raw))
        except ValueError:
            raise ValueError("must be a time as HH:MM") from None
    if kind == "days_list":
        if not isinstance(raw, list | tuple):
            raise ValueError("must be a list of whole numbers of days")
        return tuple(sorted({_bounded_int(item, constraint) for item in raw}, reverse=True))
    if kind == "cadence":
        if not isinstance(raw, Mapping) or set(raw) != set(LEVELS):
            raise ValueError("must give days for each level A, B and C")
        return {level: _bounded_int(raw[level], constraint) for level in LEVELS}
    raise AssertionError(kind)


def _bounded_int(raw: Any, bounds: tuple[int, int]) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise ValueError("must be a whole number")
    low, high = bounds
    if not low <= raw <= high:
        raise ValueError(f"must be between {low} and {high}")
    return int(raw)


def _bounded_decimal(raw: Any, bounds: tuple[Decimal, Decimal]) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, int | str | Decimal | float):
        raise ValueError("must be a decimal number")
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        raise ValueError("must be a decimal number") from None
    if not value.is_finite():
        raise ValueError("must be a decimal number")
    low, high = bounds
    if not low <= value <= high:
        raise ValueError(f"must be between {low} and {high}")
    return value
