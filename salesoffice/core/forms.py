"""The site-policy form: one field per policy field (policy.md), grouped as the spec groups them."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from salesoffice.core.models import ApiToken
from salesoffice.core.policy import SCHEMA, Policy, PolicyError, policy_from_json

LABELS: dict[str, Any] = {
    "daily_cutoff": (_("Daily filing cut-off"), "REG-03"),
    "call_ownership": (_("Who owns a caller"), "OWN-01"),
    "call_protection_days": (_("Call protection (days)"), "OWN-04"),
    "visit_protection_days": (_("Visit protection (days)"), "OWN-04"),
    "registration_validity_days": (_("Registration validity cap (days, empty = none)"), "OWN-04"),
    "no_contact_exemption": (_("Protection holds when the customer asked not to be called"), "OWN-04"),
    "lapse_warning_days": (_("Warn owners this many days before lapse"), "OWN-04"),
    "pool_self_claim": (_("Salespeople may claim public-pool customers"), "OWN-04"),
    "pool_daily_claim_quota": (_("Pool claims per salesperson per day"), "OWN-04"),
    "unrecognised_returning": (_("Unrecognised returning customers"), "OWN-05"),
    "unrecognised_window_days": (_("Window for the time-based rule (days)"), "OWN-05"),
    "referral_window_days": (_("Referred customer must close within (days, empty = no limit)"), "OWN-06"),
    "referral_chain": (_("Referral chains stay with the first salesperson"), "OWN-06"),
    "household_collision": (_("Household collisions"), "OWN-07"),
    "reassignment_other_cause": (_("Reassignment for other causes"), "OWN-08"),
    "standin_same_day_commission": (_("Stand-in closing the same day"), "OWN-10"),
    "developer_referred_commission_factor": (
        _("Commission factor for developer-referred customers"),
        "OWN-13",
    ),
    "valid_roll_confiscation": (_("Unresolved roll disputes: commission to the activity fund"), "OWN-18"),
    "dispute_window_days": (_("Objections allowed until this many days after the deposit"), "DISP-01"),
    "channel_report_valid_days": (_("Channel report validity (days, inclusive)"), "CHAN-02"),
    "channel_max_rereports": (_("Maximum consecutive re-reports"), "CHAN-02"),
    "follow_up_cadence_days": (_("Follow-up cadence by level (days)"), "FUP-02"),
    "first_return_call_days": (_("Return call after the first visit (days)"), "FUP-02"),
    "retention_months": (_("Anonymise inactive customers after (months)"), "SEC-06"),
    "order_source": (_("Queue order"), "ROTA-01"),
    "designated_turn": (_("A designated reception counts as a turn"), "ROTA-02"),
    "returning_standin_turn": (_("Standing in for a returning customer"), "ROTA-02"),
    "peer_counts": (_("A peer from another project counts as a turn"), "ROTA-02"),
    "makeup_with_own_customer": (_("Make-up after serving one's own customer"), "ROTA-03"),
    "makeup_on_assignment": (_("Make-up after a manager's assignment"), "ROTA-03"),
    "makeup_receiving_uncounted": (_("Make-up after an uncounted reception"), "ROTA-03"),
    "makeup_expires_daily": (_("Make-up turns expire at the end of the day"), "ROTA-03"),
    "phone_duty": (_("Who answers the phone"), "ROTA-06"),
    "phone_lines": (_("External phone lines"), "ROTA-06"),
    "open_reception_alert_hours": (_("Flag receptions open longer than (hours)"), "ROTA-05"),
    "small_deposit_min": (_("Small deposit minimum (yuan)"), "DEP-01"),
    "small_deposit_hold_days": (_("Small deposit hold (days)"), "DEP-01"),
    "small_deposit_refundable": (_("Small deposit refundable on expiry"), "DEP-03"),
    "large_deposit_min": (_("Large deposit minimum (yuan)"), "DEP-02"),
    "large_deposit_max_ratio": (_("Large deposit maximum (share of total price)"), "DEP-02"),
    "large_deposit_hold_days": (_("Large deposit hold (days)"), "DEP-02"),
    "discount_limit_salesperson": (_("Discount limit: salesperson"), "DISC-01"),
    "discount_limit_supervisor": (_("Discount limit: supervisor"), "DISC-01"),
    "discount_limit_manager": (_("Discount limit: site manager"), "DISC-01"),
    "commission_rate": (_("Commission rate on the contract amount"), "COMM-02"),
    "area_threshold_ratio": (_("Area adjustment threshold"), "AREA-01"),
    "move_in_notice_days": (_("Move-in notice sent (days before)"), "MOVE-02"),
}

CHOICE_LABELS: dict[str, Any] = {
    "answerer": _("The salesperson who answered"),
    "manager_distributes": _("Registered centrally, the manager distributes"),
    "appointment_only": _("The answerer, only with an appointment entered"),
    "by_presence": _("By what happened at the door"),
    "by_time": _("By the time since the first reception"),
    "split_even": _("Cooperation, 50:50"),
    "first_registrant_performance": _("Performance to the first registrant, commission 50:50"),
    "closest_relative": _("Whoever registered the closest relative"),
    "manager_decides": _("The site manager decides"),
    "even_then_70_30": _("50:50, then 70:30 on later referrals"),
    "owner_all": _("All to the owner"),
    "sign_in": _("Sign-in order"),
    "manager_order": _("Order set by the manager"),
    "continue_yesterday": _("Continue from yesterday"),
    "counts": _("Counts"),
    "counts_if_up_next": _("Counts only if they were up next"),
    "never": _("Never counts"),
    "not_counted": _("Not counted, the stand-in keeps their place"),
    "counted": _("Counted for the stand-in"),
    "once": _("Make up once"),
    "each": _("One make-up per missed turn"),
    "back_of_unreceived": _("Back of those not yet received"),
    "last_k": _("The last in the queue, one per line"),
    "head": _("The head of the queue"),
    "queue": _("Calls follow the walk-in queue"),
}

SECTIONS = (
    (_("Registration and ownership"), "daily_cutoff", "retention_months"),
    (_("Reception rota"), "order_source", "open_reception_alert_hours"),
    (_("Deals and handover"), "small_deposit_min", "move_in_notice_days"),
)


class PolicyForm(forms.Form):
    reason = forms.CharField(label=_("Reason for the change"), max_length=500)

    def __init__(self, *, policy: Policy, editable: bool, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.policy = policy
        for field in dataclasses.fields(Policy):
            self.fields[field.name] = self._form_field(field.name, getattr(policy, field.name))
            self.fields[field.name].disabled = not editable
        self.fields["reason"].disabled = not editable

    def sections(self) -> list[tuple[Any, list[forms.BoundField]]]:
        names = [field.name for field in dataclasses.fields(Policy)]
        grouped = []
        for title, first, last in SECTIONS:
            chosen = names[names.index(first) : names.index(last) + 1]
            grouped.append((title, [self[name] for name in chosen]))
        return grouped

    def _form_field(self, name: str, value: Any) -> forms.Field:
        label, rule = LABELS[name]
        kind, constraint = SCHEMA[name]
        common: dict[str, Any] = {"label": label, "help_text": rule, "initial": _initial(value)}
        if kind == "choice":
            choices = [(option, CHOICE_LABELS[option]) for option in constraint]
            return forms.ChoiceField(choices=choices, **common)
        if kind == "bool":
            return forms.BooleanField(required=False, **common)
        if kind in ("int", "optional_int"):
            low, high = constraint
            return forms.IntegerField(min_value=low, max_value=high, required=kind == "int", **common)
        if kind == "decimal":
            low, high = constraint
            return forms.DecimalField(min_value=low, max_value=high, decimal_places=4, **common)
        if kind == "time":
            return forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"), **common)
        return forms.CharField(**common)  # days_list and cadence are typed as text, checked below

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        try:
            policy_from_json(self._as_json(cleaned), base=self.policy)
        except PolicyError as error:
            for name, (_code, message) in error.errors.items():
                self.add_error(name if name in self.fields else None, message)
        return cleaned

    def policy_changes(self) -> dict[str, Any]:
        return self._as_json(self.cleaned_data)

    def _as_json(self, cleaned: dict[str, Any]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for field in dataclasses.fields(Policy):
            if field.name not in cleaned:
                continue
            kind = SCHEMA[field.name][0]
            values[field.name] = _to_json(kind, cleaned[field.name])
        return values


def _initial(value: Any) -> Any:
    if isinstance(value, tuple):
        return ", ".join(str(item) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{level}={days}" for level, days in value.items())
    return value


def _to_json(kind: str, value: Any) -> Any:
    if kind == "days_list":
        return [_int_or_text(part) for part in str(value).replace("，", ",").split(",") if part.strip()]
    if kind == "cadence":
        pairs = [part.split("=", 1) for part in str(value).replace("，", ",").split(",") if "=" in part]
        return {level.strip().upper(): _int_or_text(days) for level, days in pairs}
    if isinstance(value, Decimal):
        return str(value.normalize())
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    return value


def _int_or_text(text: str) -> int | str:
    text = text.strip()
    return int(text) if text.isdigit() else text


class TokenForm(forms.Form):
    name = forms.CharField(label=_("What the token is for"), max_length=100)
    scope = forms.ChoiceField(label=_("Scope"), choices=ApiToken.Scope.choices, initial=ApiToken.Scope.READ)
