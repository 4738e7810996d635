"""What a report looks like on the page, in the PDF and in Excel (RPT-09): one ``ReportDocument`` of
filters, charts and tables built from a report's dataclasses, so the three outputs always agree."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reception.models import Reception
from salesoffice.reports import charts
from salesoffice.reports.selectors.activity import ActivityReport, Figures
from salesoffice.reports.selectors.drill import DrillRow
from salesoffice.reports.selectors.group import GroupMonthlyReport

Link = Callable[[str, int | None], str]

FIGURE_LABELS: dict[str, Promise] = {
    "walk_ins": gettext_lazy("Walk-ins"),
    "turns": gettext_lazy("Counted turns"),
    "registrations_valid": gettext_lazy("Valid registrations"),
    "registrations_incomplete": gettext_lazy("Incomplete registrations"),
    "calls": gettext_lazy("Calls"),
    "appointments": gettext_lazy("Visits booked by phone"),
    "follow_ups": gettext_lazy("Follow-ups done"),
    "follow_ups_overdue": gettext_lazy("Follow-ups overdue"),
    "small_deposits": gettext_lazy("Small deposits"),
    "small_deposit_amount": gettext_lazy("Small deposits (yuan)"),
    "large_deposits": gettext_lazy("Large deposits"),
    "large_deposit_amount": gettext_lazy("Large deposits (yuan)"),
    "subscriptions": gettext_lazy("Subscriptions"),
    "subscription_amount": gettext_lazy("Subscriptions (yuan)"),
    "contracts": gettext_lazy("Contracts (units)"),
    "contract_area": gettext_lazy("Contract area (m²)"),
    "contract_amount": gettext_lazy("Contract amount (yuan)"),
    "cancellations": gettext_lazy("Cancellations"),
    "money_received": gettext_lazy("Money received (yuan)"),
    "refunded": gettext_lazy("Refunded (yuan)"),
    "forfeited": gettext_lazy("Forfeited (yuan)"),
    "returned_double": gettext_lazy("Returned double (yuan)"),
    "registrations_all": gettext_lazy("Registrations"),
}
CUSTOMER_FIGURES = (
    "walk_ins", "turns", "registrations_valid", "registrations_incomplete", "calls", "appointments",
    "follow_ups", "follow_ups_overdue",
)  # fmt: skip
DEAL_FIGURES = (
    "small_deposits", "small_deposit_amount", "large_deposits", "large_deposit_amount", "subscriptions",
    "contracts", "contract_area", "contract_amount", "cancellations", "money_received",
)  # fmt: skip
# The amount figures drill to the rows of their count.
DRILL_OF = {
    "small_deposit_amount": "small_deposits", "large_deposit_amount": "large_deposits",
    "subscription_amount": "subscriptions", "contract_area": "contracts", "contract_amount": "contracts",
}  # fmt: skip


def text(value: Any) -> str:
    """Figures as a reader expects them: yuan and m² with two decimals and separators, none as a dash."""
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


@dataclasses.dataclass(frozen=True)
class Cell:
    value: Any
    href: str = ""
    label: bool = False
    number: bool = False

    @property
    def text(self) -> str:
        return text(self.value)


def cell(value: Any, href: str = "") -> Cell:
    return Cell(value=value, href=href, number=isinstance(value, int | float | Decimal) and value is not True)


def label(value: Any) -> Cell:
    return Cell(value=str(value), label=True)


@dataclasses.dataclass(frozen=True)
class Table:
    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Cell]]
    note: str = ""
    key_values: bool = False  # label/value pairs rather than a list
    total_row: bool = False  # the last row sums the others

    @property
    def short(self) -> bool:
        """Short tables are kept on one page in the PDF."""
        return len(self.rows) <= 12

    @property
    def columns(self) -> list[tuple[str, bool]]:
        """Headers with whether their column holds numbers (printed right-aligned)."""
        first = self.rows[0] if self.rows else []
        return [
            (header, index < len(first) and first[index].number) for index, header in enumerate(self.headers)
        ]


@dataclasses.dataclass(frozen=True)
class ReportDocument:
    """A report ready to print: title, the rule it implements, the filter as printed, charts and tables."""

    slug: str
    title: str
    rule: str
    site_name: str
    filters: Sequence[tuple[str, str]]
    charts: Sequence[str]
    tables: Sequence[Table]
    generated_at: dt.datetime | None = None
    generated_by: str = ""


def _link(link: Link | None, metric: str, person: int | None) -> str:
    return link(DRILL_OF.get(metric, metric), person) if link else ""


def key_figures(
    title: str, figures: Figures, keys: Sequence[str], link: Link | None, per_row: int = 4,
    extra: Sequence[tuple[str, Any]] = (),
) -> Table:  # fmt: skip
    """Label/value pairs, ``per_row`` to a line, each value linked to its records."""
    rows: list[list[Cell]] = []
    line: list[Cell] = []
    pairs: list[tuple[Any, Cell]] = [
        (FIGURE_LABELS[key], cell(figures.get(key), _link(link, key, None))) for key in keys
    ]
    pairs += [(name, cell(value)) for name, value in extra]
    for name, value in pairs:
        line += [label(name), value]
        if len(line) == per_row * 2:
            rows.append(line)
            line = []
    if line:
        rows.append(line + [Cell("") for _blank in range(per_row * 2 - len(line))])
    return Table(title=title, headers=(), rows=rows, key_values=True)


def people_table(title: str, report: ActivityReport, keys: Sequence[str], link: Link | None) -> Table:
    rows = [
        [label(person.name)]
        + [cell(person.figures.get(key), _link(link, key, person.user_id)) for key in keys]
        for person in report.people
    ]
    rows.append([label(_("Total"))] + [cell(report.totals.get(key), _link(link, key, None)) for key in keys])
    return Table(
        title=title,
        headers=[_("Salesperson"), *(str(FIGURE_LABELS[key]) for key in keys)],
        rows=rows,
        total_row=True,
    )


def buckets_table(title: str, report: ActivityReport, keys: Sequence[str], month: bool = False) -> Table:
    rows = [
        [label(bucket.start.strftime("%Y-%m") if month else f"{bucket.start:%m-%d} {_weekday(bucket.start)}")]
        + [cell(bucket.figures.get(key)) for key in keys]
        for bucket in report.buckets
    ]
    rows.append([label(_("Total"))] + [cell(report.totals.get(key)) for key in keys])
    return Table(
        title=title, headers=[_("Day") if not month else _("Month"), *(str(FIGURE_LABELS[k]) for k in keys)],
        rows=rows, total_row=True,
    )  # fmt: skip


def _weekday(day: dt.date) -> str:
    return str((_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun"))[day.weekday()])


def drill_table(title: str, rows: Sequence[DrillRow], note: str = "") -> Table:
    """Records behind a figure, masked (SEC-02); the amount column only for figures that have one."""
    amounts = any(row.amount is not None for row in rows)
    headers = [_("Time"), _("Number"), _("Customer"), _("Phone"), _("Salesperson")]
    return Table(
        title=title,
        headers=headers + ([_("Amount (yuan)")] if amounts else []),
        rows=[
            [cell(row.at), Cell(row.reference), cell(row.customer), cell(row.phone), cell(row.salesperson)]
            + ([cell(row.amount)] if amounts else [])
            for row in rows
        ],
        note=note,
    )


def daily_document(
    *,
    report: ActivityReport,
    week: ActivityReport | None,
    registrations: Sequence[DrillRow],
    registrations_total: int,
    link: Link | None,
    filters: Sequence[tuple[str, str]],
) -> ReportDocument:
    """RPT-01 (销售日报): key figures with their records, walk-ins by kind, each salesperson's customers and
    deals, the last seven days as a chart, and the day's registrations (masked)."""
    totals = report.totals
    walk_in_labels = dict(Reception.Type.choices)
    tables = [
        key_figures(_("Customers"), totals, CUSTOMER_FIGURES, link),
        key_figures(
            _("Deals and money"),
            totals,
            DEAL_FIGURES,
            link,
            extra=[(_("Units available at close"), report.units_available_at_close)],
        ),
        Table(
            title=_("Walk-ins by kind"),
            headers=[_("Kind"), _("Walk-ins")],
            rows=[
                [label(walk_in_labels.get(kind, kind)), cell(count)]
                for kind, count in report.walk_ins_by_type.items()
            ],
        ),
        people_table(_("Customers by salesperson"), report, CUSTOMER_FIGURES, link),
        people_table(_("Deals by salesperson"), report, DEAL_FIGURES, link),
    ]
    shown = len(registrations)
    note = (
        _("Showing %(shown)s of %(total)s registrations.") % {"shown": shown, "total": registrations_total}
        if registrations_total > shown
        else ""
    )
    tables.append(drill_table(_("Registrations of the day"), registrations, note))
    chart_list = [
        charts.bar_chart(
            _("The day by salesperson"),
            [person.name for person in report.people],
            [
                (str(FIGURE_LABELS["walk_ins"]), [p.figures.walk_ins for p in report.people]),
                (
                    str(FIGURE_LABELS["registrations_valid"]),
                    [p.figures.registrations_valid for p in report.people],
                ),
                (_("Deposits"), [p.figures.small_deposits + p.figures.large_deposits for p in report.people]),
                (str(FIGURE_LABELS["contracts"]), [p.figures.contracts for p in report.people]),
            ],
        )
    ]
    if week is not None:
        chart_list.append(
            charts.line_chart(
                _("The last seven days"),
                [f"{bucket.start:%m-%d}" for bucket in week.buckets],
                [
                    (str(FIGURE_LABELS["walk_ins"]), [b.figures.walk_ins for b in week.buckets]),
                    (
                        str(FIGURE_LABELS["registrations_valid"]),
                        [b.figures.registrations_valid for b in week.buckets],
                    ),
                    (
                        _("Deposits"),
                        [b.figures.small_deposits + b.figures.large_deposits for b in week.buckets],
                    ),
                    (str(FIGURE_LABELS["contracts"]), [b.figures.contracts for b in week.buckets]),
                ],
            )
        )
    return ReportDocument(
        slug="daily", title=_("Daily sales report"), rule="RPT-01", site_name=report.site_name, filters=filters,
        charts=chart_list, tables=tables,
    )  # fmt: skip


