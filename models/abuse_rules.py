"""Abuse aimed at a group of people, and group slurs: the hate-speech part of the ``heated`` detector.

A public thread with "Immigranten zijn menselijk afval" or a slur in it must reach an agent (and a
moderator) whoever the customer aims it at. :func:`group_abuse` finds a mention of a group of people
(by religion, origin, colour, sexuality, gender identity, disability, gender) together with a
derogatory, dehumanising, excluding or violent predicate in the same message, and group slurs on their
own. Both are read in a normalised text, so that spelled-out ("v e r a c h t e l i j k") and leetspeak
("afv4l") variants count too.

What it leaves alone: the same words negated ("Moslims zijn niet dom", "we mogen geen enkele
vluchteling laten lijden"), counter-speech that quotes or reports abuse in order to reject it ("Als je
zegt 'ik haat transgenders', dan discrimineer je!"), and a reclaimed or homonymous "flikker" ("wij
flikkers zijn trots", "van mijn fiets flikkeren").

The lexicons were written from general knowledge of Dutch abuse and checked against the ``dev`` half
of HateCheck-NL (bench/hatecheck.py splits it by template); the ``test`` half is only measured.
"""

from __future__ import annotations

import re

from models.lexicon import NEGATED_AFTER, deobfuscate, join_spaced_letters, rx

__all__ = ["counter_speech", "group_abuse", "harmless_flikker", "negated_before", "normalise_spelling"]


