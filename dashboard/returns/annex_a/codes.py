"""How Annex A cells write the codes the measures read: contact and referral sources, categories of abuse,
yes and no; each recognised in its Ofsted code or in words."""

from __future__ import annotations

import re

SOURCE_GROUPS = [  # (pattern on the normalised cell, board value); first match wins
    (r"\b3c\b|school nurse", "health"),
    (r"\b1[a-d]\b|individual|family|relative|acquaint|\bself\b", "individual"),
    (r"\b2a\b|^school|\bschools?\b", "schools"),
    (r"\b2b\b|educat", "education_services"),
    (r"\b3[a-f]\b|health|\bgp\b|hospital|a e|midwi|nhs", "health"),
    (r"\b5[a-d]\b|la services|social care|early help|local authority|youth offending", "la_services"),
    (r"\b4\b|housing", "housing"),
    (r"\b6\b|police", "police"),
    (r"\b7\b|legal|court|probation|cafcass|prison|immigration", "other_legal_agency"),
    (r"\b9\b|anonym", "anonymous"),
    (r"\b10\b|unknown|not known", "unknown"),
    (r"\b8\b|other", "other"),
]

CATEGORIES = [
    (r"\bneg|^a\)", "neglect"),
    (r"\bphy|^b\)", "physical"),
    (r"\bsex|\bsab\b|^c\)", "sexual"),
    (r"\bemo|^d\)", "emotional"),
    (r"\bmul|^e\)", "multiple"),
]

YES = {"y", "yes", "a yes", "true", "1"}

NO = {"n", "no", "b no", "false", "0"}


def normalise(text: object) -> str:
    """A cell or header as words: lower case, punctuation as spaces ("Referral NFA?" -> "referral nfa")."""
    return " ".join(re.sub(r"[^0-9a-z&]+", " ", str(text or "").lower()).split())


def source_group(cell: str) -> str:
    """An Ofsted referral/contact source (code or words) as the board's source value."""
    t = normalise(cell)
    if not t:
        return "unknown"
    for pattern, value in SOURCE_GROUPS:
        if re.search(pattern, t):
            return value
    return "other"


def category(cell: str) -> str | None:
    """A category of abuse (code, Ofsted letter or words) as neglect/physical/sexual/emotional/multiple."""
    t = str(cell or "").strip().lower()
    for pattern, value in CATEGORIES:
        if re.search(pattern, t):
            return value
    return None