def dashboard_context(board: Any, link: Link | None) -> dict[str, Any]:
    """RPT-09: the dashboard's headline figures, charts, approvals and alerts as printable values."""
    from salesoffice.reports.selectors.common import ScopeKind

    scope = board.scope
    context: dict[str, Any] = {
        "heading": _("Reports"),
        "kpis": [],
        "charts": [],
        "alerts": [],
        "approvals": [],
    }
    if scope is None:
        return context
    if board.money is not None:
        money = board.money
        context["heading"] = _("Money")
        context["kpis"] = [
            (_("Received this month (yuan)"), text(money.flows.totals.money_received), ""),
            (_("Deposits held"), text(money.deposits_held), ""),
            (_("Deposits held (yuan)"), text(money.deposits_held_amount), ""),
            (_("Receivable (yuan)"), text(money.receivable), ""),
            (_("Deals with overdue instalments"), text(money.overdue_deals), ""),
            (_("Overdue (yuan)"), text(money.overdue_amount), ""),
        ]
        context["charts"] = [
            charts.bar_chart(
                _("Money received by day"),
                [f"{bucket.start:%d}" for bucket in money.flows.buckets],
                [
                    (
                        _("Money received (yuan)"),
                        [bucket.figures.money_received for bucket in money.flows.buckets],
                    )
                ],
            )
        ]
        context["money_table"] = ReportDocument(
            slug="money",
            title="",
            rule="",
            site_name="",
            filters=(),
            charts=(),
            tables=[money_loans_table(money)],
        )
        return context
    if board.day is None:
        return context
    totals = board.day.totals
    context["heading"] = _("My day") if scope.kind == ScopeKind.OWN else _("The site today")
    keys = (
        "walk_ins", "registrations_valid", "calls", "follow_ups", "follow_ups_overdue", "small_deposits",
        "large_deposits", "contracts", "contract_amount", "money_received",
    )  # fmt: skip
    context["kpis"] = [(FIGURE_LABELS[key], text(totals.get(key)), _link(link, key, None)) for key in keys]
    context["kpis"].append((_("Holds ending today"), text(board.holds_ending_today), ""))
    if board.day.units_available_at_close is not None and scope.kind == ScopeKind.SITE:
        context["kpis"].append((_("Units available"), text(board.day.units_available_at_close), ""))
    week = board.week
    context["charts"] = [
        charts.line_chart(
            _("The last seven days"),
            [f"{bucket.start:%m-%d}" for bucket in week.buckets],
            [
                (str(FIGURE_LABELS["walk_ins"]), [b.figures.walk_ins for b in week.buckets]),
                (
                    str(FIGURE_LABELS["registrations_valid"]),
                    [b.figures.registrations_valid for b in week.buckets],
                ),
                (_("Deposits"), [b.figures.small_deposits + b.figures.large_deposits for b in week.buckets]),
                (str(FIGURE_LABELS["contracts"]), [b.figures.contracts for b in week.buckets]),
            ],
        )
    ]
    if scope.kind != ScopeKind.OWN and board.day.people:
        context["charts"].append(
            charts.bar_chart(
                _("Today by salesperson"),
                [person.name for person in board.day.people],
                [
                    (str(FIGURE_LABELS["walk_ins"]), [p.figures.walk_ins for p in board.day.people]),
                    (
                        str(FIGURE_LABELS["registrations_valid"]),
                        [p.figures.registrations_valid for p in board.day.people],
                    ),
                ],
            )
        )
    from deals.models import ApprovalRequest

    kinds = dict(ApprovalRequest.Kind.choices)
    context["approvals"] = [(kinds.get(kind, kind), count) for kind, count in board.approvals_by_kind.items()]
    for alert in board.alerts:
        if alert.kind == "low_layout":
            context["alerts"].append(
                _("Layout %(layout)s: only %(share)s%% left (UNIT-05)")
                % {"layout": alert.text, "share": alert.count}
            )
        elif alert.kind == "unsold":
            context["alerts"].append(
                _("%(count)s units unsold for a long time (UNIT-05)") % {"count": alert.count}
            )
        else:
            context["alerts"].append(_("%(count)s follow-ups overdue") % {"count": alert.count})
    return context


