"""Transparent escalation detectors: one per reason of the fixed vocabulary, each says what matched.

Every detector is a small Dutch lexicon or pattern set with word boundaries; the ones whose words
also occur in harmless messages ("boeken over advocatuur", "lees de krant", "brandalarm wordt
getest") need a *threat cue* next to the entity (an action the customer takes or announces).
A detector returns ``None`` or a :class:`RuleHit` whose ``explanation`` an agent can read.

Reasons (see retrieval.kb_schema.ESCALATION_REASONS):

* ``privacy``  personal data (PiiDetector) in a message on a public channel
* ``legal``    lawyer, court, ACM, Consumentenbond, Geschillencommissie ... with a threat cue
* ``media``    journalist, newspaper, TV programme, going viral ... with a threat cue
* ``churn``    cancelling (for oneself, not for a deceased parent / a child), switching away
* ``safety``   injury, danger, fire, broken facilities that hurt people
* ``security`` hacked account, phishing, fraud, a data leak
* ``repeated`` the thread shows the same problem reported before and not solved
* ``heated``   threats of violence, abuse aimed at a group of people and group slurs (models/abuse_rules.py),
               insults and abusive slang (also spelled "k*t", "kkr", "k4nker"), cursing over a complaint,
               shouting in capitals, piles of exclamation marks; not when quoted or reported to reject it

The module has no heavy dependencies (no models): the PII detector is passed in.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from models.abuse_rules import counter_speech, group_abuse, harmless_flikker, negated_before
from models.lexicon import NEGATED_AFTER, deobfuscate, rx
from models.pii import PiiDetector

__all__ = ["EscalationRules", "RuleHit", "thread_state", "ThreadState", "tokens"]


@dataclass(frozen=True)
class RuleHit:
    reason: str
    explanation: str


def _negated(message: str, match: re.Match[str]) -> bool:
    """'ik zou nooit ...' before, or Dutch 'ik haat X niet' after the match."""
    return bool(_NEGATION.search(message[: match.start()][-30:]) or NEGATED_AFTER.match(message[match.end() :]))


def _original(message: str, clean: str, match: re.Match[str]) -> str:
    """The words as the customer wrote them for a match found in the de-obfuscated text (same length
    when only characters were swapped; otherwise the clean words)."""
    return message[match.start() : match.end()] if len(message) == len(clean) else match.group(0)


def _first(pattern: re.Pattern[str], text: str) -> str | None:
    m = pattern.search(text)
    return m.group(0) if m else None


def _quote(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


_WORD = re.compile(r"\w+", re.UNICODE)


def tokens(text: str) -> list[str]:
    return [t.lower() for t in _WORD.findall(text)]


# --- lexicons ---------------------------------------------------------------------------------------
# negation right before a cue ("geen advocaat nodig", "niet gehackt") cancels it
_NEGATION = re.compile(r"(?:\b(?:geen|niet|nooit|zonder)\s+(?:\w+\s+)?)$", re.IGNORECASE)

_LEGAL_STRONG = rx(
    r"ACM", r"consumentenbond", r"geschillencommissie", r"kantonrechter", r"rechtsbijstand\w*", r"juristen",
    r"aanklagen", r"aanklacht", r"ingebrekestelling", r"sommatie", r"namens (?:mijn|onze) cli[eë]nt\w*", r"bij gebreke (?:waarvan|daarvan)", r"dagvaard\w*", r"kort geding",
    r"thuiswinkel waarborg", r"juridische stappen", r"autoriteit persoonsgegevens", r"aangifte (?:\w+ ){0,3}gedaan",
    r"college voor de rechten van de mens", r"(?:my )?lawyer", r"sue you", r"small claims", r"filing a complaint",
    r"start ik een procedure", r"via de rechter", r"(?:stel|stellen) (?:ik|wij|we) (?:u|jullie) (?:hierbij )?in gebreke", r"in gebreke (?:gesteld|stellen|te stellen)",
    r"ontbind\w* (?:ik |wij |we )?(?:de |deze )?(?:koop)?overeenkomst", r"ontbinding van de (?:koop)?overeenkomst", r"wettelijke rente",
    r"(?:sleep|slepen|sleept) (?:\w+ ){0,2}voor de rechter",
    r"formeel in gebreke", r"(?:stel|stellen) (?:ik|wij|we) (?:\S+ ){0,2}(?:hierbij |formeel )*in gebreke",
)
_LEGAL_ENTITY = rx(
    r"advoca(?:at|ten)", r"jurist", r"rechter", r"rechtszaak", r"rechtbank", r"(?:nationale |gemeentelijke )?ombudsman",
    r"juridisch(?:e)? (?:loket|weg)", r"aangifte", r"politie", r"incassobureau", r"procedure",
)
_LEGAL_CUE = rx(
    r"ik ga", r"ga ik", r"stap(?:pen)? ik", r"ik stap", r"schakel\w*", r"inschakelen", r"neemt contact",
    r"leg\w* (?:ik )?(?:dit|het)? ?voor", r"voorleggen", r"ingelicht", r"melden", r"meld(?:t)? ik", r"ga melden",
    r"klacht", r"ingediend", r"indienen", r"aangifte doen", r"doe ik aangifte", r"overweeg\w*",
    r"tegen (?:jullie|u|de bieb\w*|de bibliotheek|voltera|het bedrijf)", r"via de rechter", r"naar de",
    r"dan maar", r"juridische stappen", r"namens mijn", r"mijn advocaat", r"binnen \d+ dagen",
    r"verzoek ik u", r"aansprakelijk\w*", r"ook (?:\w+ )?(?:geweldig|mooi|leuk|fantastisch|interessant) vinden", r"vast (?:sneller|ook)",
    r"gaat naar", r"dit gaat", r"vindt het ook", r"(?:ga|gaan) (?:ik |we )?(?:er |hier |daar )?(?:mee )?verder(?: mee)?", r"gebeld", r"zeggen (?:dat )?(?:jullie|u)",
    r"(?:gaat|gaan) (?:er |hier |dit )?(?:eens )?naar kijken", r"volgens (?:hen|hem|haar|de wet)", r"(?:zijn|is) (?:jullie |u )?verplicht",
    r"voorgelegd", r"(?:we|wij) stappen", r"(?:laten|laat|liet) (?:\w+ )?(?:opstellen|opmaken|versturen)", r"stappen (?:we|wij|naar)", r"(?:mijn|m'n|mn) (?:advocaat|jurist|rechtsbijstand)",
)
_LEGAL_TOPIC = rx(r"boeken? over", r"thriller", r"roman", r"\w*studie", r"wil \w+ worden", r"spreekuur", r"zoek\w* (?:een|naar)",
                   r"opzoeken", r"informatie over", r"lezing over")

_MEDIA_ENTITY = rx(
    r"journalist\w*", r"verslaggever\w*", r"redactie", r"krant(?:en)?", r"\w*(?:courant|dagblad)", r"de pers",
    r"radar", r"kassa", r"opgelicht\?*", r"tros", r"omroep \w+", r"rtl(?: nieuws)?", r"nos", r"telegraaf",
    r"tv(?:-programma)?", r"televisie", r"nieuws", r"tiktok", r"youtube", r"insta(?:gram)?", r"twitter", r"op x",
    r"story", r"social(?: media)?", r"linkedin", r"reddit", r"facebookgroep", r"de groep", r"volgers",
    r"\w*nieuwsblad", r"\w*krant(?:en|je)?", r"(?:dag|week|huis-aan-huis|ochtend|avond|wijk)blad\w*", r"blog", r"vlog", r"podcast", r"buurtapp", r"wijkapp", r"nextdoor", r"whatsappgroep\w*",
    r"buurtgroep\w*", r"omroep\w*", r"radio\w*", r"(?:de )?media", r"artikel", r"rtv \w+", r"regionale? (?:omroep|zender|tv)",
)
_MEDIA_CUE = rx(
    r"gemaild", r"gestuurd", r"doorsturen", r"ingelicht", r"gesproken", r"getipt", r"tippen", r"gedeeld",
    r"delen", r"zetten", r"zet ik", r"ik zet", r"gaat (?:zo )?op", r"staat (?:het |erop|er op|op)\w*",
    r"komt (?:het )?in", r"misschien iets voor jullie", r"heel nederland", r"iedereen mag", r"eens kijken",
    r"publiek", r"openbaar maken", r"ik ben journalist", r"werk aan een (?:stuk|artikel)", r"benader\w*", r"vinden",
    r"kopie", r"ga (?:ik )?(?:hier|dit)", r"video over maken", r"schrijf\w*", r"post dit overal",
    r"zet (?:ik |het |dit )?(?:\w+ ){0,3}(?:in|op)", r"(?:gaat|komt) (?:\w+ ){0,3}(?:in|op)", r"mensen moeten (?:dit|het) weten", r"iedereen moet (?:dit|het) weten",
    r"tip\w*", r"mail(?:de|en)?", r"contact opgenomen", r"oppakken", r"aandacht aan",
    r"gezet", r"geplaatst", r"gepost", r"posten", r"gebeld", r"(?:komen|komt) (?:\w+ ){0,2}kijken", r"oproep", r"mijn verhaal",
    r"werkt (?:\w+ ){0,2}(?:bij|op|voor) (?:de |een |het )?(?:\w+ ){0,2}(?:redactie|krant|omroep|programma)", r"(?:zeer |erg |heel )?geïnteresseerd in (?:de manier|hoe|uw|jullie)",
    r"(?:item|reportage|stuk|artikel|filmpje|video) (?:\w+ ){0,2}over (?:\w+ ){0,2}maken", r"(?:gaat|gaan) (?:het|dit) (?:\w+ ){0,2}naar",
    # "heb het doorgestuurd naar ...", "hij vond het verhaal best interessant"
    r"doorgestuurd", r"vond(?:en)? (?:\w+ ){0,6}interessant",
    r"(?:werkt|werken) (?:\w+ ){0,2}(?:bij|voor) (?:de |het )?(?:rtl|nos|sbs|omroep|\w*krant|redactie|radar|kassa|opgelicht|tv|televisie)\w*",
)
_MEDIA_STRONG = rx(
    r"viraal", r"\d+(?:[.,]\d+)?k (?:volgers|subs|abonnees|followers)", r"@omroep\w*", r"in de uitzending", r"ingezonden brief",
    r"namens (?:radio|tv|omroep|de krant|het programma)\b", r"wil (?:\w+ ){0,2}(?:verhaal|artikel|stuk) (?:\w+ )?(?:plaatsen|publiceren|brengen)", r"(?:omroep|krant|redactie) (?:\w+ ){0,2}(?:eens )?uitzoeken", r"\d{1,3}(?:\.\d{3})+ (?:leden|volgers|abonnees)",
    r"ik ben journalist", r"journalist (?:bij|voor|van)", r"verslaggever", r"redacteur", r"opiniestuk", r"rt dit", r"\d+ retweets",
    r"tweet staat", r"youtube-?video", r"ik ben \S*youtuber", r"techblog", r"deel dit", r"dreig\w* met (?:kassa|radar|de krant|de pers)",
    r"(?:radar|kassa|opgelicht\?*) (?:vindt|vind|gaat|wil)", r"(?:courant|dagblad|krant) (?:\w+ ){0,2}(?:vast|ook) ",
    r"(?:schrijf|werk) (?:\w+ ){0,2}(?:een |aan een )?(?:artikel|stuk|reportage|item) (?:voor|over|in)", r"(?:verslaggever|redacteur|journalist)(?:e|s)? (?:van|bij|voor)",
    r"\d+(?:[.,]\d+)?k? (?:lezers|kijkers|luisteraars|abonnees|volgers)", r"(?:blog|vlog|kanaal|podcast|account) (?:\w+ )?met \d", r"\w*recensent",
    r"@(?:radar|kassa|opgelicht|tros|rtlnieuws|nos|telegraaf|volkskrant|nrc|ad_?nl|parool|omroep)\w*", r"retweet\w*", r"(?:dit|het) moet iedereen weten",
    r"deel (?:dit|het) (?:\w+ )?(?:zoveel mogelijk|overal)",
    # making a programme item: "ik maak voor het radioprogramma een item over ..."
    r"(?:maak|maken|maakt) (?:\S+ ){0,6}(?:een )?(?:item|reportage|uitzending|aflevering|documentaire) over",
)
# a television the customer bought is a product, not the medium: "een televisie gekocht", "mijn tv"
_DEVICE_BEFORE = re.compile(r"(?:een|mijn|m'n|mn|die|deze|onze|ons|nieuwe|geannuleerde|kapotte|defecte)\s+$", re.IGNORECASE)

_CHURN_CANCEL = rx(
    r"opzeggen", r"opgezegd", r"zeg\w* (?:\S+ ){0,4}op", r"\S+ opzeg", r"beëindig\w*", r"beeindig\w*",
    r"(?:lidmaatschap|(?:\w+-)?abonnement|account|pas) (?:\w+ ){0,3}(?:stoppen|stopzetten|stopgezet|opheffen|opgeheven|verwijderen|sluiten|schrappen)",
    r"stop(?:pen)? (?:met|ermee)", r"overstappen(?! naar (?:een )?(?:basis|plus|totaal|compleet|jeugd|premium|student|ander(?:e)? (?:abonnement|pakket)|goedkoper))", r"stap (?:ik )?over", r"ga (?:ik )?(?:wel )?naar (?:de )?(?:bieb|bibliotheek|coolblue|bol|mediamarkt|amazon|de concurrent|een ander)\w*",
    r"klant (?:af|geweest)", r"nooit meer (?:bieb|bestellen|bij jullie|iets bij jullie|voltera|een bestelling)\w*",
    r"(?:dit was|dat was) de laatste keer", r"laatste bestelling", r"ben er klaar mee",
    r"bestel (?:ik )?voortaan", r"voortaan (?:gewoon )?bij",
    r"(?:koop|kopen|bestel\w*|leen|lenen|haal|halen|ga|gaan|lees|lezen) (?:\w+ ){0,5}(?:ergens anders|elders)", r"(?:ergens anders|elders) (?:te )?(?:kopen|bestellen|lenen|halen|heen|lid|plaatsvinden)",
    r"zien (?:jullie |ze |u )?(?:mij|me|ons|die) (?:\w+ )?(?:niet|nooit) meer", r"(?:mij|me|ons|die) zien (?:jullie|ze|u) (?:\w+ )?(?:niet|nooit) meer", r"(?:klant)?account (?:is )?verwijder\w*",
    r"(?:klant)?account verwijderen", r"ontvolg\w*", r"cancel+ed my (?:membership|account|order)", r"never again",
    r"nooit meer (?:@\w+|bestellen|bij jullie|bieb\w*|voltera)", r"(?:coolblue|mediamarkt|bol(?:\.com)?|amazon) (?:regelt|bestel|haal)\w*", r"haal (?:ik )?(?:hem|het|die) wel bij",
    r"alsof ik (?:\S+ )?(?:nog )?(?:een keer|ooit) (?:\w+ ){0,3}bestel", r"(?:ik|wij) (?:bestel|koop)\w* (?:voortaan|vanaf nu|wel) (?:bij|ergens)",
    r"hoef ik jullie (?:ook )?niet meer", r"doei", r"ik ben weg",
    r"(?:ben|word|blijf) (?:ik )?(?:\w+ )?geen (?:lid|klant|abonnee) meer", r"(?:lidmaatschap|abonnement|account) (?:\w+ ){0,3}(?:stopzetten|opzeggen|beëindigen|opheffen)",
    r"(?:laatste|allerlaatste) (?:aankoop|keer|bestelling) (?:bij|van|hier)", r"laatste keer dat ik (?:hier|bij jullie|bij \w+) (?:\w+ ){0,2}(?:koop|bestel|kom|leen)",
    r"(?:volgende|nieuwe) \w+ (?:haal|koop|bestel|leen) ik (?:\w+ )?(?:bij|ergens)", r"ben ik weg(?: bij)?", r"(?:hoeft|hoef) (?:het|ik het) (?:voor mij )?niet meer",
    r"(?<=[,.!] )nooit meer[.!]*$", r"(?:ga|stap|ben) (?:ik )?(?:\w+ )?over (?:naar|op)", r"naar de concurrent", r"bij de concurrent",
    # thinking of leaving, going elsewhere, a lost customer, "cancel"
    r"stop te zetten", r"op te zeggen", r"op te heffen", r"klant kwijt",
    r"ga (?:ik )?(?:voortaan |dan |gewoon )+(?:wel )?naar (?:de )?(?:bieb|bibliotheek|coolblue|bol|mediamarkt|amazon|concurrent|een ander)\w*",
    r"bij (?:coolblue|mediamarkt|bol(?:\.com)?|amazon|de concurrent) (?:\w+ ){0,4}(?:wel|gewoon) (?:\w+ ){0,3}(?:voor elkaar|geregeld|goed|snel)",
    r"cancel\w* (?:\S+ ){0,2}\S*(?:lidmaatschap|abonnement|account)",
    r"houdt het (?:\w+ ){0,2}(?:voor mij|voor ons) op", r"(?:klanten|huishoudens|gezinnen|leden) (?:\w+ )?(?:die )?jullie kwijt",
    r"voortaan naar (?:de )?(?:mediamarkt|coolblue|bol|amazon|concurrent)\w*", r"(?:bestel|koop|kom|leen) (?:\w+ ){0,2}nooit meer",
    r"(?:een )?andere (?:webshop|winkel|bibliotheek|bieb|aanbieder) (?:\w+ ){0,4}(?:klaar mee|over|naartoe|tips)", r"tips voor een andere (?:webshop|winkel|bibliotheek|bieb)",
    r"ben er (?:\w+ )?klaar mee", r"stop(?:pen)? (?:\w+ ){0,3}met (?:het |ons |mijn |onze )?(?:lidmaatschap|abonnement)",
    r"helemaal stoppen", r"ik wil over[.!]?$", r"account mag weg", r"(?:heeft|hebben) (?:\w+ ){0,3}geen zin meer (?:om )?(?:\w+ ){0,3}(?:te kopen|te bestellen|lid te)",
    # leaving in other words: "haal mij er maar af", "zet de boel maar stop", "mijn pas mag weg", "niet meer verlengen"
    r"haal (?:mij|me) (?:er )?(?:\w+ ){0,2}(?:af|uit)(?=[ .!,]*$|[.!,])", r"zet (?:\S+ ){0,4}(?:boel|\w*abonnement|lidmaatschap|pas|account|incasso|verzekering|\S+\+)(?: \S+){0,3} maar stop\b",
    r"(?:mijn|m'n|mn|ons|onze) (?:\w+ )?(?:pas|abonnement|lidmaatschap|account) mag (?:\w+ )?(?:weg|stoppen|eraf)",
    r"(?:abonnement|lidmaatschap|pas) (?:\w+ ){0,2}niet meer (?:te )?verlengen", r"van jullie af(?: te)? (?:gaan|zijn|stappen)",
    r"(?:heb|hebben) (?:ik |we )?(?:jullie|u) (?:\w+ ){0,2}niet meer nodig", r"(?:lees|luister|leen) (?:ik )?voortaan (?:gewoon )?(?:op|via)",
    r"verwijder (?:ik )?(?:mijn|m'n|mn) (?:klant)?account", r"(?:wil|willen) (?:\w+ ){0,2}(?:niks|niets) meer (?:mee )?te maken hebben",
    r"(?:haal|koop|bestel|leen) (?:ik )?(?:\w+ ){0,8}wel (?:\w+ ){0,6}bij een ander(?:e)?\b", r"(?:laat|laten) (?:\w+ ){0,3}\w*(?:account|abonnement|lidmaatschap|pas) (?:\w+ ){0,3}vervallen",
    r"ontdekt hoe (?:fijn|goed|snel|prettig) (?:andere|de concurrent)",
    # "mijn opzegging ingediend", "dit was mijn laatste maand", "weer een klant minder", "klaar met jullie",
    # "wens geen klant meer te zijn", "sluit mijn account", "wil het stoppen per eind deze maand"
    r"\w*(?:abonnement|lidmaatschap) (?:\w+ ){0,3}(?:stopgezet|opgeheven)", r"opzegging (?:\w+ ){0,3}(?:ingediend|ingestuurd|verstuurd|gedaan|doorgegeven)", r"(?:mijn|m'n|mn) (?:laatste|allerlaatste) (?:maand|jaar|week) (?:bij|als)",
    r"(?:weer )?een klant (?:minder|armer|weggejaagd)", r"klant (?:\w+ )?weggejaagd", r"scheelt (?:jullie|u) (?:weer )?een klant",
    r"(?:ben|zijn) (?:\w+ )?klaar met (?:jullie|u|voltera|de bieb\w*|de bibliotheek|dit bedrijf|deze (?:winkel|webshop|club|bieb))\b",
    r"(?:wil|wens|wensen|willen) (?:\w+ ){0,3}geen (?:lid|klant|abonnee) meer", r"sluit (?:\w+ )?(?:mijn|m'n|mn|ons|onze) (?:klant)?account",
    r"(?:wil|willen|ga|gaan) (?:ik |we )?(?:het|hem|dat|mijn \w+) (?:\w+ )?(?:stoppen|stopzetten|opzeggen) (?:per|met ingang van|vanaf)",
    r"(?:door|van) de concurrent (?:\w+ ){0,2}(?:bezorgd|geleverd|gekocht|besteld)",
    r"(?:al|gewoon|maar|inmiddels) (?:\w+ ){0,2}bij een andere (?:webshop|winkel|aanbieder|bibliotheek|bieb) (?:\w+ ){0,3}(?:besteld|gekocht|gehaald)",
)
# what is cancelled is not the relationship: a newsletter, a notification, one order or reservation
_CHURN_OBJECT_ONLY = rx(r"nieuwsbrief\w*", r"mailing\w*", r"notificatie\w*", r"meldingen", r"pushberichten", r"reservering\w*", r"herinnering\w*", r"sms(?:-?je)?s?", r"e-?mails")
_CHURN_PAST = rx(
    r"had (?:ik )?(?:al )?opgezegd", r"terwijl ik (?:\w+ ){0,4}opgezegd", r"['‘][^'’]*opzeggen[^'’]*['’]",
    r"(?:toen|destijds|vroeger|jaren geleden) (?:\w+ ){0,2}opgezegd", r"(?:weer|opnieuw) lid", r"ben ik (?:weer )?terug",
    # a pause is not a goodbye
    r"tijdelijk (?:\w+ )?(?:stop|stopzet|pauze|pauzeer|bevries|on hold)\w*",
    r"(?:moet|kan) ik (?:\w+ ){0,3}(?:zelf|eerst) opzeggen",
)
_CHURN_THIRD_PARTY = rx(
    r"overleden", r"(?:zijn|haar) (?:lidmaatschap|abonnement|pas|account)",
    r"van mijn (?:vader|moeder|dochter|zoon|man|vrouw|opa|oma|kind|kinderen)",
    r"(?:abonnement|lidmaatschap) van (?:mijn|m'n|mn) \w+", r"gaat (?:studeren|verhuizen)",
)

_SAFETY = rx(
    r"(?:levens)?gevaar(?:lijk)?", r"gewond\w*", r"verwond\w*", r"bloed\w*", r"gebroken (?:pols|arm|been|enkel|heup|neus)",
    r"(?:pols|arm|been|enkel|heup|neus) (?:\w+ )?gebroken", r"(?:ben|is|zijn) (?:\w+ )?(?:gevallen|gestruikeld|uitgegleden)",
    r"gestruikeld", r"uitgegleden", r"bijna (?:\w+ )?(?:gevallen|vallen|van de trap)",
    r"(?:van|uit|over|tegen|op) (?:de |het |een )?(?:\w+ )?(?:trap|trede|leuning|stoel|ladder|rek|kast|stoep|drempel|tegel|grond|vloer|roltrap)\w* (?:\w+ )?gevallen",
    r"(?:in|aan) (?:haar|zijn|mijn|z'n|m'n|mn|de) (?:hand|vinger|voet|been|arm|hoofd|knie)\w* (?:\w+ )?(?:gesneden|gebrand|geknipt|bezeerd)", r"(?:snij|schaaf|brand|bijt)wond\w*",
    r"buil", r"hersenschudding", r"(?:heeft|hebben|ben|is|zijn) (?:\w+ ){0,2}(?:gebrand|verbrand|gesneden|bezeerd)",
    # "is geraakt" (hit), not "zoek is geraakt" / "is kwijt geraakt" / "in paniek geraakt" (became)
    r"(?<!zoek )(?<!kwijt )(?:heeft|hebben|ben|is|zijn) (?:(?!zoek|kwijt|verloren|beschadigd|gewend|verslaafd|in\b|op\b)\w+ ){0,2}geraakt", r"verbrand\w*",
    r"(?:hangt|hing|hangen) (?:\S+ ){0,3}(?:half )?los",
    r"(?:leuning|trapleuning|tegel|plafondplaat|lamp|stellingkast|boekenkast|kast|rek|trede) (?:\S+ ){0,2}(?:zit|zat|is|hangt|hing|ligt|lag) (?:\S+ )?los", r"(?:valt|viel|vallen|kwam) (?:\w+ )?(?:zo )?naar beneden", r"(?:sist|sissen|siste)",
    r"vervorm\w*", r"kapot(?:te)? (?:glas|fles|ruit)", r"glas(?:scherven)?", r"(?:kreeg|krijg|kregen|krijgt) (?:\w+ )?(?:een )?(?:stroom|elektrische )?schok",
    r"(?:spijker|draad\w*|schroef|ijzerdraad|punt) (?:\w+ ){0,4}(?:steekt|stak|steken|staken) (?:\w+ ){0,3}uit", r"(?:steekt|stak) (?:een |\w+ )?(?:spijker|draad\w*|schroef) (?:\w+ ){0,3}uit", r"knie open", r"spiegelglad",
    r"(?:in )?brand(?! ?alarm)", r"rook(?:t|ontwikkeling)?", r"vlam(?:men)?", r"kortsluiting", r"ontplof\w*", r"geëxplodeerd",
    r"smelt\w*", r"oververhit\w*", r"(?:gloei|bloed)heet", r"schok(?:ken)? (?:gekregen|gehad)", r"onder stroom",
    r"draden (?:\w+ )?(?:zichtbaar|bloot|los)", r"stopcontact (?:\w+ )?los", r"nooduitgang\w*", r"(?:bel|belde|belden|bellen|gebeld) (?:\w+ )?112", r"112 (?:gebeld|bellen|erbij)", r"ambulance",
    r"ehbo(?:'er|er)? (?:\w+ ){0,3}(?:nodig|erbij|gehaald|verleend|gegeven|moeten)",
    r"klem (?:gekomen|gezeten|zat)", r"zit(?:ten)? vast (?:in|tussen)", r"vast tussen", r"beveiliging\?+",
    r"krijgt (?:ie|hij|je) er een", r"sla (?:ik )?(?:je|hem|jullie)", r"uitscheldt", r"bedreig\w*", r"agressie\w*",
    r"hoofd (?:aan|tegen)", r"heup breekt", r"iemand (?:\w+ )?(?:breekt|valt|gewond)", r"aed (?:\w+ ){0,3}(?:gebruikt|nodig|erbij|gehaald|ingezet)", r"in elkaar gezakt", r"onwel",
    r"lastig(?:ge)?vall\w*", r"durft (?:\w+ ){0,3}niet", r"geduwd", r"duwde", r"uitschold", r"schold", r"brandlucht", r"brandplek",
    r"(?:super|zo|erg|heel|gloeiend) heet", r"werd (?:\w+ )?heet", r"opgezwollen", r"vonk\w*", r"(?:begon te )?roken", r"gesprongen",
    r"scherven", r"aangereden", r"(?:reed|rijdt) (?:\w+ )?met \d+", r"gesmolten", r"zwartgeblakerd", r"gerafeld", r"gleed",
    r"uitglijden", r"lekkage", r"plas water", r"echt link", r"onbekende (?:\w+ ){0,3}(?:chat|bericht)\w*",
    # loose or falling parts, near misses, gas / suffocation, collapsing furniture, batteries
    r"losse (?:plaat|platen|plafondplaat|tegel|stoeptegel|plank|trede|traptrede|leuning|balk|dakpan)",
    r"(?:viel|valt|vielen|vallen|kreeg|krijgt|kwam|komt) (?:\w+ ){0,4}(?:op|tegen) (?:zijn|haar|mijn|m'n|mn|z'n|je|iemands|het) (?:hoofd|gezicht|hand|voet)",
    r"bijna (?:\w+ ){0,3}(?:geraakt|geëlektrocuteerd|verbrand|gestikt|verpletterd|overreden|aangereden)",
    r"geëlektrocuteerd", r"gaslucht", r"(?:ruik|rook|ruiken|ruikt) (?:\w+ ){0,2}gas", r"koolmonoxide", r"verstikking\w*",
    r"(?:kast|stelling|stellingkast|boekenkast|rek|schap|tv|televisie|bord|scherm) (?:\w+ ){0,3}(?:viel|valt|vielen) (?:\w+ ){0,2}om",
    r"omgevallen", r"instortings?gevaar", r"ingestort", r"scherpe (?:rand|randen|punt|punten)", r"splinters?",
    r"spekglad", r"glad (?:door|van) (?:de |het )?(?:regen|ijs|sneeuw|water|vocht)",
    r"(?:deur|lift\w*|schuifdeur) (?:\w+ ){0,4}(?:sloot|klapte|viel) (?:\w+ ){0,2}(?:op|tegen) (?:de |zijn |haar |mijn )?(?:arm|hand|been|vinger|voet|hoofd)\w*",
    r"(?:accu|batterij|powerbank) (?:\w+ ){0,5}(?:opgezwollen|staat bol|bol gaan staan|lekt|lekte)",
    # someone fell or nearly did, cuts, cracked glass, choking hazards, things hanging loose or askew
    r"(?:moeder|vader|oma|opa|dochter\w*|zoon\w*|kind\w*|man|vrouw|ik|hij|zij|baby|peuter) (?:\S+ ){0,8}(?:gevallen|gestruikeld|uitgegleden)",
    r"(?:viel|valt|vielen|vallen) (?:\w+ ){0,2}bijna", r"bijna (?:\w+ ){0,3}tegenaan", r"vlijmscherp", r"scherpe (?:hoek|kant|rand|punt)\w*",
    r"open(?:gehaald|geschaafd|gesneden|gehaald)", r"(?:ruit|glas|glazen deur|deur|raam) (?:\w+ ){0,4}(?:barst|gebarsten|gesprongen)",
    r"barst (?:\w+ ){0,4}(?:ruit|glas|deur|raam)", r"(?:in|uit) (?:zijn|haar|z'n|de) mond", r"verslik\w*", r"(?:ge)?stikt", r"stikken",
    r"(?:hangt|hing|hangen) (?:\S+ ){4,6}(?:half )?los", r"smolt", r"(?:kreeg|krijg|kregen|krijgt) (?:\w+ ){0,3}schok", r"knal", r"zwarte aanslag",
    r"blaren", r"kokend (?:heet )?water (?:\w+ ){0,3}(?:spuit|spoot|over)", r"te gloeien", r"\bseh\b", r"spoedeisende hulp", r"huisartsenpost",
    r"(?:doos|dozen|kast|rek|stelling|pallet|ladder|leuning|trede|plank|stapel) (?:\w+ ){0,3}wiebelt", r"(?:trekt|trekken) (?:\w+ ){0,2}(?:zo )?over (?:zich|zichzelf) heen", r"(?:plafond\w*|plaat|lamp|schap|bord) (?:\w+ ){0,2}(?:hangt |hing |zit |is )?scheef",
    # wiring, fingers caught, flames, allergic reactions, choking hazards, water by the sockets, falling goods
    r"stopcontact (?:\w+ ){0,2}(?:los|uit de muur)", r"(?:zie|ziet|zag) (?:je |ik |men )?(?:de )?(?:draadjes|draden|koperdraad)", r"draadjes (?:\w+ ){0,2}(?:bloot|los|uit)",
    r"(?:vinger|vingers|hand|handen|voet|teen|tenen) (?:\w+ ){0,2}(?:zat|zaten|kwam|kwamen) (?:\w+ ){0,2}(?:ertussen|tussen|klem)", r"nagel (?:\w+ ){0,2}(?:blauw|eraf)",
    r"vlam(?:metje|metjes)", r"allergische reactie", r"(?:rode |jeukende )?uitslag (?:\w+ ){0,3}(?:op|aan|in) (?:mijn|m'n|mn|zijn|haar|de) (?:huid|hand|handen|oren|gezicht|arm|armen|nek|lichaam)\w*",
    r"blaartjes", r"knoopbatterij\w* (?:\S+ ){0,8}(?:eruit|los|uit|mond|hand)", r"(?:peuters?|baby'?s?|kleintjes|kinderen) (?:\w+ ){0,3}(?:om )?op te kauwen", r"inslikken",
    r"water (?:\S+ ){0,8}(?:stekkerdoos|stopcontact|stekker)", r"(?:stekkerdoos|stopcontact) (?:\w+ ){0,4}(?:water|nat)",
    r"(?:van|uit) (?:de |het )?(?:bovenste )?(?:stelling|schap|rek|kast) (?:\w+ )?vallen",
    # someone loitering or following children, locked in, caught in a closing door, a child running towards traffic,
    # stairs for someone with a rollator, shocks, swelling batteries, the fire brigade
    r"(?:hangt|hing|hangen|hingen) (?:er )?(?:\S+ ){0,3}(?:een )?(?:man|mannen|vent|kerel|jongeren|hangjongeren|figuur|type) rond",
    r"(?:man|vent|kerel|vreemde|onbekende) (?:\S+ ){0,8}achter (?:de |die |deze |mijn |m'n )?(?:meisjes|kinderen|vrouwen|dochter|zoon|ze|haar|hem) aan", r"achtervolg\w*",
    r"(?:zat|zaten|zit|zitten|was|waren|werd|werden|stond) (?:\S+ ){0,5}opgesloten", r"blauwe plek\w*",
    r"(?:deur|schuifdeur|liftdeur|draaideur|hek) (?:\w+ ){0,4}dicht terwijl (?:\S+ ){0,5}(?:tussen|ertussen|erin|in de deur)",
    r"(?:liep|rende|kroop|fietste|liepen|renden) (?:\S+ ){0,4}(?:richting|naar) (?:het spoor|de snelweg|de (?:drukke )?(?:weg|straat)|het water|de gracht|de vijver)",
    r"(?:rollator|rolstoel|krukken|scootmobiel) (?:\w+ ){0,3}de trap (?:af|op)",
    r"(?:kreeg|krijg|kregen|krijgt) (?:\w+ ){0,3}(?:een )?(?:stroomstoot|opdoffer|tik)(?! op de vingers)",
    r"(?:sloeg|slaat|sloegen|slaan) (?:\w+ ){0,2}(?:stroom|aardlekschakelaar|stoppen|zekering) (?:\w+ )?(?:eruit|door)",
    r"(?:stekker|snoer|adapter|lader|oplader) (?:\w+ ){0,4}(?:wordt|werd|is|was|blijft) (?:\w+ )?(?:heel |erg |super |gloeiend |te )?(?:warm|heet)",
    r"opzwell\w*", r"(?:zwelt|zwol|bolt) (?:\w+ ){0,2}op", r"(?:bel|belde|bellen|gebeld) (?:\w+ ){0,2}brandweer", r"brandweer (?:\w+ ){0,2}(?:bellen|gebeld|kwam|moest|erbij)",
)
_SAFETY_NEG = rx(r"getest", r"test", r"oefening", r"toegankelijk\w*", r"drempel", r"\w*cursus\w*", r"\w*workshop\w*")

_SECURITY = rx(
    r"gehackt", r"gehacked", r"hacker(?:s)?", r"phishing\w*", r"nep(?:mail|sms|site|bericht|link)\w*", r"lijkt me nep",
    r"(?:is )?(?:dit|dat) (?:echt )?van jullie\?*", r"opgelicht", r"oplichting\w*", r"fraude\w*", r"frauduleu\w*", r"datalek\w*",
    r"iemand (?:anders )?(?:gebruikt|heeft|leent|bestelt|logt)\w* (?:\w+ ){0,3}(?:mijn|m'n|mn) (?:pas|account|gegevens|e-?mail\w*|wachtwoord)",
    r"(?:niet|nooit) (?:\w+ ){0,2}(?:zelf )?(?:gedaan|besteld|geleend|aangevraagd)",
    r"(?:pas|telefoon|creditcard|kaart) (?:is )?gestolen", r"gestolen (?:pas|kaart)", r"bankgegevens ingevuld",
    r"wachtwoord (?:is )?(?:gewijzigd|veranderd)", r"e-?mailadres (?:\w+ ){0,4}veranderd", r"verdachte (?:mail|sms|login|transactie)\w*",
    r"leenhistorie van een andere", r"gegevens van (?:een )?andere (?:klant|lener)", r"gegevens (?:moet )?bevestigen",
    r"ander(?:e)? (?:eigenaar|afleveradres)", r"(?:mail|handen) van een vreemde", r"leen\w*geschiedenis in", r"gegevens op straat",
    r"inlogcode", r"bankgegevens (?:\w+ )?doorgeven", r"nep-?account", r"niet (?:heb )?geplaatst", r"(?:niks|niets|nooit) (?:\w+ ){0,2}besteld",
    r"someone (?:has been |is )?using", r"aren't mine", r"bestellingen van iemand anders", r"geblokkeerd wordt als",
    r"met (?:mijn|m'n|mn) (?:creditcard|kaart|gegevens)", r"aan een onbekende", r"spamt", r"privacy is", r"lekker met privacy", r"#datalek",
    r"(?:een )?ander (?:zomaar )?(?:met|op) mijn (?:account|pas)", r"mijn pas (?:nog )?(?:en|heeft) (?:\w+ ){0,3}leent",
    r"(?:gestolen|kwijt)\w*,? (?:kunnen|kun|wil) (?:jullie|je|u) (?:\w+ )?blokkeren", r"echt van jullie",
    r"(?:op|via) een (?:link|linkje) (?:\w+ ){0,4}geklikt", r"(?:zich )?voor(?:doet|deed) als",
    r"nep-(?:mail|sms|site|bericht|link|whatsapp|account|app)\w*", r"vreemde (?:leningen|bestellingen|betalingen|transacties|afschrijvingen)",
    r"iemand anders in (?:mijn|m'n|mn) (?:account|profiel)",
    r"ingelogd (?:\S+ ){0,4}vanuit (?:een ander land|het buitenland|\w+land|rusland|china)", r"(?:vreemde|onbekende|verdachte) (?:login|inlog|inlogpoging)\w*",
    r"iemand (?:anders )?(?:heeft|had) (?:\w+ ){0,2}(?:mijn|m'n|mn) \w*(?:pas|account|kaart|gegevens)\w* (?:\w+ ){0,3}(?:gevonden|gebruikt|gestolen|overgenomen)",
    r"(?:mee|ermee) (?:\w+ ){0,3}(?:geleend|besteld|betaald|ingelogd)", r"account (?:\w+ )?(?:is |werd )?overgenomen", r"overgenomen account",
    r"(?:vraagt|vroeg|vragen) (?:\w+ ){0,3}(?:om|naar) (?:mijn |m'n |mn )?(?:inlogcode|wachtwoord|pincode|verificatiecode|bankgegevens|wachtwoorden)",
    r"(?:zegt|zei|beweert) (?:\w+ )?van \w+ te (?:zijn|komen)", r"(?:via|met) een link (?:\w+ ){0,2}(?:betalen|inloggen|bevestigen)",
    r"afzender(?:adres)? (?:\w+ )?(?:is |was |klopt )?(?:vreemd|raar|onbekend|niet)", r"(?:e-?mail|mail|sms|bericht) ['‘\"“]van (?:de |het )?\w+['’\"”]",
    r"(?:die|dat|wat|welke) ik (?:\w+ )?niet (?:heb |had )?(?:gedaan|besteld|geleend|geplaatst)", r"(?:die|dat) ik (?:\w+ )?niet ken",
    # scams in the brand's name, remote-access tricks, a session left open, data changed behind one's back
    r"(?:een|die|de|andere|door) (?!stelletje\b)(?:\w+ ){0,2}oplichter\w*", r"anydesk",
    r"(?:was|is) (?:dit|dat|het|die|deze) nep", r"nep,? neem ik aan", r"(?:pincode|inlogcode|wachtwoord|verificatiecode) (?:\w+ ){0,2}gegeven",
    r"op (?:mijn|m'n|mn) naam (?:\w+ ){0,2}(?:besteld|geleend|afgesloten|gekocht)", r"dat ben ik niet", r"(?:geplaatst|besteld) (?:\w+ )?met (?:mijn|m'n|mn) account",
    r"terwijl ik niet (?:aan het )?in(?:loggen|logde|gelogd)", r"iemand (?:\w+ )?in (?:mijn|m'n|mn) account", r"teamviewer", r"(?:op afstand|remote) (?:\w+ ){0,3}(?:meekijken|inloggen|overnemen|toegang)",
    r"(?:dat|die|dit) (?:zijn|waren|is|was) jullie (?:toch )?niet", r"ziet er (?:\w+ ){0,2}(?:echt|officieel|betrouwbaar) uit",
    r"(?:staat|stond) (?:\w+ ){0,2}(?:nog )?ingelogd (?:op|in|bij)", r"(?:heb|had) ik (?:daar |er )?(?:nooit|niet) (?:\w+ )?(?:in|op|ingevuld|gezet)", r"onbekend (?:afleveradres|adres)", r"afgeschreven van (?:mijn|m'n|mn) (?:creditcard|rekening)",
    # calls and posts in the brand's name, falling for it, strange logins
    r"belt (?:me|mij|mensen) (?:\w+ ){0,4}(?:om|voor|naar) (?:mijn |m'n |mn |je |hun )?(?:digid|pincode|inlogcode|wachtwoord|code|bankgegevens)\w*",
    r"(?:belde|belden|belt|gebeld) (?:\w+ ){0,2}namens \S+ (?:\S+ ){0,12}(?:app|code|pincode|inlogcode|wachtwoord|betal\w*|terugbetaling|meekijken|gegevens|rekeningnummer|installe\w*)", r"zodat (?:hij|zij|ze|die) (?:\w+ )?(?:kon|kan|kunnen) meekijken", r"nep[- ]?(?:account|mail|sms|site|bericht|link|app)\w*",
    r"(?:erin|in) ge(?:trapt|stonken)", r"ingetrapt", r"(?:mail|sms|bericht|brief|site|app)\w* (?:\S+ ){0,12}met (?:jullie|uw) logo",
    r"(?:inlog|login|inlogpoging)\w* (?:\S+ ){0,3}vanuit \w+", r"(?:bestelling|bestellingen) (?:\w+ ){0,2}(?:gedaan|geplaatst) (?:vanaf|via|met|op) (?:mijn|m'n|mn) account",
    r"(?:leent|bestelt|koopt|leende|bestelde|kocht) (?:\w+ ){0,2}op (?:mijn|m'n|mn) naam", r"(?:iemand|mijn ex|een ander|een vreemde) (?:\w+ ){0,3}met (?:mijn|m'n|mn) (?:pas|account|kaart)",
    r"(?:mijn |m'n |mn )?ex (?:\w+ ){0,3}(?:gebruikt|heeft|leent)\w* (?:\w+ ){0,3}(?:mijn|m'n|mn) (?:pas|account)",
    # someone else using one's card, a caller claiming to be the brand, codes handed over on a fake page,
    # orders the customer does not recognise, a look-alike with the brand's logo
    r"iemand (?:anders|vreemds) (?:\w+ )?(?:mijn|m'n|mn) (?:pas\w*|account|gegevens|kaart) (?:\w+ )?(?:gebruik\w*|lenen|leent|bestellen)",
    r"iemand anders (?:daarop|erop|op (?:mijn|m'n|haar|zijn) pas) (?:\w+ )?(?:leent|bestelt|gebruikt|koopt)",
    r"(?:iemand|een man|een vrouw|een beller|een onbekende) die (?:\w+ ){0,3}(?:zei|zegt|beweerde|beweert) dat (?:hij|zij|ze) van (?:de |het )?(?:\w+ ){0,2}(?:was|is|kwam|komt|waren)",
    r"(?:mijn|m'n|mn|je|uw) (?:pincode|inlogcode|wachtwoord|verificatiecode|bankgegevens) nodig (?:had|heeft|hebben|hadden)",
    r"(?:pincode|inlogcode|wachtwoord|verificatiecode)\w* (?:\w+ ){0,2}(?:gestuurd|doorgegeven) (?:naar|aan) (?:iemand|een onbekende|die)",
    r"(?:pincode|inlogcode|wachtwoord|inloggegevens|bankgegevens|betaalgegevens) (?:\w+ ){0,2}ingevuld (?:op|bij|via) (?:die|deze|dat|een|zo'n) (?:link|pagina|site|website|formulier)",
    r"(?:op|via) (?:de|die|deze|dat) (?:link|linkje) (?:\w+ ){0,4}geklikt",
    r"(?:orders?|bestelling\w*|afschrijving\w*|betaling\w*|transactie\w*|leningen|inlog\w*) (?:\S+ ){0,6}(?:die|dat|welke) ik (?:\w+ )?niet herken",
    r"whatsapp\w* (?:\S+ ){0,12}met (?:jullie|uw) logo", r"(?:had|heeft|hebben|gebruikt\w*) (?:\w+ )?(?:jullie|uw) logo",
    r"jullie (?:zijn|waren) (?:dat|die|dit) (?:toch )?niet", r"(?:via|met) een link (?:\w+ ){0,3}(?:betalen|inloggen|bevestigen)",
    r"(?:telefoonnummer|e-?mailadres|wachtwoord|rekeningnummer) (?:in|van) (?:mijn|m'n|mn) account (?:\w+ ){0,2}(?:anders|gewijzigd|veranderd)",
)
_SECURITY_NEG = rx(r"niet omdat er iets mis is", r"hoe verander ik", r"ben (?:hem|het|mijn wachtwoord) vergeten", r"(?:had|heb) ik (?:\w+ )?nog nooit gedaan")

_INSULT = rx(
    r"prutser\w*", r"idioot", r"idioten", r"sukkel\w*", r"trut\w*", r"klootzak\w*", r"\w*kanker\w*", r"\w*tyfus\w*", r"debiel\w*",
    r"incompetent\w*", r"waardeloze? (?:club|bedrijf|tent|service|mensen|zooi)", r"schaam (?:je|jullie)", r"leer je vak",
    r"hou je (?:mond|bek)", r"stelletje \w+", r"minkukel\w*", r"\w*kolere\w*", r"\w*klere(?:lijers?|zooi|bedrijf|bende|tent)",
    r"eikel\w*", r"mongo(?:ol|olen|ooltjes?)", r"hoer(?:en)?zoon\w*", r"lul(?:len)?", r"stomme (?:idioten|sukkels|trut|eikels|mensen|klantenservice)", r"amateur\w*", r"clowns?",
    r"jullie zijn (?:\w+ ){0,3}(?:oplichters|leugenaars|dieven|boeven)", r"stel leugenaars", r"val dood", r"racist\w*",
    r"(?:schandalig|jullie zijn) (?:\w+ )?(?:en )?smerig\w*", r"liegen", r"oplichters met", r"(?:zo )?dom(?:me)? (?:of|bende)", r"apen", r"tering\w*", r"bende", r"onbeschoft\w*", r"flikker\w*", r"achterlijk\w*", r"arrogant\w*", r"lui(?:e)? (?:medewerkers|mensen)", r"zielig\w*",
    r"wat is er mis met jullie", r"aan het handje", r"hersenloos", r"hersendood", r"hufter\w*", r"imbecie\w*", r"fuck (?:jullie|you|off)",
    r"(?:oplichters|leugenaars|dieven|boeven|prutsers) zijn (?:jullie|het)", r"ontsla\w* (?:die|dat|deze|hem|haar|ze)\b",
)
# Mild curses ("kut", "klote", also inside compounds: "kutbieb", "klotebedrijf") are heated over a
# complaint, not in a happy message ("kut weer vandaag, maar gelukkig kwam mijn boek op tijd").
_CURSE = rx(r"\w*kut\w*", r"\w*klote\w*", r"godverdomme", r"godver", r"gvd", r"shit(?:zooi|bedrijf|service|tent)")
_CURSE_FALSE = re.compile(r"^(?:kutje|kutter\w*)$", re.IGNORECASE)
# Spelling variants and abbreviations written to dodge filters: "kkr"/"kk"/"kenker" (kanker), "tyf"/"tiefus"
# (tyfus), "gvd", "kolere"; leetspeak ("k4nker", "1d10ten") and masked letters ("k*t", "t*ring") are undone by
# deobfuscate before the lexicons are matched.
_SLUR_VARIANTS = rx(
    r"kkr", r"kk", r"kenker\w*", r"kankah?\w*", r"kangker\w*", r"tyf(?:es|us)?\w*", r"tief(?:es|us)\w*", r"tyvus\w*", r"teringl[ij]+er\w*",
    r"kolere\w*", r"fck(?:ing)?", r"kk(?:r)?(?:bedrijf|bende|zooi|tent|app|bieb|service|mensen|irritant|slecht|lijers?)",
)
# the disease, not the swear word: "boeken over kanker", "longkanker", "tyfusvaccin"
_MEDICAL = rx(
    r"(?:long|borst|darm|huid|prostaat|bot|bloed|baarmoederhals|alvleesklier|slokdarm|keel|maag)kanker", r"kanker(?:patiënt|onderzoek|behandeling|bestrijding|fonds|centrum|afdeling|zorg|cel|gezwel)\w*",
    r"(?:over|aan|met|tegen|heeft|had|kreeg|krijgt|heb) (?:\w+ )?(?:kanker|tyfus)", r"tyfus[- ]?(?:vaccin|prik|bacterie)\w*", r"kwf", r"chemo\w*", r"diagnose",
)
# Threats of violence and dehumanising abuse: always escalated, whoever they target (staff,
# other customers or a group), so that a moderator or the safety contact sees them.
_THREAT = rx(
    r"(?:vermoord|afslacht|afmaak|neersteek|neerschiet|doodschiet|doodsla|doodmaak|wurg|opblaas|in elkaar (?:sla|trap))\w*",
    r"(?:af te slachten|dood te (?:schieten|slaan|maken)|de keel (?:door)?(?:te )?(?:snijden|doorgesneden))",
    r"laten (?:lijden|boeten|creperen)", r"(?:moeten|moet|zouden) (?:\w+ ){0,3}(?:dood|afgemaakt|uitgeroeid|opgehangen|vergast)",
    r"(?:allemaal|gewoon) dood (?:zijn|gaan|moeten)", r"ik weet waar (?:je|jij|jullie|u) (?:woont|wonen|werkt|werken)",
    r"kogel door", r"(?:keel|kelen) (?:\w+ ){0,4}(?:doorsnijden|door te snijden)", r"(?:wil|ga|zal|gaan|zullen) (?:\w+ ){0,4}(?:doden|pijn doen|laten verdwijnen)",
    r"(?:leven|levens) (?:\w+ ){0,4}(?:beëindigen|beeindigen|uitroeien)", r"(?:ik|we) (?:kom|komen) (?:je|jullie) (?:halen|opzoeken|pakken)",
    r"(?:dan )?(?:is|wordt) het niet (?:meer )?gezellig",
    r"(?:wacht|wachten) (?:ik|we|wij) (?:hem|haar|jou|je|jullie|die \w+) (?:\w+ ){0,2}op (?:na|buiten|bij het einde van) (?:zijn|haar|je|jouw|de|het) (?:dienst|werk|werktijd|sluitingstijd)",
)
_GROUPS = (
    r"(?:moslims?|joden|jood|homo\w*|lesbo\w*|vrouwen|immigranten|buitenlanders|gehandicapten|transgenders?|"
    r"zwarte\w*|marokkanen|turken|vluchtelingen|asielzoekers|allochtonen)"
)
_DEHUMANISE = rx(
    r"(?:zijn|bent|is) (?:\w+ ){0,2}(?:een )?(?:plaag|virus|ongedierte|uitschot|tuig|parasieten|ratten|kakkerlakken|vuil|beesten|verspilling van ruimte)",
    r"(?:verafschuw|walg van|haat|minacht\w*(?: voor)?) (?:alle |die |de )?" + _GROUPS,
)
_SHOUT_ALLOW = {"ACM", "BSN", "IBAN", "NOS", "RTL", "TV", "AVG", "ISBN", "OLED", "USB", "HDMI", "LG", "QLED", "WIFI", "PDF", "DM", "PB", "NRC", "AD", "ING", "ABN", "AMRO", "RABO", "SMS", "PIN", "OK", "KPN", "NL", "HP", "JBL", "SSD", "RAM", "GB", "TB", "HD", "UHD", "WC", "EHBO"}
_POSITIVE = rx(r"eindelijk", r"top", r"super", r"geweldig", r"blij", r"dank\w*", r"bedankt", r"yes", r"jaa+", r"mooi", r"fijn", r"gelukkig")

# --- repeated: thread shows an unsolved problem reported again ------------------------------------
_REPEAT_MARK = rx(
    r"nog steeds", r"nog altijd", r"alweer", r"weer (?:\w+ )?(?:kapot|stuk|mis|niks|niets|niet|dicht|vervallen|zoek|hetzelfde|dezelfde|fout|leeg|open)", r"wederom",
    r"(?:[2-9]|\d{2,}|twee|drie|vier|vijf|zes)(?:e|de|ste)? keer", r"voor de (?:\d+e|zoveelste|tweede|derde|vierde|vijfde) keer",
    r"zoveelste", r"(?:zelfde|dezelfde|hetzelfde) (?:probleem|melding|verhaal|fout|antwoord)", r"zelfde probleem",
    r"dag \d+", r"\d+ (?:dagen|weken|maanden) (?:later|verder)", r"(?:week|dagen|weken|maand) (?:voorbij|later)", r"al \d+ (?:dagen|weken|maanden)",
    r"(?:nog )?(?:steeds )?geen (?:reactie|antwoord|nieuws)", r"nog (?:niks|niets) (?:gehoord|ontvangen)", r"niks gehoord",
    r"hallo\?+", r"nog nieuws\?*", r"zouden (?:\w+ ){0,4}(?:oplossen|bellen|terugbellen|sturen|regelen)", r"beloofd", r"zoals beloofd",
    r"helpt niet", r"werkt (?:nog steeds |nog altijd |alweer |weer )?niet", r"net als (?:gisteren|vorige week|eergisteren)", r"opnieuw(?! (?:\w+ ){0,2}(?:bestellen|betalen|installeren|opstarten|op te starten|proberen|aanmelden|aanvragen|inloggen)\b)(?! voor\b)",
    r"dat zei ik net", r"zei ik (?:al|toch)", r"ik heb (?:al|nu) \w+ keer", r"gedaan,? (?:zelfde|helpt)", r"\d+ werkdagen",
    r"second time", r"\d+ herinneringen", r"elke (?:week|keer)", r"volgende belofte", r"al een week", r"(?:niet|niemand) gebeld",
    r"niemand heeft", r"geen monteur", r"net als (?:gisteren|eergisteren)", r"still (?:no|not)",
    r"(?:dat )?(?:zei|zeiden|zegt|zeggen|beloofde|beloofden) (?:je|jij|jullie|u|hij|ze|zij) (?:\w+ ){0,3}(?:ook|al)", r"(?:ook|weer|alweer|nog steeds|nog altijd) (?:niemand|niks|niets)",
    r"weer (?:de |het |een )?(?:\w+ )?verkeerd\w*", r"(?:termijn|werkdagen|dagen|weken|uur|week) (?:\w+ )?(?:zijn |is )?(?:ruim |al |allang )?(?:voorbij|verstreken|om(?! (?:\w+ ){0,4}te\b))",
    r"(?:tweede|derde|vierde|vijfde|\d+e) (?:\w+ ){0,2}(?:dag|keer|week|mail|melding|afspraak)",
    r"\d+ (?:dagen|weken|maanden) geleden (?:al )?(?:aangevraagd|gemeld|gevraagd|gemaild|gebeld|besteld|opgestuurd|ingestuurd)",
    r"(?:nu )?al \d+ (?:dagen|weken|maanden)", r"\d+ (?:dagen|weken|maanden) later",
    # the customer says they reported it before ("ook al gebeld", "al eerder gemeld", "al 2x doorgegeven")
    r"(?:ook al|al eerder|ook eerder|al eens) (?:\w+ )?(?:gebeld|gemaild|gemeld|gevraagd|doorgegeven|gestuurd|geklaagd|aangegeven|gechat|gezegd)",
    r"nogmaals(?! (?:bedankt|dank|sorry|excuses|top))", r"al \d+ ?(?:x|keer)", r"(?:ook al|al eerder|ook eerder|al eens) (?:\w+ )?(?:gedaan|geprobeerd)",
    r"al sinds (?:vorige|afgelopen) (?:week|maand|maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag)",
    r"(?:maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag|morgen|die datum|de deadline) (?:is|was) (?:al )?(?:geweest|voorbij|verstreken)",
    r"(?:termijn|werkdagen|dagen|weken|uur|week) (?:\w+ ){0,3}(?:is|zijn) (?:inmiddels |nu |al )?(?:ruim(?:schoots)? |allang )?(?:voorbij|verstreken)",
    r"(?:de|het) (?:tweede|derde|vierde|nieuwe|vervangende) (?:\w+ )?(?:is|was) (?:ook|weer|alweer) (?:\w+ )?(?:kwijt|kapot|stuk|beschadigd|defect|fout|verkeerd)",
    r"\d+ ?x (?:gebeld|gemaild|gemeld|gevraagd|doorgegeven|gestuurd)", r"hoe vaak (?:moet|nog|heb)",
    r"steeds (?:een )?(?:ander|hetzelfde) (?:antwoord|verhaal)", r"nou eens", r"(?:precies )?hetzelfde (?:gevraagd|gemeld|gezegd)",
    r"(?:vorige|laatste) \d+ keer", r"keer dat ik (?:het|dit) (?:meldde|meld|gemeld|vroeg|aangaf)", r"beloofd is beloofd",
    r"(?:ook al|al eerder|ook eerder|al eens) (?:\w+ )?(?:geappt|ge-?dm'?d|geschreven|een mail gestuurd)",
    r"ook niet na (?:mijn|m'n|onze) (?:mail|bericht|telefoontje)", r"niemand (?:heeft|die) (?:\w+ )?(?:teruggebeld|gereageerd|gebeld)",
)
# the customer's own record of reporting it before: counts without a thread (e-mail, a new post)
_REPEAT_SELF = rx(
    r"(?:tweede|derde|vierde|vijfde|zesde|\d+e) (?:\w+ ){0,2}(?:mail|bericht|melding|klacht|keer dat ik)\w* (?:\w+ ){0,2}(?:over|hierover|voor) (?:hetzelfde|dit|dezelfde)",
    r"(?:inmiddels|nu al) (?:mijn |de )?(?:tweede|derde|vierde|vijfde|\d+e) (?:mail|bericht|melding|keer)",
    r"zie (?:mijn|m'n|onze) (?:eerdere )?(?:mails?|berichten|e-?mails?) van", r"(?:vorige|afgelopen) (?:week|maand) (?:\w+ ){0,3}(?:al )?(?:gemeld|gemaild|gebeld|geappt|gevraagd)",
    r"(?:ook al|al eerder|ook eerder) (?:\w+ )?(?:gebeld|gemaild|gemeld|geappt|gechat|geklaagd|doorgegeven)",
    r"(?:ticket|ticketnummer|zaaknummer|dossier)\w* (?:\S+ ){0,3}(?:staat )?(?:nog steeds|nog altijd) (?:open|niet)",
    r"(?:\d+|twee|drie|vier|vijf) keer (?:mijn verhaal|gemaild|gemeld|uitgelegd)",
    r"(?:mijn|m'n) (?:\w+ )?(?:vorige|eerdere) (?:mails|berichten|meldingen)", r"(?:tweede|derde|vierde|vijfde|\d+e) keer dat ik (?:\w+ )?(?:schrijf|mail|bel|vraag|meld)",
    r"(?:\d+|twee|drie|vier|vijf) ?(?:x|keer) (?:gebeld|gemaild|gemeld|gevraagd|doorgegeven|gestuurd|beloofd|geklaagd)",
    r"(?:na|al|ondanks) (?:twee|drie|vier|vijf|\d+) (?:\w+ )?(?:klachtbrieven|brieven|klachten|mails|e-?mails|meldingen|telefoontjes|tickets|bezwaren|bezwaarschriften|herinneringen)",
    r"(?:reeds|al) in (?:januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december) (?:\w+ ){0,6}(?:laten weten|gemeld|gemaild|geschreven|aangegeven|doorgegeven|geklaagd)",
    r"(?:werd|is|was) (?:mij|ons) (?:\w+ )?toegezegd",
    # "voor de 3e keer: ...", "hoe vaak moet ik dat nog zeggen", "ik verzoek u nogmaals"
    r"voor de (?:\d+e|zoveelste|tweede|derde|vierde|vijfde) keer(?::| (?:een |mijn |m'n )?(?:dm|pb|mail|e-?mail|bericht|klacht|melding)\w* (?:ge|ver)stuurd| (?:gebeld|gemaild|gemeld|gevraagd|geklaagd))",
    r"hoe vaak (?:moet|moeten) (?:ik|we|wij) (?:\w+ ){0,3}(?:nog )?(?:zeggen|melden|vragen|uitleggen|bellen|mailen|vertellen)",
    r"moet ik (?:\w+ ){0,3}nog (?:een keer|eens|een derde keer) (?:\w+ ){0,2}(?:uitleggen|vertellen|melden|zeggen|vragen)",
    r"(?:verzoek|vraag|verzoeken|vragen) (?:ik |wij |we )?(?:u|jullie) (?:hierbij )?(?:nogmaals|opnieuw|wederom)",
)
_RESOLVED = rx(
    r"opgelost", r"gerepareerd", r"gemaakt", r"teruggezet", r"teruggestort", r"terugbetaald", r"kwijtgescholden", r"nagestuurd",
    r"verstuurd", r"ingeleverd", r"geregeld", r"verlengd", r"toegevoegd", r"aangepast", r"werkt (?:het )?weer", r"doet het weer",
    r"vervangen", r"omgeruild", r"gecrediteerd", r"klaargezet", r"ligt (?:\w+ )?klaar", r"staat (?:\w+ )?klaar",
)
# the agent takes the problem on ("we look into it"): both a deferral and a sign that a problem was reported
_TAKING_ON = (
    r"we kijken", r"kijken er", r"zoek\w* (?:het|dit|dat) (?:\w+ )?uit", r"(?:kom|komen) (?:\w+ )?(?:erop|er op|hierop|daarop) terug", r"ga (?:het|dit|ik) (?:\w+ )?na",
    r"doorgezet", r"doorgegeven", r"doorgestuurd", r"in behandeling", r"ik meld het", r"gemeld", r"binnen \d+ (?:uur|dagen|werkdagen)",
    r"(?:dat|dit|het) zoek (?:ik|we) (?:\w+ ){0,4}uit",
)
_DEFERRAL = rx(
    *_TAKING_ON, r"laten (?:je|u) (?:zo )?weten", r"zo snel mogelijk", r"nog even geduld", r"stuur (?:je|u) (?:ons )?(?:even )?(?:een )?(?:dm|pb|privébericht)",
    r"monteur is besteld", r"verwachten", r"moet (?:deze week|morgen|binnenkort)", r"zou (?:morgen|vandaag)",
    r"pakken (?:je|uw) (?:mail|vraag) (?:vandaag )?op", r"excuus", r"sorry", r"helaas", r"dat is ons beleid", r"ingeschakeld",
)
# the agent took a problem on: the customer's turn before it reported one
_LOOKING_INTO = rx(
    *_TAKING_ON, r"onderzoek\w*", r"navraag", r"nagevraagd", r"neem\w* (?:\w+ ){0,3}contact (?:met (?:je|u) )?op",
    r"investigat\w*", r"looking into", r"look into",
)
_HAPPY_END = rx(r"werkt (?:het |hij |ie )?weer", r"doet het weer", r"(?<!worden )(?<!wordt )(?<!zou )opgelost", r"gelukt", r"binnen(?:gekomen)?!", r"ontvangen!", r"dat ging snel", r"top geregeld!")
_QUOTED = re.compile(r"['‘\"“][^'’\"”]{2,40}['’\"”]")
_STILL_BROKEN = rx(
    r"(?:nog steeds|nog altijd|alweer|weer) (?:\w+ ){0,2}(?:niet|niks|niets|kapot|stuk|mis|dicht|fout|hetzelfde)",
    r"(?:werkt|doet) (?:het|hij|ie|dat|die) (?:\w+ )?(?:nog steeds|nog altijd|alweer|weer) niet",
    r"(?:is|was) (?:ook|alweer|weer) (?:\w+ )?(?:kwijt|kapot|stuk|beschadigd|defect)",
)
_IRONY_MARK = re.compile(r"#(?:not|sarcasme|ironie)\b|[🙄🙃😒😏👏]", re.IGNORECASE)
_COMPLAINT = rx(
    r"kapot", r"stuk", r"niemand", r"te laat", r"werkt (?:\w+ )?niet", r"doet (?:\w+ )?niet", r"geen", r"niet", r"niks", r"nooit", r"fout\w*", r"boete",
    r"storing", r"vervallen", r"verkeerd\w*", r"wacht\w*", r"kwijt", r"vergeten", r"klopt (?:\w+ )?niet", r"probleem",
)


@dataclass(frozen=True)
class ThreadState:
    """What the thread says about the problem: reported before, answered, solved?"""

    earlier_customer: int  # customer turns before the message
    earlier_complaints: int  # of which look like complaints
    agent_turns: int
    unanswered_followups: int  # customer turns after the last agent turn
    last_agent_resolves: bool
    last_agent_defers: bool
    followup_repeat: str | None  # a repeat marker in a customer turn after an agent reply
    overlap: float  # max token overlap (Jaccard) between the message and an earlier customer turn
    followup_complaint: str | None = None  # a complaint the customer sent after the agent's last (unsolving) reply
    reported: int = 0  # customer turns that report a problem: complaint words, or the agent answered "we look into it"
    complaint_after_reply: bool = False  # the customer complained again after an agent reply (the problem came back)


_FOLD = str.maketrans("éèêëáàäóòöúùüíï", "eeeeaaaooouuuii")


def _fold(text: str) -> str:
    """Accents off, same length: 'wéér' matches 'weer'."""
    return text.translate(_FOLD)


def thread_state(thread: Sequence[tuple[str, str]], message: str) -> ThreadState:
    """``thread`` as (role, text) pairs, oldest first."""
    thread = [(role, _fold(text)) for role, text in thread]
    message = _fold(message)
    customer = [text for role, text in thread if role == "customer"]
    # a reported problem: complaint words, or a turn the agent answered by taking it on ("we zoeken het uit")
    answered_by_deferral = {
        i for i in range(len(thread) - 1) if thread[i][0] == "customer" and thread[i + 1][0] == "agent" and _LOOKING_INTO.search(thread[i + 1][1])
    }
    complaints = sum(1 for text in customer if _COMPLAINT.search(text))
    reported = sum(
        1 for i, (role, text) in enumerate(thread) if role == "customer" and (_COMPLAINT.search(text) or i in answered_by_deferral or _REPEAT_MARK.search(text))
    )
    last_agent = next((i for i in range(len(thread) - 1, -1, -1) if thread[i][0] == "agent"), None)
    agent_text = thread[last_agent][1] if last_agent is not None else ""
    after = [text for role, text in thread[last_agent + 1 :] if role == "customer"] if last_agent is not None else []
    first_agent = next((i for i, (role, _) in enumerate(thread) if role == "agent"), None)
    followup_repeat = None
    if first_agent is not None:
        for role, text in thread[first_agent + 1 :]:
            if role == "customer" and (mark := _first(_REPEAT_MARK, text)):
                followup_repeat = f"'{mark}' in '{_quote(text, 50)}'"
                break
    msg_tokens = {t for t in tokens(message) if len(t) > 2}
    overlap = 0.0
    for text in customer:
        other = {t for t in tokens(text) if len(t) > 2}
        if msg_tokens and other:
            overlap = max(overlap, len(msg_tokens & other) / len(msg_tokens | other))
    return ThreadState(
        earlier_customer=len(customer),
        earlier_complaints=complaints,
        agent_turns=sum(1 for role, _ in thread if role == "agent"),
        unanswered_followups=len(after),
        last_agent_resolves=bool(_RESOLVED.search(agent_text)) and not _DEFERRAL.search(agent_text),
        last_agent_defers=bool(_DEFERRAL.search(agent_text)),
        followup_repeat=followup_repeat,
        overlap=round(overlap, 3),
        followup_complaint=next((f"'{_quote(text, 50)}'" for text in after if _COMPLAINT.search(text)), None),
        reported=reported,
        complaint_after_reply=first_agent is not None
        and any(role == "customer" and (_COMPLAINT.search(text) or _REPEAT_MARK.search(text)) for role, text in thread[first_agent + 1 :]),
    )


class EscalationRules:
    """All detectors for one brand (the PII detector carries the brand's own number formats)."""

    def __init__(self, pii: PiiDetector, *, privacy_exempt_types: Sequence[str] = ()) -> None:
        self.pii = pii
        self.privacy_exempt_types = frozenset(privacy_exempt_types)
        self._detectors: Mapping[str, Callable[..., str | None]] = {
            "privacy": self.privacy,
            "legal": self.legal,
            "media": self.media,
            "churn": self.churn,
            "safety": self.safety,
            "security": self.security,
            "repeated": self.repeated,
            "heated": self.heated,
        }

    # -- one detector per reason; each returns an explanation or None ---------------------------
    def privacy(self, message: str, *, public: bool, pii_types: Sequence[str] | None = None, **_: object) -> str | None:
        if not public:
            return None
        found = list(pii_types) if pii_types is not None else self.pii.types(message)
        found = [t for t in found if t not in self.privacy_exempt_types]
        if not found:
            return None
        return f"personal data ({', '.join(found)}) posted on a public channel: move to a private channel"

    @staticmethod
    def legal(message: str, **_: object) -> str | None:
        for m in _LEGAL_STRONG.finditer(message):
            window = message[max(0, m.start() - 60) : m.end() + 60]
            if not _NEGATION.search(message[: m.start()]) and not _LEGAL_TOPIC.search(window):
                return f"legal threat: '{m.group(0)}'"
        for m in _LEGAL_ENTITY.finditer(message):
            if _NEGATION.search(message[: m.start()]):
                continue
            window = message[max(0, m.start() - 80) : m.end() + 80]
            cue = _first(_LEGAL_CUE, window)
            if cue and not _LEGAL_TOPIC.search(window):
                return f"legal threat: '{m.group(0)}' with '{cue}'"
        return None

    @staticmethod
    def media(message: str, **_: object) -> str | None:
        if strong := _first(_MEDIA_STRONG, message):
            return f"media / publicity threat: '{strong}'"
        for m in _MEDIA_ENTITY.finditer(message):
            if m.group(0).lower() in ("tv", "televisie") and _DEVICE_BEFORE.search(message[: m.start()]):
                continue
            window = message[max(0, m.start() - 80) : m.end() + 80]
            if cue := _first(_MEDIA_CUE, window):
                return f"media / publicity threat: '{m.group(0)}' with '{cue}'"
        return None

    @staticmethod
    def churn(message: str, **_: object) -> str | None:
        m = _CHURN_CANCEL.search(message)
        if not m or _NEGATION.search(message[: m.start()]) or _CHURN_PAST.search(message):
            return None
        if _CHURN_OBJECT_ONLY.search(message[max(0, m.start() - 30) : m.end() + 30]) and not re.search(
            r"lidmaatschap|abonnement|account|klant|lid\b", message, re.IGNORECASE
        ):
            return None
        if third := _first(_CHURN_THIRD_PARTY, message):
            if not re.search(r"\b(?:ik|mijn) (?:\w+ ){0,2}(?:klaar|nooit meer|te duur)", message, re.IGNORECASE):
                return None  # cancelling for someone else (deceased parent, child moving away)
            del third
        return f"churn: '{m.group(0)}'"

    @staticmethod
    def safety(message: str, **_: object) -> str | None:
        for m in _SAFETY.finditer(message):
            if _NEGATION.search(message[: m.start()]):
                continue
            window = message[max(0, m.start() - 40) : m.end() + 40]
            if _SAFETY_NEG.search(window) and "?" in message and not rx(r"gewond", r"bloed", r"gevallen", r"gevaar\w*").search(message):
                continue  # a question about a test / accessibility, not an incident
            return f"safety: '{m.group(0)}'"
        return None

    @staticmethod
    def security(message: str, **_: object) -> str | None:
        if _SECURITY_NEG.search(message):
            return None
        for m in _SECURITY.finditer(message):
            if m.group(0).lower().startswith(("is dit", "is dat", "dit van", "dat van")) and not re.search(
                r"\b(?:link|sms|mail|betaal|bankgegevens|gegevens)\b", message, re.IGNORECASE
            ):
                continue
            return f"security: '{m.group(0)}'"
        return None

    @staticmethod
    def heated(message: str, **_: object) -> str | None:
        if (m := _THREAT.search(message)) and not _negated(message, m) and not negated_before(message, m.start()) and not counter_speech(message, m.start(), m.end()):
            return f"threat of violence: '{m.group(0)}'"
        if (m := _DEHUMANISE.search(message)) and not _negated(message, m) and not counter_speech(message, m.start(), m.end()):
            return f"dehumanising abuse: '{m.group(0)}'"
        if found := group_abuse(message):
            return found
        clean = deobfuscate(message)
        if (
            (m := _INSULT.search(clean))
            and not (re.search(r"kanker|tyfus", m.group(0), re.IGNORECASE) and _MEDICAL.search(clean))
            and not counter_speech(clean, m.start(), m.end())
            and not (m.group(0).lower().startswith("flikker") and harmless_flikker(clean, m.start(), m.end()))
        ):
            if not _NEGATION.search(clean[: m.start()]) or m.group(0).lower().startswith(("stelletje", "kanker", "wat is er")):
                return f"insult: '{m.group(0)}'" + (f" (written as '{_original(message, clean, m)}')" if clean != message else "")
        if (m := _SLUR_VARIANTS.search(clean)) and not _negated(clean, m) and not _MEDICAL.search(clean):
            return f"abusive slang: '{_original(message, clean, m)}'"
        happy = bool(_POSITIVE.search(message) or _HAPPY_END.search(message)) and not _COMPLAINT.search(message)
        if (m := _CURSE.search(clean)) and not happy and not _CURSE_FALSE.match(m.group(0)) and not _negated(clean, m):
            return f"cursing over a complaint: '{_original(message, clean, m)}'"
        words = re.findall(r"\b[A-ZÀ-Ý]{3,}\b", message)
        shouted = [w for w in words if w not in _SHOUT_ALLOW and not re.fullmatch(r"(.)\1+", w)]
        letters = [c for c in message if c.isalpha()]
        caps_ratio = sum(c.isupper() for c in letters) / len(letters) if letters else 0.0
        positive = bool(_POSITIVE.search(message)) and not _COMPLAINT.search(message)
        if not positive and (len(shouted) >= 3 or (caps_ratio >= 0.6 and len(letters) >= 15)):
            return f"shouting in capitals ({' '.join(shouted[:4])})"
        if not positive and re.search(r"[!?]{4,}|!{3,}", message) and _COMPLAINT.search(message):
            return "many exclamation marks over a complaint"
        return None

    @staticmethod
    def repeated(message: str, *, thread: Sequence[tuple[str, str]] = (), state: ThreadState | None = None, **_: object) -> str | None:
        if (own := _first(_REPEAT_SELF, _fold(message))) and not (_HAPPY_END.search(message) and not _IRONY_MARK.search(message)):
            if not (thread and (state or thread_state(thread, message)).last_agent_resolves):
                return f"reported before, by the customer's own account: '{own}'"
        if not thread:
            return None
        state = state or thread_state(thread, message)
        message = _fold(message)
        unquoted = _QUOTED.sub(" ", message)  # "top dat het 'opgelost' is": a quoted claim is no happy end
        if _HAPPY_END.search(unquoted) and not _IRONY_MARK.search(message) and not _STILL_BROKEN.search(unquoted):
            return None  # solved, unless the same message says it still is not ("netjes opgelost hoor ... nog steeds niks")
        if state.agent_turns == 0:
            # nobody answered yet: the customer asked again ("hallo?", "3 dagen later...") and asks once more
            if state.earlier_customer >= 2 and state.reported:
                customer = [text for role, text in thread if role == "customer"]
                again = next((m for text in customer[1:] if (m := _first(_REPEAT_MARK, _fold(text)))), None)
                if again:
                    return f"asked {state.earlier_customer + 1} times without an answer ('{again}' in an earlier follow-up)"
            return None
        if state.last_agent_resolves:  # the agent's "solved" shows a problem was reported
            if still := _first(_STILL_BROKEN, unquoted):
                return f"the agent said it was solved, and it is not: '{still}'"
            return None
        if state.reported == 0:
            return None
        mark = _first(_REPEAT_MARK, message)
        if mark:
            return f"same problem again: '{mark}' in the message, reported earlier in the thread and not solved"
        polite = _POSITIVE.search(message) and not _COMPLAINT.search(message) and not _IRONY_MARK.search(message)
        if state.followup_repeat and not (polite and state.unanswered_followups == 0):
            return f"same problem again: {state.followup_repeat} after the agent's reply, still not solved"
        if state.overlap >= 0.35:
            return f"message repeats an earlier complaint in the thread (word overlap {state.overlap:.2f}), not solved"
        if state.earlier_complaints and state.last_agent_defers and (complaint := _first(_COMPLAINT, message)):
            return f"the agent's earlier promise did not solve it: '{complaint}' after an earlier complaint in the thread"
        if state.followup_complaint and not polite:
            return f"the customer came back after the agent's reply ({state.followup_complaint}) and the problem is still open"
        return None

    # -- all of them ----------------------------------------------------------------------------
    def detect(
        self,
        message: str,
        *,
        thread: Sequence[tuple[str, str]] = (),
        public: bool = False,
        pii_types: Sequence[str] | None = None,
        state: ThreadState | None = None,
    ) -> list[RuleHit]:
        state = state or (thread_state(thread, message) if thread else None)
        hits = []
        for reason, detector in self._detectors.items():
            explanation = detector(message, thread=thread, public=public, pii_types=pii_types, state=state)
            if explanation:
                hits.append(RuleHit(reason, explanation))
        return hits
