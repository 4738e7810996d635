"""Forms of the counter and manager pages; each validates its input and hands plain values to
one service (STYLE 4)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from customers.models import Gender, Level, Source
from salesoffice.core.fields import validate_person_name
from salesoffice.core.policy import (
    DESIGNATED_TURN,
    MAKEUP_KINDS,
    MAKEUP_UNCOUNTED_KINDS,
    RETURNING_STANDIN_TURN,
    Policy,
)


class CounterRegistrationForm(forms.Form):
    """REG-01 at the end of a reception: the three basic items (REG-02) and the door's answers."""

    name = forms.CharField(label=_("Name"), max_length=50, validators=[validate_person_name])
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices, widget=forms.RadioSelect)
    phone = forms.CharField(label=_("Phone"), max_length=30)
    other_phone = forms.CharField(label=_("Other phone"), max_length=30, required=False)
    budget = forms.DecimalField(
        label=_("Budget (yuan)"), max_digits=14, decimal_places=2, min_value=0, required=False
    )
    area = forms.CharField(label=_("Area (m²)"), max_length=30, required=False)
    layout = forms.CharField(label=_("Layout"), max_length=50, required=False)
    purpose = forms.CharField(label=_("Purpose"), max_length=100, required=False)
    level = forms.ChoiceField(
        label=_("Level"), choices=Level.choices, initial=Level.C, widget=forms.RadioSelect
    )
    source = forms.ChoiceField(label=_("Source"), choices=Source.choices, initial=Source.WALK_IN)
    said_first_visit = forms.NullBooleanField(label=_("Says it is the first visit"), required=False)
    notice_given = forms.BooleanField(label=_("The privacy notice was shown to the customer"))
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )

    def needs(self) -> dict[str, Any]:
        data = self.cleaned_data
        needs: dict[str, Any] = {"budget": str(data["budget"]) if data.get("budget") is not None else ""}
        needs |= {field: data.get(field, "") for field in ("area", "layout", "purpose")}
        return {key: value for key, value in needs.items() if value}

    def phones(self) -> list[str]:
        return [
            phone for phone in (self.cleaned_data["phone"], self.cleaned_data.get("other_phone", "")) if phone
        ]


class ShiftLogForm(forms.Form):
    """ROTA-08: the outgoing person's entry."""

    text = forms.CharField(
        label=_("What happened"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )
    pending = forms.CharField(
        label=_("Pending for the next shift"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5000,
    )


class PeriodForm(forms.Form):
    """ROTA-09: the report's period (defaults to today)."""

    date_from = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and (end < start or end - start > dt.timedelta(days=366)):
            raise forms.ValidationError(_("Choose a period of at most a year, the start before the end."))
        return data


def _choices(values: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(value, value) for value in values]


class DraftPolicyForm(forms.Form):
    """ROTA-10: the rota's policy fields (policy.md) a manager tries on a recorded day."""

    day = forms.DateField(label=_("Recorded day"), widget=forms.DateInput(attrs={"type": "date"}))
    designated_turn = forms.ChoiceField(
        label=_("A designated customer counts"), choices=_choices(DESIGNATED_TURN)
    )
    returning_standin_turn = forms.ChoiceField(
        label=_("A stand-in for an absent owner"), choices=_choices(RETURNING_STANDIN_TURN)
    )
    peer_counts = forms.BooleanField(label=_("A peer from another project counts"), required=False)
    makeup_with_own_customer = forms.ChoiceField(
        label=_("Make-up after own customer"), choices=_choices(MAKEUP_KINDS)
    )
    makeup_on_assignment = forms.ChoiceField(
        label=_("Make-up after an assignment"), choices=_choices(MAKEUP_KINDS)
    )
    makeup_receiving_uncounted = forms.ChoiceField(
        label=_("Make-up after a reception that did not count"), choices=_choices(MAKEUP_UNCOUNTED_KINDS)
    )

    POLICY_FIELDS = (
        "designated_turn",
        "returning_standin_turn",
        "peer_counts",
        "makeup_with_own_customer",
        "makeup_on_assignment",
        "makeup_receiving_uncounted",
    )

    @classmethod
    def initial_from(cls, policy: Policy, day: dt.date) -> dict[str, Any]:
        return {"day": day} | {name: getattr(policy, name) for name in cls.POLICY_FIELDS}

    def overrides(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.POLICY_FIELDS}