def money_loans_table(money: Any) -> Table:
    return Table(
        title=_("Loans pending by stage"),
        headers=[_("Stage"), _("Loans"), _("Amount (yuan)")],
        rows=[[label(stage.label), cell(stage.count), cell(stage.amount)] for stage in money.loans],
    )


# --- Weekly and monthly (RPT-02, RPT-03) -------------------------------------------------------------

COMPARED = (
    "walk_ins", "registrations_valid", "calls", "follow_ups", "small_deposits", "large_deposits", "subscriptions",
    "contracts", "contract_area", "contract_amount", "cancellations", "money_received",
)  # fmt: skip
PERIOD_FIGURES = ("walk_ins", "registrations_valid", "calls", "small_deposits", "large_deposits", "contracts",
                  "contract_amount", "money_received")  # fmt: skip


def comparison_table(
    title: str, current: Figures, previous: Figures, targets: dict[str, Decimal], previous_label: str
) -> Table:
    """RPT-02: each figure against the previous period and the manager's target."""
    from salesoffice.reports import rules

    rows = []
    for key in COMPARED:
        now, before = current.get(key), previous.get(key)
        target = targets.get(key)
        rows.append([
            label(FIGURE_LABELS[key]), cell(now), cell(before), cell(_percent(rules.change(now, before))),
            cell(target), cell(_percent(rules.rate(Decimal(now), target) if target else None)),
        ])  # fmt: skip
    return Table(
        title=title,
        headers=[_("Figure"), _("This period"), previous_label, _("Change"), _("Target"), _("Achieved")],
        rows=rows,
    )


