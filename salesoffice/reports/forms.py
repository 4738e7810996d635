"""Report filters (RPT-09: the same filters on every page, export and API endpoint) and the manager's forms
for marketing activities (MKT-01) and targets (RPT-02, TEAM-01)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from customers.models import Source
from salesoffice.reports import rules
from salesoffice.reports.models import Activity, Target
from salesoffice.reports.rules import Period

GROUPS = (("site", _("Site")), ("salesperson", _("Salesperson")), ("source", _("Source")))
MAX_PERIOD_DAYS = 400
MIN_YEAR, MAX_YEAR = 2000, 2100  # the years a report may ask for


class ReportFilterForm(forms.Form):
    date = forms.DateField(label=_("Day"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    salesperson = forms.IntegerField(
        label=_("Salesperson"), required=False, min_value=1, widget=forms.HiddenInput
    )
    group = forms.ChoiceField(label=_("Group by"), required=False, choices=GROUPS)
    half_year = forms.BooleanField(label=_("Half-year analysis"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("date", "date_from", "date_to"):
            day = data.get(name)
            if day is not None and not MIN_YEAR <= day.year <= MAX_YEAR:
                # R8: a day far out of range would overflow the period's bounds.
                self.add_error(
                    name,
                    _("Choose a day between %(first)s and %(last)s.") % {"first": MIN_YEAR, "last": MAX_YEAR},
                )
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The period ends before it starts."))
        if start and end and (end - start).days > MAX_PERIOD_DAYS:
            raise forms.ValidationError(_("Choose a period of at most 400 days."))
        return data


@dataclasses.dataclass(frozen=True)
class ReportParams:
    """A validated filter: the period, an optional salesperson within the scope, a grouping."""

    period: Period
    salesperson_id: int | None = None
    group: str = "site"
    half_year: bool = False

    def as_query(self) -> dict[str, str]:
        query = {"date_from": self.period.first.isoformat(), "date_to": self.period.last.isoformat()}
        if self.period.kind in (rules.PeriodKind.DAY, rules.PeriodKind.WEEK, rules.PeriodKind.MONTH):
            query = {"date": self.period.first.isoformat()}
        if self.salesperson_id:
            query["salesperson"] = str(self.salesperson_id)
        if self.group != "site":
            query["group"] = self.group
        if self.half_year:
            query["half_year"] = "1"
        return query


# Each report's period: one day, the week or month around the chosen day, or a free range.
PERIOD_OF = {
    "daily": rules.PeriodKind.DAY,
    "weekly": rules.PeriodKind.WEEK,
    "monthly": rules.PeriodKind.MONTH,
}


def report_params(data: Any, *, report: str, today: dt.date) -> tuple[ReportFilterForm, ReportParams]:
    """Read the filter; an invalid one falls back to the report's default period (today, this week, this
    month, or the month to date) and the form carries the errors."""
    form = ReportFilterForm(data or None)
    cleaned: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    kind = PERIOD_OF.get(report, rules.PeriodKind.CUSTOM)
    day = cleaned.get("date") or cleaned.get("date_from") or today
    if kind == rules.PeriodKind.DAY:
        period = rules.day_of(day)
    elif kind == rules.PeriodKind.WEEK:
        period = rules.week_of(day)
    elif kind == rules.PeriodKind.MONTH:
        period = rules.month_of(day)
    elif cleaned.get("date") and not (cleaned.get("date_from") or cleaned.get("date_to")):
        period = Period(rules.PeriodKind.CUSTOM, cleaned["date"], cleaned["date"])
    else:
        start = cleaned.get("date_from") or today.replace(day=1)
        end = cleaned.get("date_to") or max(today, start)
        period = Period(rules.PeriodKind.CUSTOM, start, end)
    return form, ReportParams(
        period=period,
        salesperson_id=cleaned.get("salesperson"),
        group=cleaned.get("group") or "site",
        half_year=bool(cleaned.get("half_year")),
    )


class GroupMonthForm(forms.Form):
    """RPT-03 across sites: the calendar month (``YYYY-MM``); each site counts it by its own cut-off."""

    month = forms.DateField(
        label=_("Month"), required=False, input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )  # fmt: skip

    def clean_month(self) -> dt.date | None:
        month: dt.date | None = self.cleaned_data.get("month")
        if month is not None and not MIN_YEAR <= month.year <= MAX_YEAR:
            raise forms.ValidationError(
                _("Choose a month between %(first)s and %(last)s.") % {"first": MIN_YEAR, "last": MAX_YEAR}
            )
        return month


def group_month(data: Any, *, default: dt.date) -> tuple[GroupMonthForm, Period]:
    """The month asked for, else ``default``'s month; an invalid one falls back too and the form carries the
    errors (the API answers 400 instead)."""
    form = GroupMonthForm(data or None, initial={"month": rules.month_of(default).first})
    month = form.cleaned_data.get("month") if form.is_valid() else None
    return form, rules.month_of(month or default)


class ActivityForm(forms.ModelForm):
    class Meta:
        model = Activity
        fields = [
            "name", "code", "kind", "channel", "starts_on", "ends_on", "budget", "cost", "target_visits",
            "target_deals", "note",
        ]  # fmt: skip
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}),
            "ends_on": forms.DateInput(attrs={"type": "date"}),
            "note": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = Source.choices  # type: ignore[attr-defined]


class TargetForm(forms.Form):
    period = forms.ChoiceField(label=_("Period"), choices=Target.Period.choices)
    starts_on = forms.DateField(label=_("Starts on"), widget=forms.DateInput(attrs={"type": "date"}))
    metric = forms.ChoiceField(label=_("Figure"), choices=Target.Metric.choices)
    salesperson = forms.TypedChoiceField(label=_("Salesperson"), coerce=int, required=False, empty_value=None)
    value = forms.DecimalField(label=_("Target"), min_value=0, max_digits=16, decimal_places=2)

    def __init__(self, *args: Any, people: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices: list[tuple[Any, Any]] = [("", _("Whole site")), *people]
        self.fields["salesperson"].choices = choices  # type: ignore[attr-defined]
