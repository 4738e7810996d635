"""OWN-07: two salespeople registered members of one household without knowing (撞单, 交叉客户).

Runs after every customer's own verdict is known. A link recorded before the later registration is not
a collision: the first registrant already owns the whole family (OWN-07 last sentence, see the engine).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence

from customers.ownership.facts import Relation
from customers.ownership.shares import Shares, split_even, whole
from salesoffice.core.policy import Policy

# Spouses and parents with children make a household; siblings and other relatives keep separate
# households, where the name on the deal decides (OWN-07), except for the closeness ranking of option C.
HOUSEHOLD_RELATIONS = ("spouse", "parent", "child")
# OWN-07 C ("直系亲属区分顺序:配偶、父母、子女、兄弟姐妹、其他亲属"); the buyer themself ranks first (D-AMB-14).
CLOSENESS = {"self": 0, "spouse": 1, "parent": 2, "child": 3, "sibling": 4, "relative": 5}
_UNRELATED = len(CLOSENESS)
_INVERSE = {"parent": "child", "child": "parent"}


@dataclasses.dataclass(frozen=True)
class Member:
    """A customer's own verdict, as far as collisions need it. ``settled``: the manager set the shares."""

    customer: str
    owner: str | None
    since: dt.datetime | None
    settled: bool


@dataclasses.dataclass(frozen=True)
class Settlement:
    """The collision outcome for one member: owner and shares, the links that decided it, and the
    member whose registration the owner comes from (``follows``).
    """

    owner: str
    performance: Shares
    commission: Shares
    relations: tuple[str, ...]
    awaiting_decision: str | None
    follows: str


def settle_collisions(
    members: Mapping[str, Member], relations: Sequence[Relation], policy: Policy
) -> dict[str, Settlement]:
    """OWN-07 options A (split_even), B (first_registrant_performance), C (closest_relative), D (manager_decides)."""
    kinds = tuple(CLOSENESS) if policy.household_collision == "closest_relative" else HOUSEHOLD_RELATIONS
    links = sorted(
        (relation for relation in relations if relation.relation in kinds), key=lambda link: link.id
    )
    settlements: dict[str, Settlement] = {}
    for component in _components(links):
        settlements.update(_settle_component(component, members, links, policy))
    return settlements


def _settle_component(
    component: list[str], members: Mapping[str, Member], links: Sequence[Relation], policy: Policy
) -> dict[str, Settlement]:
    owned = sorted(
        (members[customer] for customer in component if customer in members and members[customer].owner),
        key=lambda member: (member.since or dt.datetime.max.replace(tzinfo=dt.UTC), member.customer),
    )
    registrants = list(dict.fromkeys(member.owner for member in owned if member.owner))
    if len(registrants) < 2:
        return {}
    link_ids = tuple(link.id for link in links if link.a in component)
    settlements: dict[str, Settlement] = {}
    for customer in component:
        member = members.get(customer)
        if member is None or member.settled:
            continue
        if policy.household_collision == "closest_relative":
            closest = _closest_registered(customer, owned, links)
            assert closest.owner is not None
            owner = closest.owner
            settlements[customer] = Settlement(
                owner, whole(owner), whole(owner), link_ids, None, closest.customer
            )
        elif member.owner is None:
            continue
        elif policy.household_collision == "split_even":
            even = split_even(registrants)
            settlements[customer] = Settlement(member.owner, even, even, link_ids, None, customer)
        elif policy.household_collision == "first_registrant_performance":
            settlements[customer] = Settlement(
                member.owner, whole(registrants[0]), split_even(registrants), link_ids, None, customer
            )
        else:
            own = whole(member.owner)
            settlements[customer] = Settlement(member.owner, own, own, link_ids, "OWN-07", customer)
    return settlements


def _closest_registered(buyer: str, owned: Sequence[Member], links: Sequence[Relation]) -> Member:
    """D-AMB-14: rank each registered member by closeness to the buyer (the buyer first); ties go to
    the earlier registrant. A registered buyer therefore keeps their own registrant; an unregistered or
    lapsed buyer goes to the registrant of their closest relative.
    """
    return min(owned, key=lambda member: _closeness(buyer, member.customer, links))


def _closeness(buyer: str, relative: str, links: Sequence[Relation]) -> int:
    if buyer == relative:
        return CLOSENESS["self"]
    ranks = [_UNRELATED]
    for link in links:
        if (link.a, link.b) == (buyer, relative):
            ranks.append(CLOSENESS[link.relation])
        elif (link.a, link.b) == (relative, buyer):
            ranks.append(CLOSENESS[_INVERSE.get(link.relation, link.relation)])
    return min(ranks)


def _components(links: Sequence[Relation]) -> list[list[str]]:
    parent: dict[str, str] = {}

    def root(customer: str) -> str:
        while parent.setdefault(customer, customer) != customer:
            customer = parent[customer]
        return customer

    for link in links:
        first, second = sorted((root(link.a), root(link.b)))
        parent[second] = first
    groups: dict[str, list[str]] = {}
    for customer in sorted(parent):
        groups.setdefault(root(customer), []).append(customer)
    return list(groups.values())
