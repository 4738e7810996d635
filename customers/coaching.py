"""FUP-07: the twelve personality types of the source documents, each with a one-sentence
coaching note shown on the customer's follow-up page. Guidance only: no rule depends on them."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

COACHING_NOTES = {
    "unhurried": _(
        "Calm and deliberate (从容不迫): explain facts and figures patiently and let them decide at their own pace."
    ),
    "indecisive": _(
        "Hesitant (优柔寡断): narrow the choice to one or two units and give a clear, confident recommendation."
    ),
    "boastful": _(
        "Likes to show off (自我吹嘘): listen, acknowledge their knowledge and let them feel the decision is theirs."
    ),
    "decisive": _(
        "Straightforward and decisive (豪爽干脆): be brief, quote clearly and move quickly to the deposit."
    ),
    "talkative": _(
        "Talkative (喋喋不休): listen politely but steer each conversation back to the unit and the next step."
    ),
    "taciturn": _(
        "Quiet (沉默寡言): ask simple open questions and watch reactions instead of talking at them."
    ),
    "faultfinding": _(
        "Fault-finding (吹毛求疵): admit small flaws honestly and answer every objection with evidence."
    ),
    "insincere": _(
        "Insincere (虚情假意): stay courteous, confirm every promise in writing and do not give ground too early."
    ),
    "aloof": _(
        "Cold and proud (冷淡傲慢): stay professional and respectful, let the product's quality speak."
    ),
    "impulsive": _(
        "Impulsive (情感冲动): use the moment of enthusiasm but state the conditions clearly to avoid later regret."
    ),
    "resentful": _(
        "Resentful (心怀怨恨): let them air complaints first, acknowledge them, then talk about the home."
    ),
    "slippery": _(
        "Shrewd and hard to pin down (圆滑难缠): hold to the site's price rules and set clear deadlines."
    ),
}


def coaching_note(personality_type: str) -> str:
    return str(COACHING_NOTES.get(personality_type, ""))
