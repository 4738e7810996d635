"""HTML forms of the inventory pages: input checks only (SEC-07); the decisions are in services/rules."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from deals.quotes import LoanType
from deals.selectors import UnitFilters


def _money(label: Any, **options: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, max_digits=14, decimal_places=2, min_value=Decimal("0.01"), **options
    )


def _area(label: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, max_digits=10, decimal_places=2, min_value=Decimal("0.01"), required=False
    )


class BoardFilterForm(forms.Form):
    """UNIT-04 board filters: layout, area range, total price range, batch, status."""

    layout = forms.CharField(label=_("Layout"), required=False, max_length=30)
    area_min = _area(_("Area from (m²)"))
    area_max = _area(_("Area to (m²)"))
    price_min = _money(_("Total from (yuan)"), required=False)
    price_max = _money(_("Total to (yuan)"), required=False)
    sales_batch = forms.CharField(label=_("Sales batch"), required=False, max_length=30)
    status = forms.CharField(label=_("Status"), required=False, max_length=16)

    def filters(self) -> UnitFilters:
        if not self.is_valid():
            return UnitFilters()
        data: dict[str, Any] = self.cleaned_data
        return UnitFilters(
            layout=data["layout"],
            area_min=data["area_min"],
            area_max=data["area_max"],
            price_min=data["price_min"],
            price_max=data["price_max"],
            sales_batch=data["sales_batch"],
            status=data["status"],
        )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)


class BatchForm(forms.Form):
    """UNIT-02: release or withhold a whole sales batch."""

    sales_batch = forms.CharField(label=_("Sales batch"), max_length=30)
    action = forms.ChoiceField(
        label=_("Action"), choices=[("release", _("Release for sale")), ("withhold", _("Withhold"))]
    )
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)


class PriceChangeForm(forms.Form):
    """UNIT-01: a new price per m² or a new total, with a reason."""

    price_per_m2 = _money(_("New price per m² (yuan)"), required=False)
    total = _money(_("Or new total (yuan)"), required=False)
    reason = forms.CharField(label=_("Reason"), max_length=500)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("price_per_m2") is None) == (data.get("total") is None):
            raise forms.ValidationError(_("Give either the price per m² or the total."))
        return data


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Unit list (.xlsx or .csv)"))


class QuoteForm(forms.Form):
    """QUOTE-01 counter calculator inputs; rates in percent a year."""

    unit = forms.IntegerField(label=_("Unit"), widget=forms.HiddenInput)
    loan_type = forms.ChoiceField(
        label=_("Loan"),
        choices=[
            (LoanType.COMMERCIAL.value, _("Commercial loan")),
            (LoanType.PROVIDENT_FUND.value, _("Provident fund loan")),
            (LoanType.COMBINED.value, _("Combined loan")),
            (LoanType.FULL_PAYMENT.value, _("Full payment")),
        ],
        initial=LoanType.COMMERCIAL.value,
    )
    down_payment_ratio = forms.DecimalField(
        label=_("Down payment ratio"), max_digits=4, decimal_places=2, min_value=0, max_value=Decimal("0.99"),
        initial=Decimal("0.30"),
    )  # fmt: skip
    years = forms.IntegerField(label=_("Years"), min_value=1, max_value=30, initial=30)
    commercial_rate = forms.DecimalField(
        label=_("Commercial rate (% a year)"), max_digits=5, decimal_places=3, min_value=0, max_value=20,
        initial=Decimal("3.5"), required=False,
    )  # fmt: skip
    provident_fund_rate = forms.DecimalField(
        label=_("Provident fund rate (% a year)"), max_digits=5, decimal_places=3, min_value=0, max_value=20,
        initial=Decimal("2.85"), required=False,
    )  # fmt: skip
    provident_fund_limit = _money(
        _("Provident fund limit (yuan)"), required=False, initial=Decimal("1000000.00")
    )
    customer_name = forms.CharField(label=_("Customer (for the printout)"), max_length=40, required=False)