def _percent(value: Decimal | None) -> str | None:
    return None if value is None else f"{value}%"


def effects_table(title: str, effects: Sequence[Any]) -> Table:
    """MKT-02: activities side by side with what they brought and what each result cost."""
    return Table(
        title=title,
        headers=[
            _("Activity"),
            _("Code"),
            _("Dates"),
            _("Cost (yuan)"),
            _("Registrations"),
            _("Visits"),
            _("Customers"),
            _("Deposits"),
            _("Deals"),
            _("Deal amount (yuan)"),
            _("Cost per visit"),
            _("Cost per deal"),
            _("Visits vs target"),
        ],
        rows=[
            [
                label(effect.name),
                Cell(effect.code),
                Cell(f"{effect.starts_on:%m-%d} – {effect.ends_on:%m-%d}"),
                cell(effect.cost),
                cell(effect.registrations),
                cell(effect.visits),
                cell(effect.customers),
                cell(effect.deposits),
                cell(effect.deals),
                cell(effect.deal_amount),
                cell(effect.cost_per_visit),
                cell(effect.cost_per_deal),
                Cell(f"{effect.visits}/{effect.target_visits}" if effect.target_visits else "—"),
            ]
            for effect in effects
        ],
    )


def period_document(
    *, slug: str, title: str, rule: str, report: ActivityReport, previous: ActivityReport,
    targets: dict[str, Decimal], effects: Sequence[Any], link: Link | None, filters: Sequence[tuple[str, str]],
    previous_label: str, extra_tables: Sequence[Table] = (), extra_charts: Sequence[str] = (),
) -> ReportDocument:  # fmt: skip
    """RPT-02/RPT-03: the period by day and salesperson against the previous period and the target, with the
    marketing activities of the period and their effect."""
    tables = [
        comparison_table(
            _("Against the previous period and the target"),
            report.totals,
            previous.totals,
            targets,
            previous_label,
        ),
        buckets_table(_("By day"), report, PERIOD_FIGURES),
        people_table(_("By salesperson"), report, PERIOD_FIGURES, link),
        effects_table(_("Marketing activities and their effect"), effects),
        *extra_tables,
    ]
    chart_list = [
        charts.line_chart(
            _("By day"),
            [f"{bucket.start:%m-%d}" for bucket in report.buckets],
            [
                (str(FIGURE_LABELS["walk_ins"]), [b.figures.walk_ins for b in report.buckets]),
                (
                    str(FIGURE_LABELS["registrations_valid"]),
                    [b.figures.registrations_valid for b in report.buckets],
                ),
                (
                    _("Deposits"),
                    [b.figures.small_deposits + b.figures.large_deposits for b in report.buckets],
                ),
                (str(FIGURE_LABELS["contracts"]), [b.figures.contracts for b in report.buckets]),
            ],
        ),
        charts.bar_chart(
            _("By salesperson"),
            [person.name for person in report.people],
            [
                (str(FIGURE_LABELS["walk_ins"]), [p.figures.walk_ins for p in report.people]),
                (str(FIGURE_LABELS["contracts"]), [p.figures.contracts for p in report.people]),
            ],
        ),
        *extra_charts,
    ]
    return ReportDocument(slug=slug, title=title, rule=rule, site_name=report.site_name, filters=filters,
                          charts=chart_list, tables=tables)  # fmt: skip


