"""Defects that make a draft unusable however well its facts check out: it repeats the customer's
message back, it recites the generator's own instructions, or part of it is in another language.

A small fine-tuned generator does all three now and then (and writes words that exist nowhere:
``models/vocabulary.py``, also checked here). Measured on 640 sampled drafts for 80
held-out shop messages (the 4-epoch concept model, 8 samples each): 6 repeated the customer's message
(three of them word for word), 1 recited the system prompt ("verwijs niet door, verzin geen feiten"),
3 had an English sentence ("I agree with the marketing team!"). The grounding check passes such drafts
(they invent no facts) and the Dutch detector calls the whole draft Dutch, so these checks are
separate. The generator's ranking puts such drafts at the back (``webcare.generation.rank_generations``)
and the guard ranks them down with the reason (``webcare.guard``: rules ``echo`` and ``language``).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from models.language import LanguageDetector
from models.vocabulary import Vocabulary, context_words
from retrieval.kb_loader import BrandKB

#: Consecutive words a draft may share with the customer's message before it counts as repeating it
#: (an order number and a product name fit well within this; a whole sentence of the message does not).
ECHO_MIN_WORDS = 8
#: The same for the generator's instructions, which no reply should quote at all.
INSTRUCTION_ECHO_MIN_WORDS = 6
#: Shorter sentences are not judged: "Top, thanks voor je bericht!" is ordinary Dutch webcare.
FOREIGN_MIN_WORDS = 5
FOREIGN_MIN_CONFIDENCE = 0.95

_WORD = re.compile(r"\w+", re.UNICODE)
#: A sentence: up to and including . ! ? or a line break (the guard splits drafts with it too).
SENTENCE = re.compile(r"[^.!?\n]*(?:[.!?]+|\n|$)")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def shared_run(text: str, source: str, min_words: int) -> str | None:
    """The longest run of at least ``min_words`` consecutive words (case-insensitive, punctuation
    ignored) that ``text`` copies from ``source``, as words joined by spaces; None when there is none."""
    words, src = _words(text), _words(source)
    if min_words < 1 or len(words) < min_words or len(src) < min_words:
        return None
    starts: dict[tuple[str, ...], list[int]] = {}
    for j in range(len(src) - min_words + 1):
        starts.setdefault(tuple(src[j : j + min_words]), []).append(j)
    best: tuple[int, int] | None = None  # (start, length) in text
    i = 0
    while i <= len(words) - min_words:
        positions = starts.get(tuple(words[i : i + min_words]))
        if not positions:
            i += 1
            continue
        length = max(_run_length(words, i, src, j) for j in positions)
        if best is None or length > best[1]:
            best = (i, length)
        i += length
    return " ".join(words[best[0] : best[0] + best[1]]) if best else None


def _run_length(words: Sequence[str], i: int, src: Sequence[str], j: int) -> int:
    """How many words ``words[i:]`` and ``src[j:]`` have in common from the start."""
    n = 0
    while i + n < len(words) and j + n < len(src) and words[i + n] == src[j + n]:
        n += 1
    return n


def sentences(text: str) -> list[str]:
    """The sentences of ``text`` (split after . ! ? and at line breaks), stripped, empty ones dropped."""
    return [s.strip() for s in (m.group(0) for m in SENTENCE.finditer(text)) if s.strip()]


def foreign_sentences(text: str, detector: LanguageDetector, language: str, *, also: Collection[str] = ()) -> list[str]:
    """Sentences of at least ``FOREIGN_MIN_WORDS`` words that are confidently in another language than
    ``language`` (or ``also``: e.g. the language the customer wrote in), judged by the detector AND by
    that language's function words outnumbering ``language``'s (langdetect alone calls "In de PostNL- of
    DHL-app kost €2,95 extra." English)."""
    found: list[str] = []
    for sentence in sentences(text):
        if len(_words(sentence)) < FOREIGN_MIN_WORDS:
            continue
        result = detector.detect(sentence)
        if result.language == language or result.language in also:
            continue
        if result.method != "langdetect" or result.confidence < FOREIGN_MIN_CONFIDENCE:
            continue
        hits = detector.function_word_hits(sentence)
        if hits.get(result.language, 0) >= 2 and hits.get(result.language, 0) > hits.get(language, 0):
            found.append(sentence)
    return found


def message_language(message: str, detector: LanguageDetector, thread: Sequence[str] = ()) -> str | None:
    """The language the customer wrote in, from the message or else the thread (None: too short to tell)."""
    result = detector.detect(message, thread=thread)
    return result.language if result.method != "default" else None


@dataclass
class DraftChecker:
    """The defect checks for the drafts of one request: what the request offers (the customer's language,
    the words of the message and the sources) is worked out once, not once per sampled draft."""

    message: str
    detector: LanguageDetector | None = None
    language: str = "nl"
    instructions: str = ""
    vocabulary: Vocabulary | None = None
    evidence: Sequence[str] = ()
    _customer: str | None = field(init=False, default=None)
    _context: frozenset[str] = field(init=False, default=frozenset())

    def __post_init__(self) -> None:
        if self.detector is not None and self.message:
            self._customer = message_language(self.message, self.detector)
        if self.vocabulary is not None:
            self._context = context_words([self.message, *self.evidence])

    def defects(self, text: str) -> list[str]:
        """Why ``text`` cannot be offered as it is, one line per defect (empty: none of these defects)."""
        defects: list[str] = []
        echoed = shared_run(text, self.message, ECHO_MIN_WORDS) if self.message else None
        if echoed:
            defects.append(f"repeats the customer's message ('{clip(echoed)}')")
        recited = shared_run(text, self.instructions, INSTRUCTION_ECHO_MIN_WORDS) if self.instructions else None
        if recited:
            defects.append(f"recites the generator's instructions ('{clip(recited)}')")
        if self.detector is not None:
            also = [self._customer] if self._customer else []
            for sentence in foreign_sentences(text, self.detector, self.language, also=also):
                defects.append(f"sentence not in the brand's language ('{clip(sentence)}')")
        if self.vocabulary is not None:
            unknown = self.vocabulary.unknown(text, self._context)
            if unknown:
                defects.append(f"unknown words ({', '.join(unknown[:5])})")
        return defects


def draft_defects(
    text: str,
    *,
    message: str,
    detector: LanguageDetector | None = None,
    language: str = "nl",
    instructions: str = "",
    vocabulary: Vocabulary | None = None,
    evidence: Sequence[str] = (),
) -> list[str]:
    """Why ``text`` cannot be offered as it is (``DraftChecker`` for one draft). ``vocabulary``: also
    words that exist nowhere (in it, the message nor ``evidence``)."""
    return DraftChecker(message, detector, language, instructions, vocabulary, evidence).defects(text)


def brand_vocabulary(kb: BrandKB, *, without_answers: Collection[str] = ()) -> Vocabulary:
    """The lexicons plus every word of the brand's articles, canned answers and past answers (the
    past answers with an id in ``without_answers`` left out: held-out replies when measuring)."""
    texts = [*(f"{a.title} {a.body}" for a in kb.articles), *(f"{c.title} {c.text}" for c in kb.canned)]
    texts += [p.answer for p in kb.past_answers if p.id not in without_answers]
    return Vocabulary.for_brand(texts)


def clip(text: str, limit: int = 60) -> str:
    """``text`` cut to ``limit`` characters for a note."""
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."
