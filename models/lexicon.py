"""Building blocks of the Dutch lexicon detectors (models/escalation_rules.py, models/abuse_rules.py):
word-bounded alternations, "... niet" after a match, and undoing spelling tricks written to dodge filters."""

from __future__ import annotations

import re

__all__ = ["NEGATED_AFTER", "deobfuscate", "join_spaced_letters", "rx"]


def rx(*alternatives: str) -> re.Pattern[str]:
    """Case-insensitive alternation with word boundaries on both sides."""
    return re.compile(r"(?<![\w@#])(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)


# Dutch puts the negation after the verb's object: "ik haat X niet"
NEGATED_AFTER = re.compile(r"^\s*(?:\w+\s+){0,2}niet\b", re.IGNORECASE)

_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "€": "e", "!": "i", "|": "i"})
_OBFUSCATED = re.compile(r"(?<![\w@#])(?=[\w*@$€!|]*[A-Za-z])(?=[\w*@$€!|]*[0-9*@$€!|][\w*@$€!|]*[A-Za-z]|[\w*@$€!|]*[A-Za-z][\w*@$€!|]*[0-9*@$€|])[\w*@$€!|]{3,}")
_MASKABLE = ("klootzak", "idioten", "idioot", "kanker", "kolere", "sukkel", "debiel", "tering", "tyfus", "klote", "eikel", "kut", "lul")
# each letter of a stem may be masked by one or more '*' ("k*t", "k**t", "t*r*ng"); longest stems first
_MASKED_STEMS = [(w, re.compile("".join(f"(?:{c}|\\*+)" for c in w), re.IGNORECASE)) for w in _MASKABLE]
_SPACED = re.compile(r"(?<![^\W\d_])(?:[^\W\d_] ){2,}[^\W\d_](?![^\W\d_])")


def deobfuscate(text: str) -> str:
    """Undo leetspeak and masked letters inside words that mix letters with digits or symbols:
    'k4nker' -> 'kanker', '1d10ten' -> 'idioten', 'k*t' -> 'kut'. Plain words, prices and times stay as they are."""

    def fix(m: re.Match[str]) -> str:
        word = m.group(0)
        core = word.rstrip("!|")  # trailing exclamation marks are punctuation, not letters
        if any(c.isdigit() for c in core) and sum(c.isalpha() for c in core) < 2:
            return word  # '4e', '3x', '12u': numbers with a unit, not leetspeak
        plain = core.translate(_LEET)
        if "*" in plain:
            for stem, pattern in _MASKED_STEMS:
                if (hit := pattern.match(plain)) and "*" in hit.group(0):
                    plain = stem + plain[hit.end() :]
                    break
        return plain + word[len(core) :]

    return _OBFUSCATED.sub(fix, text)


def join_spaced_letters(text: str) -> str:
    """'v e r a c h t e l i j k' -> 'verachtelijk' (three or more single letters, each followed by one space)."""
    return _SPACED.sub(lambda m: m.group(0).replace(" ", ""), text)