# --- Monthly report across sites (RPT-03) -------------------------------------------------------------

GROUP_CUSTOMER_FIGURES = (
    "walk_ins",
    "registrations_valid",
    "registrations_incomplete",
    "calls",
    "follow_ups",
)
GROUP_DEAL_FIGURES = (
    "small_deposits", "small_deposit_amount", "large_deposits", "large_deposit_amount", "subscriptions",
    "contracts", "contract_area", "contract_amount", "cancellations", "money_received",
)  # fmt: skip
GROUP_CHART_SITES = 10


def group_monthly_document(
    report: GroupMonthlyReport, *, title: str, group_name: str, filters: Sequence[tuple[str, str]]
) -> ReportDocument:
    """RPT-03 across sites (集团营销月报): one row per site and the total, customers in one table and deals and
    money in the other (the units available at the month's close last), and the leading sites as a chart.
    The page links each row to the site's own monthly report, where every figure drills to its records."""

    def by_site(table_title: str, keys: Sequence[str], units: bool = False) -> Table:
        rows = [
            [label(row.site_name), *(cell(row.figures.get(key)) for key in keys)]
            + ([cell(row.units_available_at_close)] if units else [])
            for row in report.rows
        ]
        rows.append(
            [label(_("Total")), *(cell(report.totals.get(key)) for key in keys)]
            + ([cell(report.units_available_at_close)] if units else [])
        )
        headers = [_("Site"), *(str(FIGURE_LABELS[key]) for key in keys)]
        return Table(
            title=table_title,
            headers=headers + ([_("Units available at month end")] if units else []),
            rows=rows,
            total_row=True,
        )

    leading = sorted(
        report.rows, key=lambda row: (-row.figures.contract_amount, -row.figures.walk_ins, row.site_name)
    )[:GROUP_CHART_SITES]
    chart = charts.bar_chart(
        _("Leading sites by contract amount"),
        [row.site_name for row in leading],
        [(str(FIGURE_LABELS["contract_amount"]), [row.figures.contract_amount for row in leading])],
        width=900,
    )
    return ReportDocument(
        slug="group_monthly", title=title, rule="RPT-03", site_name=group_name, filters=filters, charts=[chart],
        tables=[
            by_site(_("Customers by site"), GROUP_CUSTOMER_FIGURES),
            by_site(_("Deals and money by site"), GROUP_DEAL_FIGURES, units=True),
        ],
    )  # fmt: skip


# --- Funnel, sources, inventory, money, team, marketing (RPT-04..07, TEAM, MKT) ------------------------


