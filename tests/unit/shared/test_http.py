"""The HTTP guards every service shares: correlation ids, the body cap, the error document and
the Content-Disposition of downloads."""

from __future__ import annotations

import json
from uuid import NAMESPACE_URL, UUID, uuid5

import httpx
import pytest
from fastapi import Depends, FastAPI, Form, Request, Response
from pydantic import BaseModel

from shared.errors import document_errors, install_error_handlers
from shared.http import (
    BodySizeLimit,
    attachment_disposition,
    correlation_id,
    refuse_nul_characters,
)
from tests.support.downloads import download_names


async def test_a_correlation_id_that_is_no_uuid_stands_for_the_uuid_derived_from_it() -> None:
    given = UUID("0b54426b-5da5-450d-87ad-cd75f242a29b")
    assert await correlation_id(str(given)) == given
    assert await correlation_id("web-page-17") == uuid5(NAMESPACE_URL, "web-page-17")
    assert isinstance(await correlation_id(None), UUID)


def _echo_app(read: list[int]) -> FastAPI:
    app = FastAPI()

    @app.post("/echo")
    async def echo(request: Request) -> dict[str, int]:
        body = await request.body()
        read.append(len(body))
        return {"length": len(body)}

    app.add_middleware(BodySizeLimit, max_bytes=1024)
    return app


async def test_bodies_above_the_cap_are_refused_declared_or_streamed() -> None:
    read: list[int] = []
    transport = httpx.ASGITransport(app=_echo_app(read))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        assert (await client.post("/echo", content=b"x" * 1024)).json() == {"length": 1024}
        declared = await client.post("/echo", content=b"x" * 1025)
        assert declared.status_code == 413
        assert declared.json()["errors"][0]["code"] == "request_too_large"

        async def stream() -> object:
            for _ in range(100):
                yield b"x" * 512

        streamed = await client.post("/echo", content=stream())
        assert streamed.status_code == 413
    assert read == [1024]  # the handler never got a body above the cap


def test_the_document_names_every_error_with_one_body() -> None:
    schema = {
        "paths": {
            "/api/things/{thing_id}": {
                "post": {
                    "parameters": [{"name": "thing_id", "in": "path"}],
                    "requestBody": {"content": {"application/json": {}}},
                    "security": [{"HTTPBearer": []}],
                    "responses": {"200": {}, "409": {"description": "Taken"}},
                }
            }
        },
        "components": {"schemas": {"HTTPValidationError": {}, "ValidationError": {}}},
    }
    documented = document_errors(schema)
    responses = documented["paths"]["/api/things/{thing_id}"]["post"]["responses"]
    assert sorted(responses) == ["200", "400", "401", "403", "404", "409", "413", "422", "503"]
    assert responses["409"]["description"] == "Taken"
    ref = responses["422"]["content"]["application/json"]["schema"]["$ref"]
    assert ref == "#/components/schemas/ErrorPublic"
    assert "HTTPValidationError" not in documented["components"]["schemas"]


@pytest.mark.parametrize(
    ("stored", "plain", "read_back"),
    [
        ("paragon.pdf", "paragon.pdf", "paragon.pdf"),
        ("faktura-żółć-źdźbło.pdf", "faktura-zolc-zdzblo.pdf", "faktura-żółć-źdźbło.pdf"),
        ("zdjęcie.jpg", "zdjecie.jpg", "zdjęcie.jpg"),
        ("ŁÓDŹ Świętokrzyska.PNG", "LODZ Swietokrzyska.PNG", "ŁÓDŹ Świętokrzyska.PNG"),
        ('umowa "nowa".pdf', "umowa _nowa_.pdf", 'umowa "nowa".pdf'),
        ("../../etc/passwd", "passwd", "passwd"),
        ("C:\\Users\\Jan\\Pulpit\\paragon.pdf", "paragon.pdf", "paragon.pdf"),
        ("katalog/zdjęcie 1.jpg", "zdjecie 1.jpg", "zdjęcie 1.jpg"),
        ("faktura\r\nSet-Cookie: x=1.pdf", "fakturaSet-Cookie: x=1.pdf", None),
        ("fdp.\u202eexe", "fdp.exe", "fdp.exe"),
        ("фото.jpg", "____.jpg", "фото.jpg"),
        ("..", "plik", "plik"),
        ("", "plik", "plik"),
    ],
)
def test_a_download_is_named_as_stored_in_any_letters_and_never_as_a_path(
    stored: str, plain: str, read_back: str | None
) -> None:
    disposition = attachment_disposition(stored)
    assert disposition.isascii() and "\r" not in disposition and "\n" not in disposition
    assert disposition.startswith("attachment; ")
    assert download_names(disposition) == (plain, read_back or plain)
    assert ("filename*=UTF-8''" in disposition) == (plain != (read_back or plain))