# groups of people (plural, and the singular forms a generalisation uses: "een Moslim is ...")
_GROUP = rx(
    r"homo(?:'s|s|seksuelen|fielen)", r"lesbiennes", r"lesbische vrouwen", r"biseksuelen", r"transgenders", r"trans(?:personen|vrouwen|mannen)",
    r"vrouwen", r"moslims", r"islamieten", r"joden", r"joodse mensen", r"zwarten", r"zwarte (?:mensen|personen|mannen|vrouwen)",
    r"gekleurde mensen", r"mensen van kleur", r"gehandicapten", r"invaliden", r"immigranten", r"migranten", r"vluchtelingen",
    r"asielzoekers", r"allochtonen", r"buitenlanders", r"marokkanen", r"turken", r"surinamers", r"antillianen", r"roma", r"zigeuners",
    r"arabieren", r"afrikanen", r"aziaten", r"chinezen", r"statushouders", r"nieuwkomers",
    # one member standing for all of them ("een Moslim is ..."); "als buitenlander" (about oneself) is not one
    r"(?:een|elke|iedere|zo'n) (?:homo|homoseksuele|lesbienne|transgender|vrouw|moslim|jood|zwart persoon|zwarte|gehandicapte|immigrant|migrant|"
    r"vluchteling|asielzoeker|allochtoon|buitenlander|marokkaan|turk)",
)
# what is said of them. The (?:\w*?) prefix on a few nouns also finds them glued to the word before
# ("danafval", "enormeschoften"), a spelling trick to dodge filters.
_PREDICATE = rx(
    # contempt and disgust
    r"walgelijk\w*", r"verachtelijk\w*", r"misselijkmakend\w*", r"weerzinwekkend\w*", r"minderwaardig\w*", r"smerig\w*",
    r"\w*?(?:afval|vuilnis|vuiligheid|uitschot|ongedierte|kakkerlakken|parasieten|schoften|rotzakken)", r"tuig", r"schorem",
    r"ratten", r"beesten", r"een plaag", r"de pest", r"\w*?zielig", r"onmensen",
    # stupidity as a group trait
    r"(?:zo |de |het )?dom(?:me|mer|ste)?", r"onwetend\w*", r"achterlijk\w*", r"nooit (?:intelligent|slim|te vertrouwen)", r"niet te vertrouwen",
    # hatred
    r"haat(?! (?:het|dat|dit|wachten))", r"haten", r"veracht(?:en)?", r"minachting", r"walg(?:en|t)? (?:\w+ ){0,3}van", r"walgt me",
    r"maken me (?:zo |echt )?(?:ziek|misselijk|kotsmisselijk)", r"verdomde", r"rotbek", r"(?:alle|al die|die|ze) (?:\w+ ){0,2}doden", r"(?:echt |gewoon )?niet uitstaan", r"de ergste\w*",
    r"maakt me (?:zo |echt )?(?:boos|ziek|misselijk|woedend|kotsmisselijk)", r"ben het zat", r"kots van",
    # exclusion
    r"horen (?:hier |niet |nergens )(?:\w+ ){0,4}thuis", r"horen hier niet", r"oprotten", r"moeten (?:hier )?weg", r"(?:terug|weg) naar (?:hun|hun eigen|eigen) land",
    r"(?:zullen|passen) er nooit bij(?: passen)?", r"geen recht (?:om te leven|op leven|om te bestaan|te bestaan)", r"niet welkom",
    r"(?:ons|het) land (?:\w+ ){0,2}(?:ruïneren|ruineren|verpesten|kapotmaken)",
    # violence wished or announced
    r"ge[eë]xecuteerd", r"executeren", r"uitgeroeid", r"uitroeien", r"ophangen", r"opgehangen", r"verdrinken", r"doodgeschoten", r"doodschieten",
    r"vergassen", r"vergast", r"martelen", r"gemarteld", r"(?:zien|laten|moeten|zullen|moet|zal) (?:\w+ ){0,3}lijden", r"afmaken", r"afgemaakt", r"vermoorden", r"vermoord",
    r"(?:keel|kelen) (?:\w+ ){0,4}(?:door ?(?:te )?snijden|doorsnijden|doorgesneden)", r"nek(?:ken)? (?:\w+ ){0,4}(?:breken|gebroken)",
    r"een einde (?:\w+ ){0,2}maken aan", r"(?:van|ons van) (?:\w+ ){0,3}ontdoen", r"deporteren", r"in brand steken", r"blijven aanvallen",
)
# group slurs, abusive on their own
_SLUR = rx(
    r"neger(?:s|in|innen)?", r"bosneger", r"zandneger", r"roetmop", r"kamelenneuker", r"geitenneuker", r"haatbaard", r"cultuurverrijker",
    r"kansenparel", r"niknok", r"spleetoog", r"poepchine(?:es|zen)", r"sodomiet(?:en)?", r"manwijf", r"manwijven", r"flikkers?", r"kreupelen",
    r"slet(?:ten)?",
    # plurals, also glued to the word before ("te veelkamelenneukers")
    r"\w*?(?:bosnegers|zandnegers|roetmoppen|kamelenneukers|geitenneukers|haatbaarden|cultuurverrijkers|kansenparels|niknokken|spleetogen)",
)
_FLIKKER_FINE = rx(
    r"(?:wij|we|ik|mezelf|onszelf|ons) (?:\w+ ){0,4}flikkers?", r"(?:geweldig|trots\w*) (?:\w+ ){0,3}flikkers?", r"flikkers? (?:\w+ ){0,2}te zijn",
    r"(?:mijn|m'n) (?:\w+ )?flikkers", r"van (?:mijn|m'n|de|het|z'n|zijn|haar) \w+ (?:af )?flikker\w*", r"flikkers? (?:\w+ ){0,4}(?:trots|noemen|toe-?eigening)",
    r"op (?:je|z'n|zijn|haar|mijn|m'n|hun) flikker", r"het woord flikker", r"flikker(?:en|t)? (?:\w+ ){0,3}(?:van|uit|in|weg|naar|op)\b(?! (?:jullie|je|ons))",
    r"(?:ik|je|jij|hij|ze|zij|we) flikker (?:die|dat|het|de|m'n|mijn)",
)
# counter-speech: abuse quoted or reported in order to reject it
_QUOTED = re.compile(r"[\"“”„']([^\"“”„']{3,120})[\"“”„']")
_REPORTED = rx(
    r"(?:zei|zegt|zeiden|zeggen|zeg|beweert|beweerde|schreef|schrijft|geloven|gelooft)(?: \w+){0,3} dat", r"als je (?:\w+ ){0,4}(?:zegt|zeggen|noemt)",
    r"berichten (?:sturen|stuurt )?(?:zoals|als)", r"noem(?:en|t|de|den)?", r"het (?:schrijven|zeggen|posten) van", r"zeggen",
)
_REJECTION = rx(
    r"discrimin\w*", r"respect\w*", r"geblokkeerd", r"verbannen", r"racis\w*", r"kwetsend\w*", r"beledig\w*", r"scheldwoord\w*", r"haatzaai\w*",
    r"niet (?:oké|ok|oke|normaal|acceptabel)", r"onacceptabel", r"ongepast", r"dat kan (?:echt )?niet", r"schaam je", r"homofo\w*", r"seksis\w*",
    r"hatelijk\w*", r"haatvol\w*", r"verschrikkelijk", r"(?:niet )?tolereren", r"siert je niet", r"misleid\w*", r"ophouden met", r"stop(?:pen)? met",
    r"uitspreken tegen", r"(?:kan|kun|kunt) (?:je |jij )?(?:toch )?niet (?:echt )?(?:geloven|menen)", r"hoe kun je",
)
_NEGATION_WORD = re.compile(r"\b(?:niet|geen|nooit|niemand|nergens|tegenovergestelde van)\b", re.IGNORECASE)


