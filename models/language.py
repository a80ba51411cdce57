"""Language identification for short, informal webcare messages.

Wraps :mod:`langdetect` (a port of Google's language-detection library) with
the pre-processing and fallbacks that customer-service traffic needs:

* URLs, e-mail addresses, ``@mentions``, the ``#`` of hashtags (the word is
  kept), emoji, digits, punctuation and agent signatures (``^AB``) are
  stripped before detection;
* words written in capitals are lower-cased (langdetect ignores all-caps
  words, so a shouted message would otherwise have no features);
* Afrikaans is counted as Dutch when Dutch is supported and Afrikaans is
  not: langdetect regularly labels short, informal Dutch (``"hoe lang mag ik
  boeken lenen?"``) as ``af``;
* a result outside the supported languages is overruled when the message is
  full of one supported language's function words: langdetect labels
  ``"kan ik mijn bestelling nog annuleren?"`` Norwegian at 0.93, but
  "ik", "mijn", "nog" are Dutch, not Norwegian;
* a message with too few letters, or a low-confidence result, falls back to
  the language of the earlier messages of the thread and then to the
  configured default language.

Determinism: every :class:`LanguageDetector` owns a private
``langdetect.detector_factory.DetectorFactory`` with its own seed; the
module-global factory of langdetect is never touched.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import LangDetectException

__all__ = ["LanguageDetector", "LanguageResult"]


@dataclass(frozen=True)
class LanguageResult:
    """The outcome of a language detection.

    Attributes:
        language: ISO 639-1 code, e.g. ``"nl"``.
        confidence: Probability in ``[0, 1]`` reported by langdetect for the
            chosen language; ``0.0`` when the default language was assumed.
        method: ``"langdetect"`` (the message itself), ``"thread"`` (the
            earlier messages of the conversation) or ``"default"``.
    """

    language: str
    confidence: float
    method: str


#: Languages that langdetect confuses with a supported one: the key counts
#: as the value when the value is supported and the key is not.
_SIBLINGS: Final[Mapping[str, str]] = MappingProxyType({"af": "nl"})

#: Frequent words that are distinctive for one supported language (words that
#: are common in two of them, such as "de", "in", "is", "die", are left out).
_FUNCTION_WORDS: Final[Mapping[str, frozenset[str]]] = MappingProxyType(
    {
        "nl": frozenset(
            "ik mijn mn m'n jij jullie je jouw uw het een niet nog wel ook maar dan wat hoe waar wanneer waarom "
            "kan kun kunt heb hebben heeft ben zijn wordt worden moet mag zou deze dit dat naar voor bij van "
            "met geen veel graag even al nu weer toch alsjeblieft bedankt dank".split()
        ),
        "en": frozenset(
            "the and you your my i'm is are was were have has can could would should what when where why how "
            "this that with for not from please thanks thank".split()
        ),
        "de": frozenset(
            "ich mein meine du ihr sie und nicht ist sind habe haben kann können wann warum wie was mit für "
            "noch auch aber bitte danke ein eine der das".split()
        ),
        "fr": frozenset(
            "je mon ma mes vous votre nous est sont avec pour pas une les des que qui quand pourquoi comment "
            "merci bonjour puis peux suis".split()
        ),
    }
)
_FUNCTION_WORD_MIN_HITS: Final = 2
_FUNCTION_WORD_MIN_SHARE: Final = 0.3

_URL_RE: Final = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_EMAIL_RE: Final = re.compile(r"[\w.%+\-]+@[\w\-]+(?:\.[\w\-]+)+")
_MENTION_RE: Final = re.compile(r"(?<!\w)@\w+")
_SIGNATURE_RE: Final = re.compile(r"(?<!\w)\^\s?[^\W\d_]{1,12}")
_WORD_RE: Final = re.compile(r"[^\W\d_]{2,}")
_NON_LETTER_RE: Final = re.compile(r"[^\w'’]+|[\d_]+")
_SPACES_RE: Final = re.compile(r"\s+")


def clean_text(text: str) -> str:
    """Return ``text`` reduced to the words that carry language information.

    Removes URLs, e-mail addresses, ``@mentions``, agent signatures such as
    ``^AB``, hashtag signs (keeping the word), emoji, digits and punctuation,
    lower-cases all-caps words and collapses whitespace.
    """
    text = _URL_RE.sub(" ", text)
    text = _EMAIL_RE.sub(" ", text)
    text = _MENTION_RE.sub(" ", text)
    text = _SIGNATURE_RE.sub(" ", text)
    text = text.replace("#", " ")
    text = _WORD_RE.sub(_lower_if_caps, text)
    text = _NON_LETTER_RE.sub(" ", text)
    return _SPACES_RE.sub(" ", text).strip()


def _lower_if_caps(match: re.Match[str]) -> str:
    """Lower-case a matched word when it is written entirely in capitals."""
    word = match.group(0)
    return word.lower() if word.isupper() else word


def _letter_count(text: str) -> int:
    """Return the number of alphabetic characters in ``text``."""
    return sum(1 for ch in text if ch.isalpha())


class LanguageDetector:
    """Detect the language of a webcare message, with thread/default fallback.

    Args:
        default_language: Language returned when neither the message nor the
            thread gives a usable answer.
        supported: Languages the product handles.  A result outside this set
            is only accepted when langdetect is very confident
            (:attr:`UNSUPPORTED_MIN_CONFIDENCE`) on a text that is long
            enough (:attr:`UNSUPPORTED_MIN_LETTERS`); otherwise the
            detector falls back as for a low-confidence result.
        min_letters: Minimum number of letters (after cleaning) before
            langdetect is consulted at all.
        seed: Seed of the private langdetect factory; equal seeds give equal
            results.

    Raises:
        ValueError: On an empty default language or supported list, or a
            negative ``min_letters``.
    """

    #: Minimum top probability for any result to be accepted.
    MIN_CONFIDENCE: Final[float] = 0.5
    #: Minimum probability for a language outside ``supported``.
    UNSUPPORTED_MIN_CONFIDENCE: Final[float] = 0.9
    #: Minimum letters for a language outside ``supported``: langdetect is
    #: over-confident on short texts and labels short Dutch as Danish,
    #: Croatian, Turkish ... (``"kan ik ff bellen"`` -> ``da`` at 0.99999).
    UNSUPPORTED_MIN_LETTERS: Final[int] = 20
    #: Only the most recent part of a long thread is analysed (characters).
    MAX_THREAD_CHARS: Final[int] = 2000

    def __init__(
        self,
        default_language: str = "nl",
        supported: Sequence[str] = ("nl", "en", "de", "fr"),
        min_letters: int = 12,
        seed: int = 0,
    ) -> None:
        if not default_language:
            raise ValueError("default_language must be a non-empty language code")
        if isinstance(supported, str):
            raise ValueError("supported must be a sequence of language codes, not a string")
        if not supported:
            raise ValueError("supported must contain at least one language code")
        if min_letters < 0:
            raise ValueError(f"min_letters must be >= 0, got {min_letters}")
        self._default = default_language
        self._supported: frozenset[str] = frozenset(supported)
        self._min_letters = min_letters
        self._seed = seed
        self._factory: DetectorFactory | None = None
        self._lock = threading.Lock()

    @property
    def default_language(self) -> str:
        """The language assumed when nothing else can be determined."""
        return self._default

    @property
    def supported(self) -> frozenset[str]:
        """The languages the product handles."""
        return self._supported

    def detect(self, text: str, thread: Sequence[str] = ()) -> LanguageResult:
        """Return the language of ``text``.

        Args:
            text: The message to classify.
            thread: Earlier messages of the same conversation, oldest first;
                used only when ``text`` itself is inconclusive.

        Returns:
            A :class:`LanguageResult` whose ``method`` tells whether the
            message, the thread or the default decided.
        """
        found = self._detect_clean(clean_text(text))
        if found is not None:
            return LanguageResult(found[0], found[1], "langdetect")
        if thread:
            joined = clean_text("\n".join(thread))
            if len(joined) > self.MAX_THREAD_CHARS:
                joined = joined[-self.MAX_THREAD_CHARS :]
                joined = joined.split(" ", 1)[-1]  # drop a cut-off first word
            found = self._detect_clean(joined)
            if found is not None:
                return LanguageResult(found[0], found[1], "thread")
        return LanguageResult(self._default, 0.0, "default")

    def function_word_hits(self, text: str) -> dict[str, int]:
        """How many of each supported language's distinctive function words ``text`` contains (word
        tokens, case-insensitive): evidence beside langdetect's verdict for short sentences."""
        words = [w.lower() for w in clean_text(text).split()]
        return {
            language: sum(w in vocabulary for w in words)
            for language in sorted(self._supported)
            if (vocabulary := _FUNCTION_WORDS.get(language)) is not None
        }

    # -- internals ------------------------------------------------------------

    def _get_factory(self) -> DetectorFactory:
        """Return this instance's langdetect factory, loading profiles once."""
        factory = self._factory
        if factory is None:
            with self._lock:
                factory = self._factory
                if factory is None:
                    factory = DetectorFactory()
                    factory.load_profile(PROFILES_DIRECTORY)
                    factory.set_seed(self._seed)
                    self._factory = factory
        return factory

    def _canonical(self, language: str) -> str:
        """Map a langdetect code onto a supported sibling where applicable."""
        target = _SIBLINGS.get(language)
        if target is not None and target in self._supported and language not in self._supported:
            return target
        return language

    def _detect_clean(self, cleaned: str) -> tuple[str, float] | None:
        """Run langdetect on cleaned text; None when the result is unusable."""
        letters = _letter_count(cleaned)
        if letters < max(self._min_letters, 1):
            return None
        detector = self._get_factory().create()
        detector.append(cleaned)
        try:
            probabilities = detector.get_probabilities()
        except LangDetectException:
            return None
        merged: dict[str, float] = {}
        for item in probabilities:
            code = self._canonical(item.lang)
            merged[code] = merged.get(code, 0.0) + float(item.prob)
        if not merged:
            return None
        language, confidence = max(merged.items(), key=lambda kv: (kv[1], kv[0]))
        confidence = min(max(confidence, 0.0), 1.0)
        if confidence < self.MIN_CONFIDENCE:
            return None
        if language not in self._supported:
            by_words = self._by_function_words(cleaned)
            if by_words is not None:
                return by_words
            if confidence < self.UNSUPPORTED_MIN_CONFIDENCE or letters < max(self._min_letters, self.UNSUPPORTED_MIN_LETTERS):
                return None
        return language, confidence

    def _by_function_words(self, cleaned: str) -> tuple[str, float] | None:
        """The supported language whose distinctive function words make up much of the text, with
        that share as confidence; None when no language clearly does."""
        words = [w.lower() for w in cleaned.split()]
        if not words:
            return None
        shares: list[tuple[float, str]] = []
        for language in self._supported:
            vocabulary = _FUNCTION_WORDS.get(language)
            if vocabulary is None:
                continue
            hits = [w for w in words if w in vocabulary]
            if len(set(hits)) >= _FUNCTION_WORD_MIN_HITS:
                shares.append((len(hits) / len(words), language))
        if not shares:
            return None
        shares.sort(reverse=True)
        share, language = shares[0]
        if share < _FUNCTION_WORD_MIN_SHARE or (len(shares) > 1 and shares[1][0] >= share):
            return None
        return language, round(share, 3)
