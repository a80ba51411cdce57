"""Knowledge-base validation: the demo brands are complete, and broken files name file, line and problem."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from retrieval.kb_loader import KBValidationError, UnknownBrandError, list_brands, load_brand
from webcare.settings import REPO_ROOT

KB_DIR = REPO_ROOT / "knowledge_base"

BRAND = {
    "id": "mini",
    "name": "Mini",
    "tone": {
        "register": "je",
        "emoji": False,
        "signature": "initials",
        "signature_template": "^{initials}",
        "greetings": ["Hoi!"],
    },
    "agents": [{"first_name": "Anouk", "initials": "AB"}],
    "webcare_hours": {"ma": "08:00-20:00", "zo": "gesloten"},
    "channels": {"public": ["x"], "private": ["whatsapp"]},
}
FAQ = [{"id": "verlengen", "title": "Verlengen", "category": "lenen", "body": "Verlengen kan in de app, tot drie keer."}]
CANNED = [{"id": "c-verlengen", "title": "Verlengen", "intent": "verlengen", "article_id": "verlengen", "text": "Dat kan in de app."}]
PAST = [
    {"id": "pa-1", "conversation_id": "c-1", "channel": "x", "thread": [], "message": "verlengen?", "answer": "Hoi! In de app. ^AB", "agent": "AB", "article_id": "verlengen"}
]


@pytest.fixture()
def mini(tmp_path: Path) -> Path:
    root = tmp_path / "mini"
    root.mkdir()
    (root / "brand.yaml").write_text(yaml.safe_dump(BRAND, allow_unicode=True), encoding="utf-8")
    (root / "faq.yaml").write_text(yaml.safe_dump(FAQ, allow_unicode=True), encoding="utf-8")
    (root / "canned.yaml").write_text(yaml.safe_dump(CANNED, allow_unicode=True), encoding="utf-8")
    (root / "past_answers.jsonl").write_text("\n".join(json.dumps(p) for p in PAST) + "\n", encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("brand", ["bieb", "shop"])
def test_demo_brands_are_complete(brand: str) -> None:
    kb = load_brand(KB_DIR, brand)
    assert len(kb.articles) >= 40
    assert len(kb.canned) >= 30
    assert len(kb.past_answers) >= 300
    channels = {str(p.channel) for p in kb.past_answers}
    assert {"x", "facebook", "instagram", "whatsapp", "chat"} <= channels
    assert kb.profile.tone.address_form == "je"


def test_demo_brands_differ_in_tone() -> None:
    bieb, shop = load_brand(KB_DIR, "bieb").profile.tone, load_brand(KB_DIR, "shop").profile.tone
    assert not bieb.emoji and shop.emoji
    assert bieb.signature == "initials" and shop.signature == "first_name"


def test_minimal_brand_loads(mini: Path) -> None:
    kb = load_brand(mini, "mini")
    assert kb.brand == "mini" and kb.article("verlengen") is not None
    assert list_brands(mini) == ["mini"]


def test_unknown_brand(mini: Path) -> None:
    with pytest.raises(UnknownBrandError, match="known brands: mini"):
        load_brand(mini, "other")


def _problems(kb_dir: Path) -> str:
    with pytest.raises(KBValidationError) as info:
        load_brand(kb_dir, "mini")
    return str(info.value)


def test_invalid_yaml_names_file_and_line(mini: Path) -> None:
    (mini / "mini" / "faq.yaml").write_text("- id: a\n  title: [unclosed\n  body: x\n", encoding="utf-8")
    message = _problems(mini)
    assert "faq.yaml:" in message and "invalid YAML" in message


def test_missing_field_names_the_item_line(mini: Path) -> None:
    faq = FAQ + [{"id": "tweede", "title": "Tweede artikel", "category": "x"}]  # no body
    (mini / "mini" / "faq.yaml").write_text(yaml.safe_dump(faq, sort_keys=False), encoding="utf-8")
    message = _problems(mini)
    assert "faq.yaml:5: item 2: body: Field required" in message


def test_wrong_value_points_at_its_line(mini: Path) -> None:
    text = (mini / "mini" / "brand.yaml").read_text(encoding="utf-8").replace("register: je", "register: jullie")
    (mini / "mini" / "brand.yaml").write_text(text, encoding="utf-8")
    line = next(n for n, ln in enumerate(text.splitlines(), 1) if "register: jullie" in ln)
    assert f"brand.yaml:{line}: tone.register" in _problems(mini)


def test_jsonl_problems_name_the_line(mini: Path) -> None:
    path = mini / "mini" / "past_answers.jsonl"
    good = json.dumps(PAST[0])
    bad_channel = json.dumps({**PAST[0], "id": "pa-2", "channel": "telegram"})
    path.write_text(f"{good}\n{{not json\n{bad_channel}\n{good}\n", encoding="utf-8")
    message = _problems(mini)
    assert "past_answers.jsonl:2: invalid JSON" in message
    assert "past_answers.jsonl:3: channel" in message
    assert "past_answers.jsonl:4: duplicate id 'pa-1' (first on line 1)" in message


def test_invalid_utf8_is_reported(mini: Path) -> None:
    path = mini / "mini" / "canned.yaml"
    path.write_bytes(path.read_bytes() + b"\n# caf\xe9\n")
    assert "canned.yaml" in _problems(mini) and "not valid UTF-8" in _problems(mini)


def test_dangling_references_and_unknown_agents(mini: Path) -> None:
    past = [{**PAST[0], "article_id": "bestaat-niet", "agent": "ZZ"}]
    (mini / "mini" / "past_answers.jsonl").write_text(json.dumps(past[0]) + "\n", encoding="utf-8")
    message = _problems(mini)
    assert "article_id 'bestaat-niet' does not exist" in message and "agent 'ZZ'" in message


def test_folder_name_must_match_id(mini: Path) -> None:
    shutil.copytree(mini / "mini", mini / "other")
    with pytest.raises(KBValidationError, match="must equal the folder name 'other'"):
        load_brand(mini, "other")
