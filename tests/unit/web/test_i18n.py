"""The panel in Polish and English: one catalogue for every text, the language chosen by the
account after login and by Accept-Language (or the switch link) before."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from fastapi.testclient import TestClient

from services.web import i18n, vocabulary
from tests.unit.web.fakes import ACCOUNTS, CLAIMS, FakeApis, profile, reply

WEB = Path(i18n.__file__).parent


def panel_texts() -> dict[str, str]:
    """Every text of the panel: `_()` in templates, `N_()`/`Text()` in Python, the vocabulary."""
    found: dict[str, str] = {}
    extracted = extract_from_dir(
        WEB,
        [("**.py", "python"), ("**/templates/**.html", "jinja2.ext:babel_extract")],
        {"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}},
        keywords={"_": None, "N_": None, "Text": None},
    )
    for filename, lineno, message, _comments, _context in extracted:
        found.setdefault(str(message), f"{filename}:{lineno}")
    for table in (
        vocabulary.STATUS_NAMES,
        vocabulary.REJECTION_REASONS,
        vocabulary.DEADLINE_STATES,
        vocabulary.CHARGE_KINDS,
        vocabulary.VOID_REASONS,
    ):
        found.update({text: "vocabulary" for text in table.values()})
    found.update({name: "vocabulary" for _low, _high, name in vocabulary.DEDUCTIONS.values()})
    return found


def test_every_text_of_the_panel_has_its_english_translation() -> None:
    texts = panel_texts()
    assert len(texts) > 300
    missing = {text: where for text, where in texts.items() if text not in i18n.TRANSLATIONS["en"]}
    assert missing == {}
    # Placeholders survive translation.
    for text, english in i18n.TRANSLATIONS["en"].items():
        for placeholder in ("%(", "{"):
            assert text.count(placeholder) == english.count(placeholder), text


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("en-GB,en;q=0.9", "en"),
        ("de-DE,en;q=0.8,pl;q=0.5", "en"),
        ("pl-PL,pl;q=0.9,en;q=0.8", "pl"),
        ("fr-FR", "pl"),
        ("", "pl"),
    ],
)
def test_before_login_the_language_follows_accept_language(header: str, language: str) -> None:
    assert i18n.preferred(header) == language


def test_an_english_browser_gets_the_english_panel_and_can_switch(client: TestClient) -> None:
    page = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in page.text
    assert "Log in to the service panel" in page.text and "Zaloguj się" not in page.text
    assert 'href="/language/pl?next=/login"' in page.text
    switched = client.get("/language/pl?next=/login", follow_redirects=False)
    assert (switched.status_code, switched.headers["location"]) == (303, "/login")
    polish = client.get("/login", headers={"Accept-Language": "en-GB"})
    assert "Zaloguj się do panelu serwisowego" in polish.text  # the chosen language wins
    away = client.get("/language/en?next=//evil.example", follow_redirects=False)
    assert away.headers["location"] == "/"


def test_after_login_the_pages_speak_the_accounts_language(
    client: TestClient, apis: FakeApis
) -> None:
    apis.on("POST", ACCOUNTS, "/api/auth/login", reply(200, {"access_token": "jwt"}))
    english_account = profile(full_name="John Smith", email="j@example.com", language="en")
    apis.on("GET", ACCOUNTS, "/api/me", reply(200, english_account))
    apis.on("GET", CLAIMS, "/api/claims", reply(200, []))
    # A Polish browser, an English account.
    polish = {"Accept-Language": "pl-PL"}
    client.post("/login", data={"email": "j@example.com", "password": "x"}, headers=polish)
    home = client.get("/home", headers=polish)
    assert "Welcome, John Smith" in home.text and "You have no claims yet." in home.text
    assert apis.requests[-1].headers["accept-language"] == "en"


def test_registration_in_english_registers_an_english_account_and_shows_english_errors(
    client: TestClient, apis: FakeApis
) -> None:
    apis.on("POST", ACCOUNTS, "/api/accounts", reply(202, {"message": "Check your email."}))
    english = {"Accept-Language": "en"}
    mismatch = client.post(
        "/register", data={"password": "abcdefgh1", "password_repeat": "x"}, headers=english
    )
    assert "The passwords do not match." in mismatch.text
    form = {
        "account_type": "private",
        "full_name": "John Smith",
        "email": "john@example.com",
        "password": "Secret-Password-1",
        "password_repeat": "Secret-Password-1",
        "document_number": "2025/1",
        "document_total": "10,00",
    }
    done = client.post("/register", data=form, headers=english)
    assert "Almost done" in done.text
    assert json.loads(apis.requests[-1].content)["language"] == "en"
