"""Text normalisation and tokenisation for lexical (BM25) matching of Dutch webcare messages."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

# Frequent Dutch function words (and a few English ones that show up in Dutch webcare), which carry
# no topic. Kept short on purpose: question words such as "wanneer" and "waar" stay, they matter.
STOPWORDS: frozenset[str] = frozenset(
    """
    de het een en of maar dus want als dan die dat deze dit er hier daar ik je jij u wij we jullie
    zij ze hij haar hem mij me mijn mn m ons onze jouw uw van voor met op in aan bij naar om tot uit
    over door te is ben bent zijn was waren wordt worden word heb hebt heeft hebben had hadden kan kun
    kunt kunnen zal zou moet moeten mag wil wilt ook nog al wel niet geen zo toch even ff eens nou
    hoi hallo hey hi beste groet groetjes bedankt dank thanks the a an to of is it
    """.split()
)

_TOKEN = re.compile(r"[a-z0-9]+")
_URL = re.compile(r"https?://\S+|www\.\S+")
_MENTION = re.compile(r"@\w+")


def normalise(text: str) -> str:
    """Lower-case, strip accents (é -> e), drop URLs and @mentions."""
    text = _MENTION.sub(" ", _URL.sub(" ", text))
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=1)
def _stemmer() -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer("dutch")


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    return _stemmer().stemWord(word)


def tokenize(text: str) -> list[str]:
    """Stemmed content tokens of ``text`` (Dutch Snowball stemmer)."""
    words = [w for w in _TOKEN.findall(normalise(text)) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]
    return [_stem(w) for w in words]
