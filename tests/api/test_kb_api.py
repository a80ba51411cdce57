"""Knowledge-base routes: the index follows every change, edits survive a rebuild, brands stay apart."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import auth
from webcare.services import Services, build_services

ARTICLE = {
    "id": "zonnepaneel-omvormer",
    "title": "Zonnepaneel omvormer XQ9 storing",
    "category": "reparatie",
    "body": "Geeft je zonnepaneel omvormer XQ9 storingscode E42? Zet de omvormer 5 minuten uit en weer aan. "
    "Blijft E42 staan, dan halen we de XQ9 gratis op voor reparatie binnen 10 werkdagen.",
}
QUESTION = "mijn xq9 omvormer geeft storing e42 wat moet ik doen"


def _sources(client: TestClient, key: str, brand: str, message: str) -> set[str]:
    response = client.post("/v1/suggestions", json={"brand": brand, "message": message}, headers=auth(key))
    assert response.status_code == 200, response.text
    return {s["id"] for d in response.json()["drafts"] for s in d["sources"]}


def test_article_lifecycle_follows_into_the_index(client: TestClient, api_keys: dict[str, str], services: Services) -> None:
    shop = auth(api_keys["shop"])
    created = client.post("/v1/kb/shop/articles", json=ARTICLE, headers=shop)
    assert created.status_code == 201, created.text
    assert created.json()["action"] == "created"
    assert client.post("/v1/kb/shop/articles", json=ARTICLE, headers=shop).status_code == 409
    assert "article:zonnepaneel-omvormer#0" in _sources(client, api_keys["shop"], "shop", QUESTION)

    # another brand never sees it
    assert not any("zonnepaneel" in s for s in _sources(client, api_keys["bieb"], "bieb", QUESTION))
    listed = client.get("/v1/kb/bieb/articles", headers=auth(api_keys["bieb"])).json()["items"]
    assert all(a["id"] != "zonnepaneel-omvormer" for a in listed)

    # update: new text is what is indexed
    updated = {**ARTICLE, "body": ARTICLE["body"].replace("10 werkdagen", "3 werkdagen")}
    response = client.put("/v1/kb/shop/articles/zonnepaneel-omvormer", json=updated, headers=shop)
    assert response.status_code == 200 and response.json()["action"] == "updated"
    store = services.registry.get("shop").store
    assert "3 werkdagen" in store.get("article:zonnepaneel-omvormer#0").content

    # edits survive a full rebuild and a restart (recorded in the database)
    services.registry.rebuild("shop")
    fresh = build_services(services.settings)
    assert "3 werkdagen" in fresh.registry.get("shop").store.get("article:zonnepaneel-omvormer#0").content

    # delete
    assert client.delete("/v1/kb/shop/articles/zonnepaneel-omvormer", headers=shop).status_code == 200
    assert client.delete("/v1/kb/shop/articles/zonnepaneel-omvormer", headers=shop).status_code == 404
    assert not any("zonnepaneel" in s for s in _sources(client, api_keys["shop"], "shop", QUESTION))


def test_canned_answers_crud(client: TestClient, api_keys: dict[str, str], services: Services) -> None:
    bieb = auth(api_keys["bieb"])
    before = len(client.get("/v1/kb/bieb/canned", headers=bieb).json()["items"])
    canned = {"id": "c-test-kerst", "title": "Kerstsluiting", "intent": "kerst", "text": "Met kerst zijn alle vestigingen dicht op 25 en 26 december."}
    assert client.put("/v1/kb/bieb/canned/c-test-kerst", json=canned, headers=bieb).status_code == 201
    assert len(client.get("/v1/kb/bieb/canned", headers=bieb).json()["items"]) == before + 1
    assert "canned:c-test-kerst" in services.registry.get("bieb").store
    assert client.put("/v1/kb/bieb/canned/other-id", json=canned, headers=bieb).status_code == 422
    assert client.delete("/v1/kb/bieb/canned/c-test-kerst", headers=bieb).status_code == 200
    assert "canned:c-test-kerst" not in services.registry.get("bieb").store


def test_invalid_article_is_rejected_with_reason(client: TestClient, api_keys: dict[str, str]) -> None:
    response = client.post("/v1/kb/shop/articles", json={**ARTICLE, "id": "Bad Id!"}, headers=auth(api_keys["shop"]))
    assert response.status_code == 422 and "id" in response.json()["detail"]
    response = client.post("/v1/kb/shop/articles", json={"id": "x-only"}, headers=auth(api_keys["shop"]))
    assert response.status_code == 422 and "body" in response.json()["detail"]
