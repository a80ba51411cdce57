"""Tests for models.pii: detection, validation, masking and brand patterns."""

from __future__ import annotations

import time

import pytest

from models.pii import PiiDetector, PiiMatch

BRAND_PATTERNS = {"customer_number": r"\b2\d{13}\b", "order_number": r"\b30\d{8}\b"}


@pytest.fixture(scope="module")
def detector() -> PiiDetector:
    """A detector with the brand patterns of a typical web shop."""
    return PiiDetector(BRAND_PATTERNS)


def _only(detector: PiiDetector, text: str) -> PiiMatch:
    """Return the single match in ``text`` (fails when there is not exactly one)."""
    matches = detector.detect(text)
    assert len(matches) == 1, (text, matches)
    return matches[0]


# ---------------------------------------------------------------------------
# Positive cases per type: (text, expected matched value)
# ---------------------------------------------------------------------------

IBANS = [
    ("NL91ABNA0417164300", "NL91ABNA0417164300"),
    ("NL91 ABNA 0417 1643 00", "NL91 ABNA 0417 1643 00"),
    ("nl91abna0417164300", "nl91abna0417164300"),
    ("nl91 abna 0417 1643 00", "nl91 abna 0417 1643 00"),
    ("Mijn rekening is NL02ABNA0123456789.", "NL02ABNA0123456789"),
    ("IBAN: NL20INGB0001234567, t.n.v. J. Jansen", "NL20INGB0001234567"),
    ("BE68 5390 0754 7034 voor de terugbetaling", "BE68 5390 0754 7034"),
    ("DE89 3704 0044 0532 0130 00", "DE89 3704 0044 0532 0130 00"),
    ("GB82WEST12345698765432", "GB82WEST12345698765432"),
    ("FR14 2004 1010 0505 0001 3M02 606", "FR14 2004 1010 0505 0001 3M02 606"),
]

BSNS = [
    ("Mijn BSN is 111222333.", "111222333"),
    ("bsn 123456782", "123456782"),
    ("BSN: 123.456.782", "123.456.782"),
    ("bsn 1234 56 782 graag", "1234 56 782"),
    ("111 222 333", "111 222 333"),
    ("bsn 12345672 (zonder voorloopnul)", "12345672"),
    ("bsn 012345672", "012345672"),
]

PHONES = [
    ("06-12345678", "06-12345678"),
    ("06 12345678", "06 12345678"),
    ("06 1234 5678", "06 1234 5678"),
    ("0612345678", "0612345678"),
    ("06 12 34 56 78", "06 12 34 56 78"),
    ("0612 345 678", "0612 345 678"),
    ("06 12 345 678", "06 12 345 678"),
    ("0612-345-678", "0612-345-678"),
    ("06 - 12345678", "06 - 12345678"),
    ("+31 6 12345678", "+31 6 12345678"),
    ("+316-12345678", "+316-12345678"),
    ("+31612345678", "+31612345678"),
    ("0031 6 12345678", "0031 6 12345678"),
    ("0031612345678", "0031612345678"),
    ("+31 (0)6 12345678", "+31 (0)6 12345678"),
    ("020-1234567", "020-1234567"),
    ("020 123 4567", "020 123 4567"),
    ("010 123 45 67", "010 123 45 67"),
    ("0201234567", "0201234567"),
    ("(020) 123 4567", "(020) 123 4567"),
    ("+31 (0)20 123 4567", "+31 (0)20 123 4567"),
    ("+31 20 1234567", "+31 20 1234567"),
    ("0341-123456", "0341-123456"),
    ("(0341) 12 34 56", "(0341) 12 34 56"),
    ("088 123 4567", "088 123 4567"),
    ("0800-1234", "0800-1234"),
    ("0800 1234", "0800 1234"),
    ("0900-1234567", "0900-1234567"),
    ("0900-1234", "0900-1234"),
    ("Bel me op 06-12345678!", "06-12345678"),
    ("tel:0612345678.", "0612345678"),
]

