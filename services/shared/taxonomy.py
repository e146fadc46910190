"""The programme's fixed code lists: needs/skills, priorities, child categories.

Labels are English message ids marked with ``N_`` for translation; templates show them
through ``_()``, so the default Chinese UI reads 学业辅导 and so on.
"""


class MessageId(str):
    """A message id from the code (marked with N_), told apart from data: only a
    MessageId is ever looked up in the translations; data is shown as it is."""


def N_(message: str) -> MessageId:
    """Mark a string for translation without translating it here."""
    return MessageId(message)


#: The need/skill taxonomy (DOMAIN.md): children's needs and volunteers' skills share it.
NEEDS: dict[str, str] = {
    "academic": N_("Academic support"),
    "emotional": N_("Emotional companionship"),
    "daily_life": N_("Daily-life help"),
    "safety": N_("Safety education"),
    "health": N_("Health and rehabilitation"),
    "legal": N_("Legal aid"),
    "online": N_("Internet literacy"),
    "culture": N_("Interests and culture"),
}

#: Lexicographic matching order: urgent children first, then high, then normal.
PRIORITIES: dict[str, str] = {
    "urgent": N_("Urgent"),
    "high": N_("High"),
    "normal": N_("Normal"),
}

CATEGORIES: dict[str, str] = {
    "left_behind": N_("Left-behind child"),
    "in_difficulty": N_("Child in difficulty"),
}

SUB_TYPES: dict[str, str] = {
    "both_parents_away": N_("Both parents working away"),
    "one_parent_away": N_("One parent working away"),
    "orphan": N_("Orphan"),
    "unsupported": N_("No one in fact raising the child"),
    "disability": N_("Disability"),
    "serious_illness": N_("Serious illness"),
    "low_income": N_("Family on minimum-living support"),
    "other": N_("Other"),
}

GENDERS: dict[str, str] = {"M": N_("Male"), "F": N_("Female")}

CONSENT_METHODS: dict[str, str] = {
    "paper": N_("Signed paper form"),
    "in_person": N_("In person, witnessed"),
    "phone": N_("By phone, recorded"),
    "import": N_("Paper ledger (recorded at import)"),
}

GUARDIAN_RELATIONS: dict[str, str] = {
    "grandparent": N_("Grandparent"),
    "parent": N_("Parent"),
    "relative": N_("Other relative"),
    "foster": N_("Foster carer"),
    "institution": N_("Welfare institution"),
    "other": N_("Other"),
}


def parse_codes(text: str, allowed: dict[str, str]) -> list[str]:
    """Split codes joined by ';' (or ',' / whitespace); raise ValueError naming bad ones."""
    parts = [p.strip() for p in text.replace(",", ";").replace("；", ";").split(";")]
    codes = sorted({p for p in parts if p})
    unknown = [c for c in codes if c not in allowed]
    if unknown:
        raise ValueError(", ".join(unknown))
    return codes


def join_codes(codes) -> str:
    """Store a set of codes as one ';'-joined, sorted string."""
    return ";".join(sorted(set(codes)))
