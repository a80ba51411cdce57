"""Grounding check: the concrete facts in a draft (numbers, times, prices, URLs, e-mail addresses,
phone numbers) must come from the evidence (retrieved sources, the customer's message and thread).

A fact that appears in none of them is *invented*. Used by eval (grounded rate) and meant to be reused
by the tone guard. Facts are normalised before comparison, so ``9:00`` = ``09.00 uur``,
``€ 4,50`` = ``4.50 euro`` and ``https://www.x.nl/a/`` = ``x.nl/a``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

_URL = re.compile(r"(?:https?://|www\.)[^\s<>()\"']+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:nl|com|org|eu|be|net)(?:/[^\s<>()\"']*)?", re.I)
_EMAIL = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)+")
_TIME = re.compile(r"\b([01]?\d|2[0-3])[:.]([0-5]\d)\b(?:\s*uur)?")
_PRICE = re.compile(r"(?:€\s*|\beur(?:o)?\s+)(\d+(?:[.,]\d{1,2})?|\d+,-)|(\d+(?:[.,]\d{1,2})?)\s*(?:euro|eur)\b", re.I)
_PHONE = re.compile(r"(?<![\w+])(?:\+31[\s-]?|0)(?:\d[\s-]?){8,10}\d?(?!\d)")
_NUMBER = re.compile(r"(?<![\w^])\d+(?:[.,]\d+)*(?!\w)")


@dataclass(frozen=True)
class Fact:
    kind: str  # url | email | time | price | phone | number
    raw: str
    key: str  # normalised form used for matching


@dataclass
class GroundingResult:
    facts: list[Fact] = field(default_factory=list)
    invented: list[Fact] = field(default_factory=list)

    @property
    def grounded(self) -> bool:
        return not self.invented


def _norm_url(raw: str) -> str:
    url = re.sub(r"^(?:https?://)?(?:www\.)?", "", raw.lower())
    return url.rstrip(".,;:!?/)")


def _norm_amount(raw: str) -> str:
    raw = raw.replace(",-", "").strip()
    if "," in raw:
        raw = raw.replace(".", "").replace(",", ".")
    try:
        return f"{float(raw):.2f}"
    except ValueError:
        return raw


def _norm_digits(raw: str) -> str:
    return re.sub(r"\D", "", raw)


def extract_facts(text: str, *, all_readings: bool = False) -> list[Fact]:
    """Every checkable fact in ``text``, each span counted once (e-mail > URL > time > price > phone > number).
    ``all_readings``: keep every reading of a span ("4.50" as a time and as an amount); used for evidence."""
    facts: list[Fact] = []
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return all_readings or all(end <= a or start >= b for a, b in taken)

    def add(kind: str, m: re.Match[str], key: str) -> None:
        if free(m.start(), m.end()):
            taken.append((m.start(), m.end()))
            facts.append(Fact(kind, m.group(0).strip(), key))

    for m in _EMAIL.finditer(text):
        add("email", m, m.group(0).lower())
    for m in _URL.finditer(text):
        add("url", m, _norm_url(m.group(0)))
    for m in _TIME.finditer(text):
        add("time", m, f"{int(m.group(1)):02d}:{m.group(2)}")
    for m in _PRICE.finditer(text):
        add("price", m, _norm_amount(m.group(1) or m.group(2)))
    for m in _PHONE.finditer(text):
        digits = _norm_digits(m.group(0))
        add("phone", m, "0" + digits[2:] if digits.startswith("31") else digits)
    for m in _NUMBER.finditer(text):
        add("number", m, _norm_amount(m.group(0)) if re.search(r"\d[.,]\d{1,2}$", m.group(0)) else _norm_digits(m.group(0)))
    return facts


def _evidence_keys(evidence: Iterable[str]) -> tuple[set[str], str]:
    keys: set[str] = set()
    texts: list[str] = []
    for text in evidence:
        if not text:
            continue
        texts.append(text.lower())
        for fact in extract_facts(text, all_readings=True):
            keys.add(f"{fact.kind}:{fact.key}")
            if fact.kind in ("price", "number"):  # an amount may be written as a price in one, a number in the other
                keys.add(f"amount:{fact.key}")
                keys.add(f"amount:{_norm_amount(fact.key)}")
    return keys, "\n".join(texts)


def check_grounding(draft: str, evidence: Iterable[str]) -> GroundingResult:
    """Which facts of ``draft`` are not supported by any text in ``evidence``."""
    keys, joined = _evidence_keys(evidence)
    facts = extract_facts(draft)
    invented: list[Fact] = []
    for fact in facts:
        ok = f"{fact.kind}:{fact.key}" in keys
        if not ok and fact.kind in ("price", "number"):
            ok = f"amount:{fact.key}" in keys or f"amount:{_norm_amount(fact.key)}" in keys
        if not ok and fact.kind == "time" and "." in fact.raw:  # "4.50" may be an amount as well
            ok = f"amount:{_norm_amount(fact.raw.split()[0])}" in keys
        if not ok and fact.kind in ("url", "email"):
            ok = fact.key in joined
        if not ok and fact.kind == "number":
            ok = re.search(rf"(?<!\d){re.escape(fact.raw)}(?!\d)", joined) is not None
        if not ok:
            invented.append(fact)
    return GroundingResult(facts=facts, invented=invented)
