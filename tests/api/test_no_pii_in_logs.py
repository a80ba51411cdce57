"""Personal data in requests never reaches the logs, on success or on failure."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from tests.conftest import auth

IBAN, PHONE, EMAIL = "NL91ABNA0417164300", "06-12345678", "jan.jansen@example.nl"


def test_no_pii_in_logs(client: TestClient, api_keys: dict[str, str], caplog: pytest.LogCaptureFixture) -> None:
    message = f"mijn iban {IBAN}, bel {PHONE} of mail {EMAIL}: waarom 2x afgeschreven??"
    with caplog.at_level(logging.DEBUG):
        ok = client.post("/v1/suggestions", json={"brand": "shop", "channel": "x", "message": message}, headers=auth(api_keys["shop"]))
        too_long = client.post(
            "/v1/suggestions", json={"brand": "shop", "message": message * 200}, headers=auth(api_keys["shop"])
        )
        wrong_brand = client.post("/v1/suggestions", json={"brand": "bieb", "message": message}, headers=auth(api_keys["shop"]))
        bad_field = client.post("/v1/suggestions", json={"brand": "shop", "message": message, "x": IBAN}, headers=auth(api_keys["shop"]))
    assert ok.status_code == 200 and too_long.status_code == 413 and wrong_brand.status_code == 403 and bad_field.status_code == 422
    assert caplog.records, "expected the request logs to be captured"
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for secret in (IBAN, PHONE, EMAIL):
        assert secret not in logged
    # and the drafts on this public channel do not echo it either
    assert all(IBAN not in d["text"] and PHONE not in d["text"] for d in ok.json()["drafts"])
