"""TEAM-01/02: per salesperson and period, the inputs of the performance review (绩效考核) against the
manager's targets, ranked; with the rota figures of ROTA-09 from the reception app."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import TruncDate

from customers.models import FollowUp
from deals.models import CommissionRecord, PerformanceCredit
from reception import selectors as reception_selectors
from salesoffice.reports import rules
from salesoffice.reports.models import Target
from salesoffice.reports.rules import Period
from salesoffice.reports.selectors.activity import ZERO, Figures, activity_report
from salesoffice.reports.selectors.common import Scope


@dataclasses.dataclass(frozen=True)
class TeamRow:
    rank: int
    user_id: int
    name: str
    figures: Figures
    follow_ups_due: int
    follow_ups_on_time: int
    performance: Decimal
    commission: Decimal
    skips: int
    violations: int
    targets: dict[str, Decimal]

    @property
    def punctuality(self) -> Decimal | None:
        """TEAM-01: the share of planned follow-ups done by their planned day."""
        return rules.rate(self.follow_ups_on_time, self.follow_ups_due)

    @property
    def conversion(self) -> Decimal | None:
        """TEAM-01: deposits taken per walk-in received."""
        return rules.rate(self.figures.small_deposits + self.figures.large_deposits, self.figures.walk_ins)

    def achieved(self, metric: str) -> Decimal | None:
        target = self.targets.get(metric)
        return rules.rate(Decimal(self.figures.get(metric)), target) if target else None


@dataclasses.dataclass(frozen=True)
class TeamReport:
    period: Period
    rows: tuple[TeamRow, ...]


def _by_user(rows: object) -> dict[int, Decimal]:
    return {user: total or ZERO for user, total in rows}  # type: ignore[attr-defined]


def team_report(*, scope: Scope, period: Period) -> TeamReport:
    """TEAM-01/02: receptions, valid-registration rate, follow-up punctuality, conversion, deals, performance
    and commission (COMM-01/02), rota skips and violations (ROTA-09), targets of the months the period
    starts in; ranked by contract amount, then contracts."""
    figures = activity_report(scope=scope, period=period)
    after, until = rules.bounds(period, scope.cutoff, scope.tz)
    on_time = FollowUp.objects.annotate(local_day=TruncDate("at", tzinfo=scope.tz)).filter(
        customer=OuterRef("customer"), at__gt=OuterRef("at"), local_day__lte=OuterRef("next_date")
    )
    punctuality = {
        row["salesperson_id"]: (row["due"], row["on_time"])
        for row in FollowUp.objects.using(scope.db)
        .filter(site_id=scope.site.pk, next_date__range=(period.first, period.last))
        .filter(scope.people_q("salesperson_id"))
        .annotate(done=Exists(on_time))
        .values("salesperson_id")
        .annotate(due=Count("pk"), on_time=Count("pk", filter=Q(done=True)))
        .order_by()
    }
    performance = _by_user(
        PerformanceCredit.objects.using(scope.db)
        .filter(site_id=scope.site.pk, at__gt=after, at__lte=until, user__isnull=False)
        .filter(scope.people_q("user_id"))
        .values_list("user_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    commission = _by_user(
        CommissionRecord.objects.using(scope.db)
        .filter(site_id=scope.site.pk, at__gt=after, at__lte=until, user__isnull=False)
        .filter(scope.people_q("user_id"))
        .values_list("user_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    targets: dict[int, dict[str, Decimal]] = {}
    for user_id, metric, value in Target.objects.using(scope.db).filter(
        site_id=scope.site.pk, period=Target.Period.MONTH, starts_on=rules.month_of(period.first).first,
        salesperson__isnull=False,
    ).values_list("salesperson_id", "metric", "value"):  # fmt: skip
        targets.setdefault(user_id, {})[metric] = value
    fairness = reception_selectors.fairness_report(
        site=scope.site, date_from=period.first, date_to=period.last
    )
    rota = {person.user_id: (person.skips, person.violations) for person in fairness.people}
    people = sorted(
        figures.people,
        key=lambda person: (
            -person.figures.contract_amount,
            -person.figures.contracts,
            -person.figures.walk_ins,
            person.name,
        ),
    )
    rows = tuple(
        TeamRow(
            rank=index,
            user_id=person.user_id,
            name=person.name,
            figures=person.figures,
            follow_ups_due=punctuality.get(person.user_id, (0, 0))[0],
            follow_ups_on_time=punctuality.get(person.user_id, (0, 0))[1],
            performance=performance.get(person.user_id, ZERO),
            commission=commission.get(person.user_id, ZERO),
            skips=rota.get(person.user_id, (0, 0))[0],
            violations=rota.get(person.user_id, (0, 0))[1],
            targets=targets.get(person.user_id, {}),
        )
        for index, person in enumerate(people, start=1)
    )
    return TeamReport(period=period, rows=rows)
