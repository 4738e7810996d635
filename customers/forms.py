"""Forms of the counter: registration, follow-up, dispute and decision."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from customers.models import FollowUp, Gender, Level, Registration, Source
from salesoffice.core.fields import validate_person_name

NEEDS_FIELDS = ("budget", "area", "layout", "purpose")


class RegistrationForm(forms.Form):
    """REG-01/02: the form asks for two numbers and says why (a wrong number voids the record)."""

    kind = forms.ChoiceField(
        label=_("Kind"), choices=Registration.Kind.choices, initial=Registration.Kind.VISIT
    )
    name = forms.CharField(label=_("Name"), max_length=50, validators=[validate_person_name])
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices, initial=Gender.UNKNOWN)
    mobile = forms.CharField(label=_("Mobile"), max_length=30, required=False)
    other_phone = forms.CharField(label=_("Landline or second number"), max_length=30, required=False)
    budget = forms.DecimalField(
        label=_("Budget (10,000 yuan)"), max_digits=10, decimal_places=1, min_value=0, required=False
    )
    area = forms.CharField(label=_("Area (m²)"), max_length=30, required=False)
    layout = forms.CharField(label=_("Layout"), max_length=50, required=False)
    purpose = forms.CharField(label=_("Purpose"), max_length=100, required=False)
    level = forms.ChoiceField(label=_("Level"), choices=Level.choices, initial=Level.C)
    source = forms.ChoiceField(
        label=_("How did they hear of us"), choices=Source.choices, initial=Source.WALK_IN
    )
    said_first_visit = forms.NullBooleanField(
        label=_("First visit?"),
        widget=forms.Select(
            choices=[
                ("unknown", _("Not asked")),
                ("true", _("Yes, first visit")),
                ("false", _("Has been here before")),
            ]
        ),
        required=False,
    )
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )
    informed = forms.BooleanField(label=_("I told the customer how their details are used (privacy notice)"))
    contact_at = forms.DateTimeField(widget=forms.HiddenInput, required=False)

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        needs = {field: str(data[field]) for field in NEEDS_FIELDS if data.get(field) not in (None, "")}
        if "budget" in needs:
            needs["budget"] = str(data["budget"] * 10000)
        return {
            "kind": data["kind"],
            "name": data["name"],
            "gender": data["gender"],
            "phones": [phone for phone in (data["mobile"], data["other_phone"]) if phone],
            "needs": needs,
            "level": data["level"],
            "source": data["source"],
            "said_first_visit": data["said_first_visit"],
            "note": data["note"],
            "contact_at": data["contact_at"] or timezone.now(),
            "customer_id": None,
        }


class FollowUpForm(forms.Form):
    method = forms.ChoiceField(label=_("Method"), choices=FollowUp.Method.choices)
    reached = forms.BooleanField(label=_("Reached the customer"), required=False)
    content = forms.CharField(
        label=_("What was said"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000
    )
    result = forms.CharField(label=_("Result"), max_length=2000, required=False)
    level = forms.ChoiceField(label=_("Level"), choices=Level.choices)
    next_step = forms.CharField(label=_("Next step"), max_length=200, required=False)
    next_date = forms.DateField(
        label=_("Next follow-up"), widget=forms.DateInput(attrs={"type": "date"}), required=False
    )


class DisputeForm(forms.Form):
    claim = forms.CharField(
        label=_("Why this customer is yours (records, dates)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
    )


class DecisionForm(forms.Form):
    """DISP-02: owner and shares (in percent), with a written reason."""

    owner = forms.TypedChoiceField(label=_("Owner"), coerce=int, empty_value=None, required=False)
    split_with = forms.TypedChoiceField(
        label=_("Commission shared with"), coerce=int, empty_value=None, required=False
    )
    owner_share = forms.IntegerField(
        label=_("Owner's share of commission (%)"), min_value=0, max_value=100, initial=100
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)

    def __init__(self, *args: Any, salespeople: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = [(person.pk, person.get_full_name()) for person in salespeople]
        owner_field = self.fields["owner"]
        split_field = self.fields["split_with"]
        assert isinstance(owner_field, forms.TypedChoiceField)
        assert isinstance(split_field, forms.TypedChoiceField)
        owner_field.choices = [("", _("Public pool")), *people]
        split_field.choices = [("", "—"), *people]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("split_with") and cleaned.get("split_with") == cleaned.get("owner"):
            self.add_error("split_with", _("Choose another salesperson."))
        if cleaned.get("split_with") and not cleaned.get("owner"):
            self.add_error("split_with", _("A split needs an owner."))
        return cleaned

    def decision(self) -> dict[str, Any]:
        data = self.cleaned_data
        owner, other = data.get("owner"), data.get("split_with")
        shares = None
        if owner and other:
            shares = {str(owner): str(data["owner_share"]), str(other): str(100 - data["owner_share"])}
        elif owner:
            shares = {str(owner): "100"}
        return {"owner_id": owner, "performance": shares, "commission": shares, "reason": data["reason"]}


class CorrectionForm(forms.Form):
    """SEC-05: the fields a correction may change, and why."""

    name = forms.CharField(label=_("Name"), max_length=50, validators=[validate_person_name])
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices)
    phones = forms.CharField(label=_("Phones (comma-separated)"), max_length=100, required=False)
    level = forms.ChoiceField(label=_("Level"), choices=Level.choices)
    budget = forms.CharField(label=_("Budget (yuan)"), max_length=20, required=False)
    layout = forms.CharField(label=_("Layout"), max_length=50, required=False)
    purpose = forms.CharField(label=_("Purpose"), max_length=100, required=False)
    reason = forms.CharField(
        label=_("Reason for the correction"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )

    @classmethod
    def for_registration(cls, registration: Registration, data: Any = None) -> CorrectionForm:
        initial = {
            "name": registration.name,
            "gender": registration.gender,
            "phones": ", ".join(registration.phones),
            "level": registration.level,
            **{field: registration.needs.get(field, "") for field in ("budget", "layout", "purpose")},
        }
        return cls(data, initial=initial)

    def changes(self, registration: Registration) -> dict[str, Any]:
        """Only what differs from the original goes into the correction."""
        data = self.cleaned_data
        proposed: dict[str, Any] = {
            "name": data["name"],
            "gender": data["gender"],
            "phones": [part.strip() for part in data["phones"].replace("，", ",").split(",") if part.strip()],
            "level": data["level"],
            "needs": {
                **registration.needs,
                **{field: data[field] for field in ("budget", "layout", "purpose") if data[field]},
            },
        }
        return {field: value for field, value in proposed.items() if getattr(registration, field) != value}