def funnel_document(funnel: Any, site_name: str, filters: Sequence[tuple[str, str]]) -> ReportDocument:
    from salesoffice.reports.selectors.funnel import STAGES

    names = {
        "first_call": _("Calls"), "first_visit": _("First visits"), "return_visit": _("Repeat visits"),
        "small_deposit": _("Small deposits"), "large_deposit": _("Large deposits"), "contract": _("Contracts"),
    }  # fmt: skip
    counts = Table(
        title=_("Customers reaching each stage"),
        headers=[_("Group"), _("Customers"), *(names[stage] for stage in STAGES)],
        rows=[
            [label(row.label), cell(row.customers), *(cell(row.stages[s]) for s in STAGES)]
            for row in funnel.rows
        ],
    )
    conversions = Table(
        title=_("Conversion from the previous stage and median days"),
        headers=[
            _("Group"),
            *(f"{names[s]} %" for s in STAGES[1:]),
            *(f"{names[s]} ({_('days')})" for s in STAGES[1:]),
        ],
        rows=[
            [
                label(row.label),
                *(cell(_percent(row.conversions[s])) for s in STAGES[1:]),
                *(cell(row.median_days[s]) for s in STAGES[1:]),
            ]
            for row in funnel.rows
        ],
    )
    first = funnel.rows[0] if funnel.rows else None
    chart_list = []
    if first is not None:
        chart_list.append(
            charts.bar_chart(
                _("Funnel"),
                [str(names[s]) for s in STAGES],
                [(first.label, [first.stages[s] for s in STAGES])],
            )
        )
    return ReportDocument(slug="funnel", title=_("Sales funnel"), rule="RPT-04", site_name=site_name, filters=filters,
                          charts=chart_list, tables=[counts, conversions])  # fmt: skip


def sources_table(title: str, sources: Any) -> Table:
    return Table(
        title=title,
        headers=[
            _("Source"),
            _("Registrations"),
            _("Visits"),
            _("Calls"),
            _("Deposits"),
            _("Deals"),
            _("Deal amount (yuan)"),
            _("Cost (yuan)"),
            _("Cost per visit"),
            _("Cost per deal"),
        ],
        rows=[
            [
                label(row.label),
                cell(row.registrations),
                cell(row.visits),
                cell(row.calls),
                cell(row.deposits),
                cell(row.deals),
                cell(row.deal_amount),
                cell(row.cost),
                cell(row.cost_per_visit),
                cell(row.cost_per_deal),
            ]
            for row in sources.rows
        ],
    )


def sources_document(
    sources: Any, effects: Sequence[Any], site_name: str, filters: Sequence[tuple[str, str]]
) -> ReportDocument:
    chart = charts.bar_chart(
        _("Visits and deals by source"), [row.label for row in sources.rows],
        [(_("Visits"), [row.visits for row in sources.rows]), (_("Deals"), [row.deals for row in sources.rows])],
    )  # fmt: skip
    return ReportDocument(
        slug="sources", title=_("Sources"), rule="RPT-05", site_name=site_name, filters=filters, charts=[chart],
        tables=[sources_table(_("By source"), sources), effects_table(_("By activity"), effects)],
    )  # fmt: skip


def inventory_document(
    inventory: Any, alerts: Sequence[str], site_name: str, filters: Sequence[tuple[str, str]]
) -> ReportDocument:
    from deals.models import Unit

    statuses = dict(Unit.Status.choices)

    def grouped(title: str, rows: Sequence[Any], first: str, labels: dict[str, Any] | None = None) -> Table:
        return Table(
            title=title,
            headers=[
                first,
                _("Units"),
                _("Remaining"),
                _("Remaining %"),
                _("Sold"),
                _("Area (m²)"),
                _("List value (yuan)"),
                _("Remaining value (yuan)"),
            ],
            rows=[
                [
                    label((labels or {}).get(row.key, row.key) or "—"),
                    cell(row.units),
                    cell(row.remaining),
                    cell(_percent(row.remaining_share)),
                    cell(row.sold),
                    cell(row.area),
                    cell(row.list_value),
                    cell(row.remaining_value),
                ]
                for row in rows
            ],
        )

    summary = Table(
        title=_("Sales and remaining value"),
        headers=(),
        rows=[
            [
                label(_("Units")),
                cell(inventory.total.units),
                label(_("Remaining")),
                cell(inventory.total.remaining),
                label(_("Remaining value (yuan)")),
                cell(inventory.total.remaining_value),
            ],
            [
                label(_("Sold units")),
                cell(inventory.sold_units),
                label(_("Sold area (m²)")),
                cell(inventory.sold_area),
                label(_("Sold amount (yuan)")),
                cell(inventory.sold_amount),
            ],
            [
                label(_("Average price per m²")),
                cell(inventory.average_price_per_m2),
                label(_("Average list price per m²")),
                cell(inventory.average_list_price_per_m2),
                Cell(""),
                Cell(""),
            ],
        ],
        key_values=True,
    )
    tables = [
        summary,
        grouped(_("By status"), inventory.by_status, _("Status"), statuses),
        grouped(_("By layout"), inventory.by_layout, _("Layout")),
        grouped(_("By sales batch"), inventory.by_batch, _("Sales batch")),
        grouped(_("By price band (from, yuan)"), inventory.by_price_band, _("Price band")),
        Table(title=_("Alerts (UNIT-05)"), headers=[_("Alert")], rows=[[Cell(line)] for line in alerts]),
    ]
    chart = charts.bar_chart(
        _("Units by layout"), [row.key for row in inventory.by_layout],
        [(_("Units"), [row.units for row in inventory.by_layout]), (_("Remaining"), [row.remaining for row in inventory.by_layout])],
    )  # fmt: skip
    return ReportDocument(slug="inventory", title=_("Inventory"), rule="RPT-06", site_name=site_name, filters=filters,
                          charts=[chart], tables=tables)  # fmt: skip


