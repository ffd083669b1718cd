"""The panel's languages: Polish, and English for those who ask for it."""

from __future__ import annotations

from fastapi import Request

LANGUAGES = ("pl", "en")
DEFAULT = "pl"
LANGUAGE_COOKIE = "rma_lang"


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
        return "termin jeszcze nie biegnie"
    if days < 0:
        return f"po terminie ({-days} dn.)"
    if days == 0:
        return "dziś"
    if days == 1:
        return "jutro"
    return f"za {days} dni"
