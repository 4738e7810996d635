"""Forms of the office pages (CHAN-01/02, FUP-03/05/07, OWN-04/09, CUS-05/06, OWN-19): they check the
shape of the input; the services check the rules."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from customers.models import ChannelReport, Customer, FollowUp, Level, Source
from salesoffice.core.fields import validate_person_name
from salesoffice.core.forms import PolicyForm

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


class ChannelReportForm(forms.Form):
    """CHAN-01."""

    customer_name = forms.CharField(
        label=_("Customer's full name or surname"), max_length=50, validators=[validate_person_name]
    )
    masked_phone = forms.RegexField(
        label=_("Mobile (first 3 and last 5 digits)"), regex=r"^1\d{2}\*{3}\d{5}$", max_length=11,
        error_messages={"invalid": _("Write it as 138***88888.")},
        widget=forms.TextInput(attrs={"placeholder": "138***88888", "inputmode": "numeric"}),
    )  # fmt: skip
    team = forms.CharField(label=_("Team"), max_length=100)
    agent_full_name = forms.CharField(
        label=_("Your full name"), max_length=50, validators=[validate_person_name]
    )
    expected_date = forms.DateField(
        label=_("Expected visit date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    expected_period = forms.ChoiceField(
        label=_("Morning or afternoon (a visit today)"),
        choices=[("", "—"), *ChannelReport.Period.choices],
        required=False,
    )
    expected_time = forms.TimeField(
        label=_("Time (a visit today)"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )


class RereportForm(forms.Form):
    """CHAN-02."""

    reason = forms.CharField(label=_("Why the customer did not come"), max_length=2000, widget=forms.Textarea)
    expected_date = forms.DateField(
        label=_("Expected visit date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    expected_period = forms.ChoiceField(
        label=_("Morning or afternoon"), choices=[("", "—"), *ChannelReport.Period.choices], required=False
    )
    expected_time = forms.TimeField(
        label=_("Time"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )


class VerifyForm(forms.Form):
    """CHAN-02: the verifier gives the new expected visit."""

    expected_date = forms.DateField(
        label=_("Expected visit date"), widget=forms.DateInput(attrs={"type": "date"})
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000)


class ChannelCancelForm(ReasonForm):
    """CHAN-05: the reason, and optionally the salesperson the customer goes to."""

    assign_to = forms.IntegerField(label=_("Assign the customer to"), required=False, min_value=1)


class FollowUpForm(forms.Form):
    """FUP-03, FUP-06."""

    at = forms.DateTimeField(
        label=_("Time"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    method = forms.ChoiceField(label=_("Method"), choices=FollowUp.Method.choices)
    reached = forms.BooleanField(label=_("Reached the customer"), required=False)
    content = forms.CharField(label=_("Content"), max_length=2000, required=False, widget=forms.Textarea)
    result = forms.CharField(label=_("Result"), max_length=2000, required=False)
    level = forms.ChoiceField(label=_("Level"), choices=Level.choices)
    next_step = forms.CharField(label=_("Next step"), max_length=200, required=False)
    next_date = forms.DateField(
        label=_("Next follow-up"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    referrals_asked = forms.CharField(
        label=_("Introductions asked for: the answer"), max_length=2000, required=False
    )


class LostForm(forms.Form):
    """FUP-05."""

    reason = forms.ChoiceField(label=_("Why the customer did not buy"), choices=Customer.LostReason.choices)
    note = forms.CharField(label=_("Details"), max_length=2000, required=False)


class PersonalityForm(forms.Form):
    """FUP-07."""

    personality_type = forms.ChoiceField(
        label=_("Personality type"), choices=[("", "—"), *Customer.PersonalityType.choices], required=False
    )


class DistributeForm(forms.Form):
    """OWN-04, OWN-12: distribute the ticked customers in rotation or to one salesperson."""

    customers = forms.TypedMultipleChoiceField(coerce=int, choices=[])
    salesperson = forms.TypedChoiceField(
        label=_("To"), coerce=int, required=False, empty_value=None, choices=[]
    )
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)

    def __init__(self, *args: Any, customer_ids: list[int], salespeople: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["customers"]).choices = [(pk, pk) for pk in customer_ids]
        cast(forms.ChoiceField, self.fields["salesperson"]).choices = [("", _("In rotation"))] + [
            (person.pk, person.get_full_name() or person.username) for person in salespeople
        ]


class DepartureForm(forms.Form):
    """OWN-09."""

    leaver = forms.TypedChoiceField(label=_("Salesperson who left"), coerce=int, choices=[])
    reason = forms.CharField(label=_("Reason"), max_length=500)

    def __init__(self, *args: Any, people: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["leaver"]).choices = [
            (person.pk, person.get_full_name() or person.username) for person in people
        ]


class MergeForm(forms.Form):
    """CUS-05."""

    survivor = forms.IntegerField(label=_("Keep record no."), min_value=1)
    merged = forms.IntegerField(label=_("Merge record no."), min_value=1)
    reason = forms.CharField(label=_("Reason"), max_length=2000)


class ImportForm(forms.Form):
    """CUS-06, SEC-07: an .xlsx file, size-limited and type-checked."""

    file = forms.FileField(label=_("Excel file (.xlsx)"))
    source = forms.ChoiceField(
        label=_("Source"),
        choices=[
            (Source.EXHIBITION.value, Source.EXHIBITION.label),
            (Source.EVENT.value, Source.EVENT.label),
        ],
    )
    activity_code = forms.CharField(label=_("Activity code"), max_length=32, required=False)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        head = upload.read(4)
        upload.seek(0)
        if not upload.name.lower().endswith(".xlsx") or head != b"PK\x03\x04":
            raise forms.ValidationError(_("Upload an Excel .xlsx file."))
        return upload


class ReplayForm(PolicyForm):
    """OWN-19 a: a customer, a moment and a draft policy (the current one unless changed)."""

    customer = forms.IntegerField(label=_("Customer no."), min_value=1)
    moment = forms.DateTimeField(
        label=_("At"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(editable=True, **kwargs)
        self.fields["reason"].required = False