def money_document(
    money: Any, personal: bool, link: Link | None, site_name: str, filters: Sequence[tuple[str, str]]
) -> ReportDocument:
    flows = money.flows.totals
    summary = Table(
        title=_("Deposits and money"),
        headers=(),
        rows=[
            [
                label(_("Deposits held")),
                cell(money.deposits_held),
                label(_("Deposits held (yuan)")),
                cell(money.deposits_held_amount),
                label(_("Money received (yuan)")),
                cell(flows.money_received, _link(link, "money_received", None)),
            ],
            [
                label(FIGURE_LABELS["small_deposit_amount"]),
                cell(flows.small_deposit_amount, _link(link, "small_deposits", None)),
                label(FIGURE_LABELS["large_deposit_amount"]),
                cell(flows.large_deposit_amount, _link(link, "large_deposits", None)),
                label(FIGURE_LABELS["refunded"]),
                cell(flows.refunded, _link(link, "refunded", None)),
            ],
            [
                label(FIGURE_LABELS["forfeited"]),
                cell(flows.forfeited, _link(link, "forfeited", None)),
                label(FIGURE_LABELS["returned_double"]),
                cell(flows.returned_double, _link(link, "returned_double", None)),
                label(_("Contract value (yuan)")),
                cell(money.contracts_value),
            ],
            [
                label(_("Receivable (yuan)")),
                cell(money.receivable),
                label(_("Deals with overdue instalments")),
                cell(money.overdue_deals),
                label(_("Overdue (yuan)")),
                cell(money.overdue_amount),
            ],
        ],
        key_values=True,
    )
    tables = [summary, money_loans_table(money)]
    if personal:
        tables.append(
            Table(
                title=_("Overdue instalments"),
                headers=[
                    _("Unit"),
                    _("Customer"),
                    _("Price (yuan)"),
                    _("Due (yuan)"),
                    _("Paid (yuan)"),
                    _("Overdue (yuan)"),
                ],
                rows=[
                    [
                        Cell(row.unit),
                        Cell(row.customer),
                        cell(row.price),
                        cell(row.due),
                        cell(row.paid),
                        cell(row.overdue),
                    ]
                    for row in money.overdue_list
                ],
            )
        )
    chart = charts.bar_chart(
        _("Money received by day"), [f"{b.start:%m-%d}" for b in money.flows.buckets],
        [(_("Money received (yuan)"), [b.figures.money_received for b in money.flows.buckets])],
    )  # fmt: skip
    return ReportDocument(slug="money", title=_("Money"), rule="RPT-07", site_name=site_name, filters=filters,
                          charts=[chart], tables=tables)  # fmt: skip