EMAILS = [
    ("jan@example.com", "jan@example.com"),
    ("Mail naar jan.jansen+webcare@example.co.uk.", "jan.jansen+webcare@example.co.uk"),
    ("a_b-c@sub.domain.nl graag", "a_b-c@sub.domain.nl"),
    ("(piet.de.vries@gmail.com)", "piet.de.vries@gmail.com"),
    ("Info@Bedrijf.NL", "Info@Bedrijf.NL"),
]

POSTCODE_ADDRESSES = [
    ("Kerkstraat 12, 1234 AB Utrecht", "Kerkstraat 12, 1234 AB"),
    ("Kerkstraat 12 1234AB", "Kerkstraat 12 1234AB"),
    ("Dorpsweg 3a, 9999 ZZ Ergens", "Dorpsweg 3a, 9999 ZZ"),
    ("Dorpsweg 3\n1234 AB Ergens", "Dorpsweg 3\n1234 AB"),
    ("kerkstraat 12, 1234 ab utrecht", "kerkstraat 12, 1234 ab"),
    ("1234AB 12", "1234AB 12"),
    ("1234 AB 12", "1234 AB 12"),
    ("postcode 1234ab 7", "1234ab 7"),
    ("1234 ab huisnummer 7", "1234 ab huisnummer 7"),
    ("1234 AB, nr. 7", "1234 AB, nr. 7"),
    ("2000AB huisnummer 12-2", "2000AB huisnummer 12-2"),
]


@pytest.mark.parametrize(("text", "value"), IBANS)
def test_iban_detected(detector: PiiDetector, text: str, value: str) -> None:
    match = _only(detector, text)
    assert (match.type, match.value) == ("iban", value)
    assert text[match.start : match.end] == value


@pytest.mark.parametrize(("text", "value"), BSNS)
def test_bsn_detected(detector: PiiDetector, text: str, value: str) -> None:
    match = _only(detector, text)
    assert (match.type, match.value) == ("bsn", value)


@pytest.mark.parametrize(("text", "value"), PHONES)
def test_phone_detected(detector: PiiDetector, text: str, value: str) -> None:
    match = _only(detector, text)
    assert (match.type, match.value) == ("phone", value)


@pytest.mark.parametrize(("text", "value"), EMAILS)
def test_email_detected(detector: PiiDetector, text: str, value: str) -> None:
    match = _only(detector, text)
    assert (match.type, match.value) == ("email", value)


@pytest.mark.parametrize(("text", "value"), POSTCODE_ADDRESSES)
def test_postcode_address_detected(detector: PiiDetector, text: str, value: str) -> None:
    match = _only(detector, text)
    assert (match.type, match.value) == ("postcode_address", value)


# ---------------------------------------------------------------------------
# Validation failures
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "NL92ABNA0417164300",  # wrong check digits
        "NL91 ABNA 0417 1643 01",  # one digit changed
        "NL91ABNA041716430",  # too short for NL
        "NL91ABNA04171643001",  # too long for NL
        "XX91ABNA0417164300",  # unknown country
        "DE89 3704 0044 0532 0130 01",
        "NL91 ABN A041 7164 300",  # spaces not in groups of four
    ],
)
def test_invalid_iban_rejected(detector: PiiDetector, text: str) -> None:
    assert "iban" not in detector.types(text)


@pytest.mark.parametrize(
    "text", ["bsn 123456789", "bsn 111222334", "bsn 123.456.789", "bsn 1234 56 789", "bsn 000000000"]
)
def test_bsn_failing_11_test_rejected(detector: PiiDetector, text: str) -> None:
    assert detector.detect(text) == []


def test_lone_postcode_is_not_reported(detector: PiiDetector) -> None:
    assert detector.detect("Ik woon in 1234 AB.") == []
    assert detector.detect("Mijn postcode is 1234AB") == []


@pytest.mark.parametrize("letters", ["SA", "SD", "SS"])
def test_unissued_postcode_letters_rejected(detector: PiiDetector, letters: str) -> None:
    assert detector.detect(f"Kerkstraat 12, 1234 {letters} Utrecht") == []


