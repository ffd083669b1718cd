"""The panel's languages: Polish (the source texts) and English, through one catalogue.

Every text a page shows is Polish in the code and the templates, and is looked up in the
English gettext catalogue (`locale/en/LC_MESSAGES/messages.po`, read with Babel) when the page
is in English. Templates mark texts with `_()` (Jinja's i18n extension); Python code marks
texts it makes with `N_()` and the templates show them through the `t` filter, so a message is
translated where it is shown, in the language of that page. Texts that the APIs send are
already in the page's language (the panel sends its `Accept-Language`) and pass unchanged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from fastapi import Request

from shared.claims_vocabulary import REJECTION_REASON_NAMES

LANGUAGES = ("pl", "en")
DEFAULT = "pl"
LANGUAGE_COOKIE = "rma_lang"
LANGUAGE_NAMES = {"pl": "Polski", "en": "English"}
CATALOGUES = Path(__file__).parent / "locale"


def N_(text: str) -> str:
    """Marks a Polish text for the catalogue; it is translated where it is shown."""
    return text


class Text:
    """A marked text with values, formatted once translated: `Text("za {days} dni", days=3)`."""

    __slots__ = ("msgid", "values")

    def __init__(self, msgid: str, **values: Any) -> None:
        self.msgid = msgid
        self.values = values

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Text) and (other.msgid, other.values) == (self.msgid, self.values)

    def __hash__(self) -> int:
        return hash(self.msgid)

    def __str__(self) -> str:
        return translate(self, DEFAULT)

    def __repr__(self) -> str:
        return f"Text({self.msgid!r}, **{self.values!r})"


def _load(language: str) -> dict[str, str]:
    with (CATALOGUES / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog: Catalog = read_po(po, locale=language)
    return {
        str(message.id): str(message.string)
        for message in catalog
        if message.id and isinstance(message.id, str) and message.string
    }


def _vocabulary(language: str) -> dict[str, str]:
    """The claims vocabulary carries its own words in both languages (shared/claims_vocabulary.py):
    its Polish names translate without a second copy in the catalogue."""
    return {
        polish: REJECTION_REASON_NAMES[language][code]
        for code, polish in REJECTION_REASON_NAMES["pl"].items()
    }


TRANSLATIONS: dict[str, dict[str, str]] = {"pl": {}, "en": {**_vocabulary("en"), **_load("en")}}


def gettext(language: str, text: str) -> str:
    return TRANSLATIONS.get(language, {}).get(text, text)


def translate(text: str | Text | None, language: str) -> str:
    """A text to show: a marked text in the page's language, anything else unchanged."""
    if text is None:
        return ""
    if isinstance(text, Text):
        return gettext(language, text.msgid).format(**text.values)
    return gettext(language, str(text))


def language_of(request: Request) -> str:
    """The account's language once logged in (kept in a cookie at login), the one chosen with
    the switch link, or else the browser's `Accept-Language`."""
    chosen = request.cookies.get(LANGUAGE_COOKIE, "")
    if chosen in LANGUAGES:
        return chosen
    return preferred(request.headers.get("accept-language", ""))


def preferred(accept_language: str) -> str:
    """The first of our languages in the header's order of preference."""
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate(accept_language.split(",")):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        base = tag.strip().lower().split("-")[0]
        if base in LANGUAGES and quality > 0:
            ranked.append((-quality, position, base))
    return min(ranked)[2] if ranked else DEFAULT


def days_left(days: int | None, language: str = DEFAULT) -> str:
    if days is None:
        text = Text("termin jeszcze nie biegnie")
    elif days < 0:
        text = Text("po terminie ({days} dn.)", days=-days)
    elif days == 0:
        text = Text("dziś")
    elif days == 1:
        text = Text("jutro")
    else:
        text = Text("za {days} dni", days=days)
    return translate(text, language)