def team_document(
    team: Any, site_name: str, filters: Sequence[tuple[str, str]], link: Link | None
) -> ReportDocument:
    rows = [
        [
            cell(row.rank),
            label(row.name),
            cell(row.figures.walk_ins),
            cell(_percent(row.figures.valid_rate)),
            cell(_percent(row.punctuality)),
            cell(_percent(row.conversion)),
            cell(row.figures.contracts),
            cell(row.figures.contract_amount),
            cell(row.targets.get("contract_amount")),
            cell(_percent(row.achieved("contract_amount"))),
            cell(row.performance),
            cell(row.commission),
            cell(row.skips),
            cell(row.violations),
        ]
        for row in team.rows
    ]
    table = Table(
        title=_("Ranking"),
        headers=[
            _("Rank"),
            _("Salesperson"),
            _("Walk-ins"),
            _("Valid rate"),
            _("Follow-ups on time"),
            _("Conversion"),
            _("Contracts"),
            _("Contract amount (yuan)"),
            _("Target (yuan)"),
            _("Achieved"),
            _("Performance (yuan)"),
            _("Commission (yuan)"),
            _("Rota skips"),
            _("Rota violations"),
        ],
        rows=rows,
    )
    chart = charts.bar_chart(
        _("Contract amount by salesperson"), [row.name for row in team.rows],
        [(_("Contract amount (yuan)"), [row.figures.contract_amount for row in team.rows])],
    )  # fmt: skip
    return ReportDocument(slug="team", title=_("Team"), rule="TEAM-01 · TEAM-02 · ROTA-09", site_name=site_name,
                          filters=filters, charts=[chart], tables=[table])  # fmt: skip


def marketing_document(
    effects: Sequence[Any], site_name: str, filters: Sequence[tuple[str, str]]
) -> ReportDocument:
    chart = charts.bar_chart(
        _("Cost per visit and per deal"), [effect.code for effect in effects],
        [(_("Cost per visit"), [effect.cost_per_visit or 0 for effect in effects]),
         (_("Cost per deal"), [effect.cost_per_deal or 0 for effect in effects])],
    )  # fmt: skip
    return ReportDocument(slug="marketing", title=_("Marketing effect"), rule="MKT-02", site_name=site_name,
                          filters=filters, charts=[chart], tables=[effects_table(_("Activities compared"), effects)])  # fmt: skip


SERVICE_COLUMNS = (
    ("orders", _("Work orders")),
    ("response_on_time_pct", _("Responded on time (%)")),
    ("avg_response_hours", _("Average response (h)")),
    ("completed", _("Completed")),
    ("completion_on_time_pct", _("Completed on time (%)")),
    ("avg_completion_hours", _("Average completion (h)")),
    ("reopen_rate_pct", _("Reopened (%)")),
    ("chargeable", _("Chargeable")),
)


def _service_table(title: str, rows: Sequence[dict[str, Any]], first: str) -> Table:
    return Table(
        title=title,
        headers=[first, *(name for _key, name in SERVICE_COLUMNS)],
        rows=[
            [label(row["key"] or "—"), *(cell(row[key]) for key, _name in SERVICE_COLUMNS)] for row in rows
        ],
    )


def service_document(
    statistics: dict[str, Any], site_name: str, filters: Sequence[tuple[str, str]]
) -> ReportDocument:
    """RPT-08: work orders against their targets, complaints and satisfaction (SVC-06, SVC-08)."""
    complaints = statistics["complaints"]
    satisfaction = statistics["satisfaction"]
    average = satisfaction["average"]
    summary = Table(
        title=_("Service at a glance"),
        headers=(),
        rows=[
            [label(name), cell(statistics["totals"][key])] for key, name in SERVICE_COLUMNS
        ] + [
            [label(_("Complaints")), cell(complaints["complaints"])],
            [label(_("Complaints closed")), cell(complaints["closed"])],
            [label(_("Complaints escalated")), cell(complaints["escalated"])],
            [label(_("Average resolution (h)")), cell(complaints["avg_resolution_hours"])],
            [label(_("Survey responses")), cell(satisfaction["responses"])],
            [label(_("Average score")), cell(round(float(average), 2) if average is not None else None)],
            [label(_("Low scores")), cell(satisfaction["low"])],
        ],
        key_values=True,
    )  # fmt: skip
    tables = [
        summary,
        _service_table(_("By category"), statistics["category"], _("Category")),
        _service_table(_("By building"), statistics["building"], _("Building")),
        _service_table(_("By worker"), statistics["worker"], _("Repair worker")),
    ]
    months = statistics["month"]
    chart = charts.bar_chart(
        _("Work orders by month"), [f"{row['key']:%Y-%m}" for row in months if row["key"]],
        [(_("Work orders"), [row["orders"] for row in months if row["key"]])],
    )  # fmt: skip
    return ReportDocument(slug="service", title=_("Service"), rule="RPT-08", site_name=site_name,
                          filters=filters, charts=[chart], tables=tables)  # fmt: skip