async def test_a_response_carries_a_polish_file_name() -> None:
    """Starlette writes headers as Latin-1: the header itself must never need more."""
    app = FastAPI()

    @app.get("/file")
    async def file() -> Response:
        return Response(
            b"%PDF", headers={"Content-Disposition": attachment_disposition("żółć.pdf")}
        )

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        answer = await client.get("/file")
    assert answer.status_code == 200
    assert download_names(answer.headers["content-disposition"])[1] == "żółć.pdf"


class _Note(BaseModel):
    note: str


def _guarded_app(stored: list[str]) -> FastAPI:
    app = FastAPI(dependencies=[Depends(refuse_nul_characters)])

    @app.post("/json")
    async def as_json(body: _Note) -> dict[str, bool]:
        stored.append(body.note)
        return {"stored": True}

    @app.post("/form")
    async def as_form(note: str = Form()) -> dict[str, bool]:
        stored.append(note)
        return {"stored": True}

    install_error_handlers(app)
    return app


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json",
        "Application/JSON",
        "APPLICATION/JSON; charset=UTF-8",
        " application/json ;charset=utf-8",
        None,  # FastAPI reads a body without a Content-Type as JSON
    ],
)
@pytest.mark.parametrize(
    ("text", "code"), [("Dron\x00", "nul_character"), ("Dron\ud800", "surrogate_character")]
)
async def test_unstorable_text_in_json_is_refused_whatever_the_letter_case_of_its_type(
    content_type: str | None, text: str, code: str
) -> None:
    stored: list[str] = []
    headers = {"content-type": content_type} if content_type else {}
    body = json.dumps({"note": text}).encode()  # \u0000 and \ud800, as JSON writes them
    transport = httpx.ASGITransport(app=_guarded_app(stored))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        answer = await client.post("/json", content=body, headers=headers)
    assert answer.status_code == 422, answer.text
    assert [(e["field"], e["code"]) for e in answer.json()["errors"]] == [("note", code)]
    assert answer.json()["errors"][0]["message"].startswith("Pole zawiera")
    assert stored == []


@pytest.mark.parametrize(
    "content_type",
    [
        "multipart/form-data",
        "Multipart/Form-Data",
        "MULTIPART/FORM-DATA",
        "Application/X-WWW-Form-Urlencoded",
    ],
)
async def test_a_nul_in_a_form_is_refused_whatever_the_letter_case_of_its_type(
    content_type: str,
) -> None:
    stored: list[str] = []
    if content_type.lower().startswith("multipart"):
        body = b'--b\r\nContent-Disposition: form-data; name="note"\r\n\r\nDron\x00\r\n--b--\r\n'
        content_type += "; boundary=b"
    else:
        body = b"note=Dron%00"
    transport = httpx.ASGITransport(app=_guarded_app(stored))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        answer = await client.post("/form", content=body, headers={"content-type": content_type})
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["code"] == "nul_character"
    assert stored == []


async def test_a_request_that_meets_the_database_away_is_a_503_logged_once() -> None:
    """Issue 28: PostgreSQL down was a 500 per request and an error line per request."""
    from shared import outage
    from shared.http import DatabaseAway
    from tests.support.logs import captured_logs

    app = FastAPI()
    app.add_middleware(DatabaseAway, what="claims database")
    away = {"now": True}

    @app.post("/api/claims")
    async def create() -> dict[str, str]:
        if away["now"]:
            raise ConnectionRefusedError("connection refused")
        return {"status": "created"}

    transport = httpx.ASGITransport(app=app)
    with captured_logs(outage) as logs:
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            answers = [await client.post("/api/claims") for _ in range(3)]
            english = await client.post("/api/claims", headers={"Accept-Language": "en"})
            away["now"] = False
            back = await client.post("/api/claims")
    assert [a.status_code for a in answers] == [503, 503, 503]
    assert answers[0].headers["retry-after"] == "5"
    assert "chwilowo niedostępna" in answers[0].json()["detail"]
    assert "briefly unavailable" in english.json()["detail"]
    assert back.status_code == 200
    said = [(entry["event"], entry.get("failures")) for entry in logs if "outage" in entry["event"]]
    assert said == [("outage started", None), ("outage ended", 4)]
