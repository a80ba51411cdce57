"""Detection and masking of personal data (PII) in Dutch webcare messages.

The detector recognises, with a strong bias against false positives:

* ``iban`` -- IBANs of every country in the IBAN registry, with or without
  spaces (groups of four) and in any letter case, accepted only when the
  length fits the country and the ISO 7064 mod-97 checksum is valid;
* ``bsn`` -- Dutch citizen service numbers (9 digits, or 8 digits with the
  leading zero dropped, optionally written as ``123.456.782`` or
  ``1234 56 782``) that pass the 11-test;
* ``phone`` -- Dutch phone numbers in the usual national and international
  spellings (mobile ``06``, landlines with 2- or 3-digit area codes, and
  ``0800``/``0900``/``0906``/``0909`` service numbers);
* ``email`` -- e-mail addresses;
* ``postcode_address`` -- a Dutch postcode *together with a house number*
  (see below);
* brand specific identifiers given as named regular expressions
  (``extra_patterns``), e.g. customer or order numbers.

Postcode policy: a postcode on its own (``"1234 AB"``) is *not* reported,
because a postcode without a house number rarely identifies a person and
bare ``dddd XX`` sequences are ambiguous (``"2026 EN ..."``, ``"4070 Ti"``).
A postcode is reported as ``postcode_address`` when a house number is
directly attached to it:

* street name + house number right before it:
  ``"Kerkstraat 12, 1234 AB Utrecht"`` -> ``"Kerkstraat 12, 1234 AB"``;
* a house number right after it, optionally introduced by a keyword such as
  ``huisnummer``/``nr``: ``"1234AB 12"``, ``"1234 AB, nr. 7"``,
  ``"1234 ab huisnummer 7"``.

A postcode whose letters are written lower case *and* separated by a space
(``"1234 ab"``) is only accepted with a street before it or with a
house-number keyword after it, and never when the letters form a common
Dutch two-letter word (``en``, ``op``, ``in`` ...); a bare number after such
a postcode is not enough.  The same two-letter-word exclusion applies to a
postcode followed by a bare number without keyword (``"2026 EN 3"``).

All regular expressions are compiled once (module level, immutable) and are
written so that matching stays linear in the length of the text.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Final

__all__ = ["PiiDetector", "PiiMatch"]

# ---------------------------------------------------------------------------
# Data type
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PiiMatch:
    """One piece of personal data found in a text.

    Attributes:
        type: ``"iban"``, ``"bsn"``, ``"phone"``, ``"email"``,
            ``"postcode_address"`` or the name of a brand pattern.
        start: Offset of the first character in the text.
        end: Offset one past the last character (``text[start:end] == value``).
        value: The matched text.
    """

    type: str
    start: int
    end: int
    value: str


# ---------------------------------------------------------------------------
# Constants
# ---------------------------------------------------------------------------

#: Priority when two candidates of equal length overlap (lower wins).
_PRIORITY: Final[Mapping[str, int]] = MappingProxyType(
    {"email": 0, "iban": 1, "postcode_address": 3, "phone": 4, "bsn": 5}
)
#: Priority of brand patterns (between IBAN and postcode/phone/BSN).
_BRAND_PRIORITY: Final[int] = 2

#: IBAN length per country (SWIFT IBAN registry).
_IBAN_LENGTHS: Final[Mapping[str, int]] = MappingProxyType(
    {
        "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16,
        "BG": 22, "BH": 22, "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22,
        "CY": 28, "CZ": 24, "DE": 22, "DJ": 27, "DK": 18, "DO": 28, "EE": 20,
        "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27, "GB": 22,
        "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HN": 28, "HR": 21,
        "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30,
        "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20,
        "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20,
        "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23,
        "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RU": 33,
        "SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27,
        "SO": 23, "ST": 25, "SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29,
        "VA": 22, "VG": 24, "XK": 20, "YE": 30,
    }
)

#: Postcode letter pairs that are never issued.
_EXCLUDED_POSTCODE_LETTERS: Final[frozenset[str]] = frozenset({"SA", "SD", "SS"})

#: Common Dutch/English two-letter words that look like postcode letters.
_TWO_LETTER_WORDS: Final[frozenset[str]] = frozenset(
    {
        "AL", "AN", "AS", "AT", "BE", "BY", "DE", "DO", "EN", "ER", "GO",
        "HE", "IF", "IK", "IN", "IS", "IT", "JA", "JE", "ME", "MY", "NA",
        "NO", "NU", "OF", "OK", "OM", "ON", "OP", "OR", "SO", "TE", "TO",
        "UP", "US", "WE", "ZE", "ZO",
    }
)



def _guard(first: str, *not_after: str) -> str:
    """Return a regex consuming one ``first`` char not preceded by any ``not_after``.

    Python's ``re`` only uses its fast first-character scan when a pattern
    starts with a consuming element, so the usual ``(?<!...)`` boundary is
    moved behind the first character: ``(?<!X)\\d`` becomes
    ``\\d(?<!X\\d)``.  Every ``not_after`` must have a fixed width.
    """
    return first + "".join(f"(?<!{context}{first})" for context in not_after)


# --- IBAN ------------------------------------------------------------------
# Candidate: country code + check digits, then alphanumerics that may be
# separated by single spaces.  The exact length is cut in Python (the
# candidate may run into following words, e.g. "... 7034 voor").
_IBAN_CANDIDATE_RE: Final = re.compile(
    # Anchored on the first check digit (digits are rare, letters are not);
    # the match therefore starts two characters after the IBAN.
    r"\d(?<=(?<![A-Za-z0-9])[A-Za-z]{2}\d)\d(?: ?[A-Za-z0-9]){10,31}"
)

# --- BSN -------------------------------------------------------------------
#: Left contexts that rule out a BSN (part of a longer token, or money).
_BSN_NOT_AFTER: Final[tuple[str, ...]] = (r"[\w.,/\-+]", r"[€$£]", r"[€$£] ", "EUR ", "eur ")
_NOT_MONEY_AFTER = r"(?!\s?(?:euro\b|eur\b|€|,-))"
_BSN_COMPACT_RE: Final = re.compile(
    "(?P<num>" + _guard(r"\d", *_BSN_NOT_AFTER, r"\d[ .,]") + r"(?:\d{8}|\d{7}))"
    r"(?!\w)(?![.,/\-]\d)" + _NOT_MONEY_AFTER
)
_BSN_GROUPED_RE: Final = re.compile(
    "(?P<num>" + _guard(r"\d", *_BSN_NOT_AFTER, r"\d[ .,]")
    + r"(?:\d{2}(?P<s1>[ .])\d{3}(?P=s1)\d{3}|\d{3}(?P<s2>[ .])\d{2}(?P=s2)\d{3}))"
    r"(?!\w)(?![ .,/\-]\d)" + _NOT_MONEY_AFTER
)

# --- Phone -----------------------------------------------------------------
_S = r"[ \-]?"  # separator inside the subscriber number
_SEP = r"(?:[ \t]?-[ \t]?|[ \t])?"  # separator after prefix / area code
# subscriber groupings of a mobile number: 8 digits, 4-4, 2-2-2-2, 3-3-2, and 2-3-3 ("0612 345 678", "06 12 345 678")
_MOBILE_SUB = rf"(?:\d{{8}}|\d{{4}}{_S}\d{{4}}|\d{{2}}{_S}\d{{2}}{_S}\d{{2}}{_S}\d{{2}}|\d{{3}}{_S}\d{{3}}{_S}\d{{2}}|\d{{2}}{_S}\d{{3}}{_S}\d{{3}})"
_SUB7 = rf"(?:\d{{7}}|\d{{3}}{_S}\d{{4}}|\d{{3}}{_S}\d{{2}}{_S}\d{{2}}|\d{{2}}{_S}\d{{2}}{_S}\d{{3}}|\d{{4}}{_S}\d{{3}})"
_SUB6 = rf"(?:\d{{6}}|\d{{3}}{_S}\d{{3}}|\d{{2}}{_S}\d{{2}}{_S}\d{{2}})"
_AREA2 = r"[1-57-9]\d"
_AREA3 = r"[1-57-9]\d{2}"
_AFTER_ZERO = (
    rf"(?:6{_SEP}{_MOBILE_SUB}|{_AREA2}{_SEP}{_SUB7}|{_AREA3}{_SEP}{_SUB6})"
)
_SERVICE = rf"(?:800|900|906|909){_SEP}(?:\d{{3}}{_S}\d{{4}}|\d{{4}}{_S}\d{{3}}|\d{{7}}|\d{{4}}|\d{{2}}{_S}\d{{2}})"
_PAREN = (
    rf"0(?:6\)[ \t]?{_MOBILE_SUB}|{_AREA2}\)[ \t]?{_SUB7}|{_AREA3}\)[ \t]?{_SUB6})"
)
_INTERNATIONAL_REST = rf"31{_SEP}(?:\(0\)[ \t]?)?{_AFTER_ZERO}"
_PHONE_NOT_AFTER: Final[tuple[str, ...]] = (r"[\w+(]", r"\d[ \-./,]")
_PHONE_RE: Final = re.compile(
    "(?:"
    + _guard("0", *_PHONE_NOT_AFTER)
    + rf"(?:{_SERVICE}|0{_INTERNATIONAL_REST}|{_AFTER_ZERO})"
    + "|"
    + _guard(r"\+", *_PHONE_NOT_AFTER)
    + _INTERNATIONAL_REST
    + "|"
    + _guard(r"\(", *_PHONE_NOT_AFTER)
    + _PAREN
    + r")(?!\w)(?![ \-]?\d)(?![.,]\d)"
)

# --- E-mail ----------------------------------------------------------------
_EMAIL_RE: Final = re.compile(
    r"(?<![\w.%+\-])[\w.%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,24}(?![\w\-])"
)

# --- Postcode + house number ------------------------------------------------
_POSTCODE_RE: Final = re.compile(
    "(?P<digits>" + _guard("[1-9]", r"[\w\-/]", r"\d[.,]") + r"\d{3})"
    r"(?P<space> ?)(?P<letters>[A-Za-z]{2})(?![\w\-])"
)
_HOUSE_NUMBER = r"[1-9]\d{0,4}(?:(?:[ \-]?[A-Za-z]|-\d{1,3})(?![\w]))?"
_UNITS = (
    r"gb|tb|mb|kb|ghz|mhz|hz|w|kw|kwh|v|mah|mm|cm|m|km|kg|gr|g|l|ml|x|"
    r"stuks?|st|euro|eur|uur|min|sec|jaar|maanden|dagen|inch|pk|procent"
)
#: Street word + house number at the end of the left context window.
_LEFT_ADDRESS_RE: Final = re.compile(
    r"(?<![^\W\d_])(?P<street>[^\W\d_][^\W\d_'.\-]*(?:['.\-][^\W\d_]+)*\.?)"
    rf"[ \t]{{1,3}}(?P<num>{_HOUSE_NUMBER})[ \t]{{0,2}}(?:,[ \t]{{0,2}}|\r?\n[ \t]*)?\Z"
)
#: (Keyword +) house number at the start of the right context window.
_RIGHT_NUMBER_RE: Final = re.compile(
    r"\A[ \t]{0,2},?[ \t]{0,2}"
    r"(?:(?P<kw>huisnummer|huisnr\.?|hnr\.?|nummer|nr\.?|no\.?)[ \t]{0,2}:?[ \t]{0,2})?"
    rf"(?P<num>{_HOUSE_NUMBER})"
    rf"(?![\w])(?![.,:/]\d)(?![ \t]*(?:{_UNITS})\b)(?![ \t]*%)",
    re.IGNORECASE,
)
_LEFT_WINDOW: Final[int] = 80
_RIGHT_WINDOW: Final[int] = 40

#: Words that are not street names even though they precede a number.
_NON_STREET_WORDS: Final[frozenset[str]] = frozenset(
    {"en", "of", "op", "om", "in", "is", "te", "tot", "van", "ca", "vanaf", "na", "per", "x"}
)


# ---------------------------------------------------------------------------
# Validation helpers
# ---------------------------------------------------------------------------


def _iban_checksum_ok(iban: str) -> bool:
    """Return True when ``iban`` (compact, upper case) passes ISO 7064 mod-97."""
    rearranged = iban[4:] + iban[:4]
    try:
        numeric = "".join(str(int(ch, 36)) for ch in rearranged)
    except ValueError:
        return False
    return int(numeric) % 97 == 1


def _bsn_ok(digits: str) -> bool:
    """Return True when ``digits`` (8 or 9 digits) passes the BSN 11-test."""
    padded = digits.zfill(9)
    if len(padded) != 9 or not padded.isdigit() or set(padded) == {"0"}:
        return False
    values = [int(ch) for ch in padded]
    total = sum(weight * value for weight, value in zip(range(9, 1, -1), values[:8]))
    total -= values[8]
    return total % 11 == 0


def _looks_like_date(digits: str) -> bool:
    """Return True for 8-digit strings that read as ``ddmmyyyy`` or ``yyyymmdd``."""
    if len(digits) != 8:
        return False
    candidates = (
        (int(digits[4:]), int(digits[2:4]), int(digits[:2])),  # ddmmyyyy
        (int(digits[:4]), int(digits[4:6]), int(digits[6:])),  # yyyymmdd
    )
    for year, month, day in candidates:
        if 1900 <= year <= 2099:
            try:
                date(year, month, day)
            except ValueError:
                continue
            return True
    return False


# ---------------------------------------------------------------------------
# Detector
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Candidate:
    """An unresolved match with its tie-breaking priority."""

    type: str
    start: int
    end: int
    priority: int


class PiiDetector:
    """Find and mask personal data in (Dutch) customer messages.

    Args:
        extra_patterns: Brand specific identifiers as ``{name: regex}``, e.g.
            ``{"customer_number": r"\\b2\\d{13}\\b"}``.  Each regex is compiled
            once; matches are reported with ``type == name`` and masked as
            ``"[NAME]"``.

    Raises:
        ValueError: When a name is empty or a regex does not compile (the
            message names the pattern).

    Overlapping candidates are resolved by keeping the longest one; on equal
    length the more specific type wins (e-mail, IBAN, brand pattern,
    postcode_address, phone, BSN).
    """

    def __init__(self, extra_patterns: Mapping[str, str] | None = None) -> None:
        compiled: list[tuple[str, re.Pattern[str]]] = []
        for name, pattern in (extra_patterns or {}).items():
            if not isinstance(name, str) or not name.strip():
                raise ValueError(f"PII pattern name must be a non-empty string, got {name!r}")
            if not isinstance(pattern, str):
                raise ValueError(f"PII pattern {name!r} must be a regex string, got {type(pattern).__name__}")
            try:
                compiled.append((name, re.compile(pattern)))
            except re.error as exc:
                raise ValueError(f"invalid regex for PII pattern {name!r}: {exc}") from exc
        self._extra: tuple[tuple[str, re.Pattern[str]], ...] = tuple(compiled)

    # -- public API ----------------------------------------------------------

    def detect(self, text: str) -> list[PiiMatch]:
        """Return all PII in ``text``, sorted by start and non-overlapping."""
        if not text:
            return []
        candidates = list(self._candidates(text))
        candidates.sort(key=lambda c: (-(c.end - c.start), c.priority, c.start))
        starts: list[int] = []
        ends: list[int] = []
        kept: list[_Candidate] = []
        for cand in candidates:
            idx = bisect.bisect_left(starts, cand.start)
            if idx > 0 and ends[idx - 1] > cand.start:
                continue
            if idx < len(starts) and starts[idx] < cand.end:
                continue
            starts.insert(idx, cand.start)
            ends.insert(idx, cand.end)
            kept.insert(idx, cand)
        return [PiiMatch(c.type, c.start, c.end, text[c.start : c.end]) for c in kept]

    def types(self, text: str) -> list[str]:
        """Return the sorted, unique PII types found in ``text``."""
        return sorted({match.type for match in self.detect(text)})

    def mask(self, text: str) -> str:
        """Return ``text`` with every PII match replaced by ``"[TYPE]"``."""
        matches = self.detect(text)
        if not matches:
            return text
        parts: list[str] = []
        position = 0
        for match in matches:
            parts.append(text[position : match.start])
            parts.append(f"[{match.type.upper()}]")
            position = match.end
        parts.append(text[position:])
        return "".join(parts)

    # -- candidate generation -------------------------------------------------

    def _candidates(self, text: str) -> Iterator[_Candidate]:
        """Yield every validated candidate of every type (may overlap)."""
        yield from self._emails(text)
        yield from self._ibans(text)
        yield from self._brand(text)
        yield from self._postcode_addresses(text)
        yield from self._phones(text)
        yield from self._bsns(text)

    @staticmethod
    def _emails(text: str) -> Iterator[_Candidate]:
        """Yield e-mail address candidates."""
        if "@" not in text:
            return
        for m in _EMAIL_RE.finditer(text):
            yield _Candidate("email", m.start(), m.end(), _PRIORITY["email"])

    @staticmethod
    def _ibans(text: str) -> Iterator[_Candidate]:
        """Yield IBANs whose length fits the country and whose checksum is valid.

        Candidates are searched one after another (not with ``finditer``)
        because a candidate may run into a directly following IBAN.
        """
        position = 0
        while True:
            m = _IBAN_CANDIDATE_RE.search(text, position)
            if m is None:
                return
            begin = m.start() - 2
            end = _iban_end(text, begin, m.end())
            if end is None:
                position = m.start() + 1
                continue
            yield _Candidate("iban", begin, end, _PRIORITY["iban"])
            position = end

    def _brand(self, text: str) -> Iterator[_Candidate]:
        """Yield matches of the brand specific patterns."""
        for name, pattern in self._extra:
            for m in pattern.finditer(text):
                if m.end() > m.start():
                    yield _Candidate(name, m.start(), m.end(), _BRAND_PRIORITY)

    @staticmethod
    def _phones(text: str) -> Iterator[_Candidate]:
        """Yield Dutch phone number candidates."""
        for m in _PHONE_RE.finditer(text):
            yield _Candidate("phone", m.start(), m.end(), _PRIORITY["phone"])

    @staticmethod
    def _bsns(text: str) -> Iterator[_Candidate]:
        """Yield BSN candidates that pass the 11-test."""
        for regex in (_BSN_COMPACT_RE, _BSN_GROUPED_RE):
            for m in regex.finditer(text):
                digits = re.sub(r"\D", "", m.group("num"))
                if len(digits) == 8 and _looks_like_date(digits):
                    continue
                if _bsn_ok(digits):
                    yield _Candidate("bsn", m.start(), m.end(), _PRIORITY["bsn"])

    @staticmethod
    def _postcode_addresses(text: str) -> Iterator[_Candidate]:
        """Yield postcode + house number combinations (see module docstring)."""
        for m in _POSTCODE_RE.finditer(text):
            letters = m.group("letters")
            upper = letters.upper()
            if upper in _EXCLUDED_POSTCODE_LETTERS:
                continue
            weak = letters != upper and m.group("space") != ""
            common_word = upper in _TWO_LETTER_WORDS
            start, end = m.start(), m.end()
            found = False

            left = None
            probe = text[max(0, start - 12) : start].rstrip(" \t\r\n,")
            if probe and (probe[-1].isdigit() or (len(probe) > 1 and probe[-2] in "0123456789 -")):
                left = _LEFT_ADDRESS_RE.search(text, max(0, start - _LEFT_WINDOW), start)
            if left is not None and left.group("street").lower().rstrip(".") not in _NON_STREET_WORDS:
                if not (weak and common_word):
                    start = left.start()
                    found = True

            right = _RIGHT_NUMBER_RE.match(text[end : end + _RIGHT_WINDOW])
            if right is not None:
                has_keyword = right.group("kw") is not None
                if has_keyword:
                    ok = not (weak and common_word)
                else:
                    ok = not weak and not common_word
                if ok:
                    end = m.end() + right.end("num")
                    found = True

            if found:
                yield _Candidate("postcode_address", start, end, _PRIORITY["postcode_address"])


def _iban_end(text: str, begin: int, limit: int) -> int | None:
    """Return the end of the valid IBAN starting at ``begin``, or None.

    ``text[begin:limit]`` is a candidate (country code, check digits and
    alphanumerics separated by single spaces); the IBAN is the prefix that
    holds exactly as many alphanumerics as its country prescribes.
    """
    expected = _IBAN_LENGTHS.get(text[begin : begin + 2].upper())
    if expected is None:
        return None
    compact: list[str] = []
    end = -1
    for index in range(begin, limit):
        ch = text[index]
        if ch == " ":
            continue
        compact.append(ch)
        if len(compact) == expected:
            end = index + 1
            break
    if end < 0:
        return None
    if end < len(text) and text[end].isalnum():
        return None  # the IBAN would end inside a word or number
    if not _spacing_ok(text[begin:end]):
        return None
    return end if _iban_checksum_ok("".join(compact).upper()) else None


def _spacing_ok(raw: str) -> bool:
    """Return True when spaces in an IBAN only separate groups of four."""
    if " " not in raw:
        return True
    groups = raw.split(" ")
    return all(len(g) == 4 for g in groups[:-1]) and 1 <= len(groups[-1]) <= 4