# ---------------------------------------------------------------------------
# Zero false positives on ordinary numbers
# ---------------------------------------------------------------------------

ORDINARY = [
    "Dat kost € 12,50 per maand.",
    "De prijs is 1.299,- inclusief btw.",
    "Nu voor maar 49.99!",
    "Het kost €1299 of € 1.299,00.",
    "Het bedrag van 123456782 euro klopt niet.",
    "Je betaalt € 111.222.333 voor het pand.",
    "We gaan om 10:30 open.",
    "Om 10.30 uur zijn we er.",
    "Het was precies 12:45:30.",
    "Je afspraak is op 12-03-2026 om 14:00.",
    "Rekening van 06-12-2026 tot 07-01-2027.",
    "Bezorging op 12/3 tussen 9 en 17 uur.",
    "Besteld op 2026-03-12, geleverd 2026-03-15.",
    "Build 20260312 staat klaar.",
    "Ik heb 3 stuks besteld en 2x betaald.",
    "Korting van 25% op alles, ook 12,5% op sale.",
    "Mijn iPhone 15 Pro Max doet het niet.",
    "De RTX 4070 Ti Super met 12 GB is kapot.",
    "De RTX 4070 TI 12 GB was duur.",
    "De 4070 ti 12 gb versie.",
    "Samsung SM-A546B heeft een probleem.",
    "Model XPS 9530 en Dell 7420.",
    "ISBN 978-90-274-3964-4 is het boek.",
    "ISBN 9789027439644 graag.",
    "ISBN 0-306-40615-2.",
    "In 2026 en 2027 blijft het zo.",
    "Sinds 1998 zijn wij klant.",
    "Het gaat om 1500 op 12 maart.",
    "We hebben 2500 EN 3000 stuks.",
    "Open van 09:00-17:00, zaterdag 10:00 - 16:00.",
    "Ma t/m vr 9.00-17.30 uur.",
    "Bestelnummer 123456789 is nog niet binnen.",
    "Mijn ordernummer is 1234567890.",
    "Referentie 9876543210 graag.",
    "Factuur 2612 345 678 is betaald.",
    "Pakket 612 345 678 ligt bij de buren.",
    "Tracking: 1234567890123",
    "Zending 00340123456789012345.",
    "Pakket 3SABCD1234567 volgen.",
    "Versie 2.3.1 en score 4/5 sterren.",
    "Al 1.000.000 klanten gingen je voor.",
    "Temperatuur 21,5 graden en 1.013 hPa.",
    "Lengte 180 cm, gewicht 75 kg.",
    "Nummer 1, 2, 3, 4, 5, 6, 7, 8, 9.",
    "Week 12 van 2026, dag 3.",
    "Factuur 2026-00123 van 03-12-2026.",
    "Bel niet 112 maar de huisarts.",
    "Prijs: 0,99 en 1,99.",
    "Codes: AB12 CDEF 3456 7890 12",
    "Voucher NL12ABCD0123456789 is ongeldig.",
    "Het 1e kwartaal van 2026 had 12345 klanten.",
    "Voor 2 personen, 3 nachten, kamer 12.",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_no_false_positives_on_ordinary_numbers(detector: PiiDetector, text: str) -> None:
    assert detector.detect(text) == []
    assert detector.mask(text) == text


# ---------------------------------------------------------------------------
# Brand patterns
# ---------------------------------------------------------------------------


def test_brand_patterns(detector: PiiDetector) -> None:
    text = "Klantnummer 21234567890123, order 3012345678."
    matches = detector.detect(text)
    assert [(m.type, m.value) for m in matches] == [
        ("customer_number", "21234567890123"),
        ("order_number", "3012345678"),
    ]
    assert detector.mask(text) == "Klantnummer [CUSTOMER_NUMBER], order [ORDER_NUMBER]."


def test_brand_patterns_are_optional() -> None:
    assert PiiDetector().detect("order 3012345678") == []


def test_invalid_brand_regex_names_the_pattern() -> None:
    with pytest.raises(ValueError, match="broken_number"):
        PiiDetector({"ok_number": r"\d{5}", "broken_number": r"(\d{3}"})


def test_empty_brand_pattern_name_rejected() -> None:
    with pytest.raises(ValueError):
        PiiDetector({"": r"\d+"})


# ---------------------------------------------------------------------------
# Combined behaviour: ordering, overlaps, types, masking
# ---------------------------------------------------------------------------

MESSAGE = (
    "Hoi, ik ben Jan (jan.jansen@example.com, 06-12345678). Mijn IBAN is "
    "NL91 ABNA 0417 1643 00 en mijn BSN 111222333. Ik woon op Kerkstraat 12, "
    "1234 AB Utrecht. Klantnummer 21234567890123. Besteld op 12-03-2026 voor € 49,99."
)


def test_detect_is_sorted_and_non_overlapping(detector: PiiDetector) -> None:
    matches = detector.detect(MESSAGE)
    assert [m.type for m in matches] == [
        "email",
        "phone",
        "iban",
        "bsn",
        "postcode_address",
        "customer_number",
    ]
    for previous, current in zip(matches, matches[1:]):
        assert previous.end <= current.start
    for match in matches:
        assert MESSAGE[match.start : match.end] == match.value


def test_types(detector: PiiDetector) -> None:
    assert detector.types(MESSAGE) == [
        "bsn",
        "customer_number",
        "email",
        "iban",
        "phone",
        "postcode_address",
    ]
    assert detector.types("Geen persoonsgegevens hier, 3 stuks voor € 12,50.") == []


def test_mask(detector: PiiDetector) -> None:
    assert detector.mask(MESSAGE) == (
        "Hoi, ik ben Jan ([EMAIL], [PHONE]). Mijn IBAN is [IBAN] en mijn BSN [BSN]. "
        "Ik woon op [POSTCODE_ADDRESS] Utrecht. Klantnummer [CUSTOMER_NUMBER]. "
        "Besteld op 12-03-2026 voor € 49,99."
    )
    assert detector.mask("") == ""


def test_longest_match_wins(detector: PiiDetector) -> None:
    # The digits of an IBAN look like a phone number; the IBAN must win.
    assert [m.type for m in detector.detect("NL91ABNA0417164300")] == ["iban"]
    # Two IBANs written back to back are both found.
    text = "NL91 ABNA 0417 1643 00 NL02 ABNA 0123 4567 89"
    assert [m.value for m in detector.detect(text)] == [
        "NL91 ABNA 0417 1643 00",
        "NL02 ABNA 0123 4567 89",
    ]


def test_multiple_phone_numbers(detector: PiiDetector) -> None:
    text = "bel 020 123 4567 of 06 1234 5678"
    assert [m.value for m in detector.detect(text)] == ["020 123 4567", "06 1234 5678"]


def test_match_is_frozen(detector: PiiDetector) -> None:
    match = detector.detect("jan@example.com")[0]
    with pytest.raises(AttributeError):
        match.start = 3  # type: ignore[misc]


def test_long_message_is_fast(detector: PiiDetector) -> None:
    prose = (
        "Ik heb vorige week een nieuwe telefoon besteld maar het pakket is nog "
        "steeds niet aangekomen en niemand reageert op mijn berichten. "
    )
    text = (prose * 40)[:3900] + " " + MESSAGE[:100]
    assert len(text) >= 4000
    runs = 50
    started = time.perf_counter()
    for _ in range(runs):
        detector.detect(text)
    average_ms = (time.perf_counter() - started) / runs * 1000
    assert average_ms < 10, average_ms  # typically ~0.3 ms; generous for slow CI


@pytest.mark.parametrize(
    "text",
    ["a" * 5000, "1" * 5000, "1 " * 2500, "a@" * 2500, "NL91 " * 1000, "1234 AB " * 600, "06-" * 1600],
)
def test_no_catastrophic_backtracking(detector: PiiDetector, text: str) -> None:
    started = time.perf_counter()
    detector.detect(text)
    assert time.perf_counter() - started < 0.25
