from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from shared.errors import BusinessRuleError, Message, install_error_handlers


class Form(BaseModel):
    full_name: str = Field(min_length=2)
    quantity: int


def client() -> TestClient:
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/form")
    def submit(form: Form) -> dict[str, str]:
        raise BusinessRuleError(
            "document_not_found", Message("Nie ma dokumentu.", "No document."), field="x"
        )

    return TestClient(app)


def test_validation_errors_name_the_field_in_polish_by_default() -> None:
    response = client().post("/form", json={"full_name": "X", "quantity": "dużo"})
    assert response.status_code == 422
    errors = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert errors == {
        "full_name": "Wartość jest za krótka (minimalna długość: 2).",
        "quantity": "Podaj liczbę całkowitą.",
    }


def test_english_on_request_and_business_rules_keep_their_status() -> None:
    response = client().post(
        "/form", json={"full_name": "Jan", "quantity": 1}, headers={"Accept-Language": "en-GB"}
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "x", "code": "document_not_found", "message": "No document."}
    ]


def test_missing_field_and_malformed_json() -> None:
    missing = client().post("/form", json={"quantity": 1})
    assert missing.json()["errors"][0] == {
        "field": "full_name",
        "code": "missing",
        "message": "To pole jest wymagane.",
    }
    malformed = client().post("/form", content=b"{", headers={"content-type": "application/json"})
    assert malformed.status_code == 422
    assert malformed.json()["errors"][0]["message"] == "Nieprawidłowy format danych (JSON)."