def normalise_spelling(text: str) -> str:
    """'v e r a c h t e l i j k' -> 'verachtelijk', 'afv4l' -> 'afval', 'k*t' -> 'kut'; prices, times and
    '4e', '3x', '12u' stay. Same length as the input only when no spaced letters were joined."""
    return deobfuscate(join_spaced_letters(text))


def negated_before(text: str, start: int, window_words: int = 4) -> bool:
    """A negation among the few words before ``start`` in the same clause."""
    before = re.split(r"[,.;:!?]", text[:start])[-1]
    return bool(_NEGATION_WORD.search(" ".join(before.split()[-window_words:])))


def counter_speech(text: str, start: int, end: int) -> bool:
    """The match is quoted, or reported, by a message that rejects it."""
    rejects = bool(_REJECTION.search(text))
    quoted = any(q.start(1) <= start and end <= q.end(1) for q in _QUOTED.finditer(text))
    return rejects and (quoted or bool(_REPORTED.search(text)))


def harmless_flikker(text: str, start: int, end: int) -> bool:
    """The "flikker" at ``start:end`` of ``text`` is reclaimed ("wij flikkers zijn trots") or another word
    ("van mijn fiets flikkeren", "op je flikker krijgen")."""
    return any(f.start() <= start < f.end() or f.start() < end <= f.end() for f in _FLIKKER_FINE.finditer(text))


def group_abuse(message: str) -> str | None:
    """An explanation when ``message`` abuses a group of people or uses a group slur, else None."""
    text = normalise_spelling(message)
    for slur in _SLUR.finditer(text):
        word = slur.group(0).lower()
        if word.startswith("flikker") and harmless_flikker(text, slur.start(), slur.end()):
            continue
        if counter_speech(text, slur.start(), slur.end()) or negated_before(text, slur.start(), 2):
            continue
        return f"group slur: '{slur.group(0)}'"
    groups = list(_GROUP.finditer(text))
    if not groups:
        return None
    for predicate in _PREDICATE.finditer(text):
        if any(g.start() <= predicate.start() < g.end() for g in groups):
            continue  # the predicate is part of the group words
        if negated_before(text, predicate.start()) or counter_speech(text, predicate.start(), predicate.end()):
            continue
        group = min(groups, key=lambda g: abs(g.start() - predicate.start()))
        if NEGATED_AFTER.match(text[max(group.end(), predicate.end()) :]):
            continue  # "ik haat vrouwen niet"
        if group.end() <= predicate.start() and _NEGATION_WORD.search(text[group.end() : predicate.start()]):
            continue  # "Moslims zijn helemaal en absoluut niet dom"
        if group.start() > predicate.start() and negated_before(text, group.start()):
            continue  # "ik haat geen vluchtelingen": the negation stands before the group that follows the predicate
        return f"abuse aimed at a group: '{group.group(0)}' ... '{predicate.group(0)}'"
    return None
