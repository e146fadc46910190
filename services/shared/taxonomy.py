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
    "migrant": N_("Migrant child"),
}

SUB_TYPES: dict[str, str] = {
    "both_parents_away": N_("Both parents working away"),
    "one_parent_away": N_("One parent working away"),
    "orphan": N_("Orphan"),
    "unsupported": N_("No one in fact raising the child"),
    "disability": N_("Disability"),
    "serious_illness": N_("Serious illness"),
    "low_income": N_("Family on minimum-living support"),
    "with_migrant_parents": N_("Living with parents who moved for work"),
    "with_one_migrant_parent": N_("Living with one parent who moved for work"),
    "with_migrant_relatives": N_("Living with relatives away from home"),
    "other": N_("Other"),
}

#: The sub-types that describe a migrant child (流动儿童), and only such a child.
MIGRANT_SUB_TYPES = ("with_migrant_parents", "with_one_migrant_parent",
                     "with_migrant_relatives")

#: Chinese names a ledger may use instead of the category codes.
CATEGORY_NAMES: dict[str, str] = {
    "留守儿童": "left_behind", "农村留守儿童": "left_behind",
    "困境儿童": "in_difficulty",
    "流动儿童": "migrant", "随迁子女": "migrant",
}

#: Chinese names a ledger may use instead of the sub-type codes.
SUB_TYPE_NAMES: dict[str, str] = {
    "父母均外出务工": "both_parents_away", "父母双方外出": "both_parents_away",
    "父母一方外出务工": "one_parent_away", "父母一方外出": "one_parent_away",
    "孤儿": "orphan", "事实无人抚养": "unsupported", "事实无人抚养儿童": "unsupported",
    "残疾": "disability", "重病": "serious_illness", "低保": "low_income",
    "低保家庭": "low_income",
    "随父母流动": "with_migrant_parents", "随父母外出务工": "with_migrant_parents",
    "随父母一方流动": "with_one_migrant_parent", "随亲属流动": "with_migrant_relatives",
    "其他": "other",
}

GENDERS: dict[str, str] = {"M": N_("Male"), "F": N_("Female")}

CONSENT_METHODS: dict[str, str] = {
    "paper": N_("Signed paper form"),
    "in_person": N_("In person, witnessed"),
    "phone": N_("By phone, recorded"),
    "import": N_("Paper ledger (recorded at import)"),
    "online": N_("Online, with a self-declaration"),
}
#: Consent a coordinator may record by hand: online consent comes only with an application.
RECORDABLE_CONSENT_METHODS = {k: v for k, v in CONSENT_METHODS.items() if k != "online"}

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
