"""R1, UNIT-02/UNIT-03: concurrent withhold/release of one unit in real transactions on PostgreSQL.

Exactly one attempt wins each round; the others get the domain error and change nothing; the status log
holds exactly one row per win and chains from each status to the next.
"""

import itertools
import threading

import pytest
from django.db import connection

from deals import services
from deals.exceptions import TransitionNotAllowed
from deals.models import Unit, UnitStatusChange
from salesoffice.core.roles import Role
from tests.deals.factories import UnitFactory
from tests.factories import MembershipFactory, SiteFactory, UserFactory

THREADS = 8
ROUNDS = 5


def _race(unit_id: int, actor_ids: list[int], verb: str) -> tuple[int, int]:
    barrier = threading.Barrier(len(actor_ids))
    wins: list[int] = []
    losses: list[str] = []
    lock = threading.Lock()

    def attempt(actor_id: int) -> None:
        try:
            actor = UserFactory._meta.model.objects.get(pk=actor_id)
            unit = Unit.objects.get(pk=unit_id)
            barrier.wait(timeout=10)
            getattr(services, f"unit_{verb}")(unit=unit, actor=actor, reason="race")
            with lock:
                wins.append(actor_id)
        except TransitionNotAllowed as error:
            with lock:
                losses.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(actor_id,)) for actor_id in actor_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return len(wins), len(losses)


@pytest.mark.django_db(transaction=True)
def test_r1_unit_02_withhold_release_race_has_one_winner_each_round():
    site = SiteFactory()
    managers = []
    for _ in range(THREADS):
        user = UserFactory()
        MembershipFactory(user=user, site=site, role=Role.MANAGER.value)
        managers.append(user.pk)
    unit = UnitFactory(building__site=site, status=Unit.Status.AVAILABLE)

    for round_number in range(ROUNDS):
        verb, expected = ("withhold", "withheld") if round_number % 2 == 0 else ("release", "available")

        wins, losses = _race(unit.pk, managers, verb)

        assert (wins, losses) == (1, THREADS - 1)
        unit.refresh_from_db()
        assert unit.status == expected

    log = list(UnitStatusChange.objects.filter(unit=unit).order_by("id"))
    assert len(log) == ROUNDS
    assert log[0].from_status == "available"
    for previous, following in itertools.pairwise(log):
        assert previous.to_status == following.from_status
