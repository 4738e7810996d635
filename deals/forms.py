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


# --- Deal pages (DEP, DISC, CON, PAY): input checks only ---

METHOD_CHOICES = [
    ("cash", _("Cash")), ("card", _("Bank card")), ("transfer", _("Bank transfer")),
    ("wechat", _("WeChat Pay")), ("alipay", _("Alipay")),
]  # fmt: skip


class DepositForm(forms.Form):
    """DEP-01/02: a deposit for a customer picked by the lookup."""

    customer = forms.IntegerField(label=_("Customer"), widget=forms.HiddenInput)
    kind = forms.ChoiceField(
        label=_("Deposit"), choices=[("small", _("Small deposit")), ("large", _("Large deposit"))]
    )
    amount = _money(_("Amount (yuan)"))
    method = forms.ChoiceField(label=_("Paid by"), choices=METHOD_CHOICES)
    top_up_due_on = forms.DateField(
        label=_("Agreed top-up date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class TopUpForm(forms.Form):
    """DEP-04: the large deposit's total (what is already paid counts)."""

    large_amount = _money(_("Large deposit total (yuan)"))
    method = forms.ChoiceField(label=_("Paid by"), choices=METHOD_CHOICES)


class UnitChangeForm(forms.Form):
    """DEP-05."""

    to_unit = forms.IntegerField(label=_("New unit"))
    reason = forms.CharField(label=_("Reason"), max_length=500)
    approval = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ApprovalRequestForm(forms.Form):
    """DISC-02 and the other requests to the site manager."""

    kind = forms.ChoiceField(
        label=_("Request"),
        choices=[
            ("discount", _("Discount")), ("unit_change", _("Unit change")), ("hold_extension", _("Hold extension")),
            ("forfeiture_waiver", _("Forfeiture waiver")), ("cancellation", _("Cancellation")),
        ],
    )  # fmt: skip
    requested_price = _money(_("Requested price (yuan)"), required=False)
    target_unit = forms.IntegerField(label=_("New unit"), required=False)
    requested_until = forms.DateTimeField(
        label=_("Extend to"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    settlement = forms.ChoiceField(
        label=_("Settlement"), required=False,
        choices=[("", "—"), ("refund", _("Refund what was paid")), ("buyer", _("Buyer walks away: deposit forfeited")), ("developer", _("Developer cannot sell: double deposit returned"))],
    )  # fmt: skip
    reason = forms.CharField(label=_("Reason"), max_length=500)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("approve", _("Approve")), ("change", _("Change")), ("refuse", _("Refuse"))]
    )
    note = forms.CharField(label=_("Reason"), max_length=500, required=False)
    approved_price = _money(_("Approved price (yuan)"), required=False)
    developer_approval = forms.CharField(
        label=_("Developer approval reference"), max_length=200, required=False
    )


class SubscriptionForm(forms.Form):
    """CON-01: the first buyer's ID (more buyers through the API)."""

    name = forms.CharField(label=_("Buyer"), max_length=50)
    id_type = forms.ChoiceField(
        label=_("ID document"),
        choices=[("resident_id", _("Resident ID card")), ("passport", _("Passport")), ("hk_macau_permit", _("Hong Kong/Macau permit")), ("taiwan_permit", _("Taiwan permit")), ("other", _("Other"))],
    )  # fmt: skip
    id_number = forms.CharField(label=_("ID number"), max_length=40)
    payment_method = forms.ChoiceField(
        label=_("Payment method"),
        choices=[
            ("mortgage", _("Mortgage")),
            ("full_payment", _("Full payment")),
            ("instalments", _("Instalments")),
        ],
    )
    discount_approval = forms.IntegerField(required=False, widget=forms.HiddenInput)
    documents_to_bring = forms.CharField(label=_("Documents to bring"), max_length=500, required=False)
    by_agent = forms.BooleanField(label=_("Represented by an agent"), required=False)


class PaymentForm(forms.Form):
    """PAY-01: finance records money received."""

    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[("instalment", _("Instalment")), ("loan_release", _("Loan release")), ("area_adjustment", _("Area adjustment")), ("fee", _("Fee"))],
    )  # fmt: skip
    amount = _money(_("Amount (yuan)"))
    payer = forms.CharField(label=_("Payer"), max_length=100)
    method = forms.ChoiceField(label=_("Method"), choices=[*METHOD_CHOICES, ("loan", _("Bank loan"))])
