"""The claim form read by claims itself (services/claims/entrypoints/claim_form.py) answers as
FastAPI's own reading of the same declaration did: the same values, the same 422 answers, the
same documented request body."""

from __future__ import annotations

from typing import Annotated, Any

import httpx
import pytest
from fastapi import Depends, FastAPI, File, Form, UploadFile

from services.claims.entrypoints.claim_form import (
    ATTACHMENT_DESCRIPTION,
    REQUEST_BODY,
    ClaimForm,
    ClaimFormFields,
)
from shared.errors import install_error_handlers
from shared.http import refuse_nul_characters
from tests.unit.web.contracts import CLAIMS, _app


def _answer(fields: ClaimFormFields, attachment: UploadFile) -> dict[str, Any]:
    return {"fields": fields.model_dump(mode="json"), "file": attachment.filename}


def fastapis_reading() -> FastAPI:
    """The declaration FastAPI reads itself (as `POST /api/claims` was declared before)."""
    app = FastAPI()
    install_error_handlers(app)
    app.router.dependencies.append(Depends(refuse_nul_characters))  # as every service's

    @app.post("/api/claims")
    async def file_claim(
        fields: Annotated[ClaimFormFields, Form()],
        attachment: Annotated[UploadFile, File(description=ATTACHMENT_DESCRIPTION)],
    ) -> dict[str, Any]:
        return _answer(fields, attachment)

    return app


def our_reading() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    app.router.dependencies.append(Depends(refuse_nul_characters))  # as every service's

    @app.post("/api/claims", openapi_extra={"requestBody": REQUEST_BODY})
    async def file_claim(sent: ClaimForm) -> dict[str, Any]:
        return _answer(sent.fields, sent.attachment)

    return app


FULL = {
    "document_type": "PA",
    "document_number": "2026/ABC",
    "line_no": "1",
    "claim_type": "warranty",
    "problem_description": "Dron nie łączy się z aparaturą po aktualizacji.",
    "package_contents": "Dron, aparatura, kabel USB-C",
    "serial_number": "1581F",
    "return_recipient": "Jan Kowalski",
    "return_street": "ul. Zielona 5",
    "return_postal_code": "44-200",
    "return_city": "Rybnik",
    "installed_by_authorised_service": "true",
    "activated_on": "2026-03-01",
    "seal_intact": "0",
}
PDF = ("paragon.pdf", b"%PDF-1.4 receipt", "application/pdf")

Sent = dict[str, Any]
FORMS: dict[str, Sent] = {
    "the whole form": {"data": FULL, "files": {"attachment": PDF}},
    "nothing": {"data": {}, "files": {"other": PDF}},
    "every field empty": {"data": dict.fromkeys(FULL, ""), "files": {"attachment": PDF}},
    "no file": {"data": FULL},
    "the empty file input of a browser": {
        "data": FULL,
        "files": {"attachment": ("", b"", "application/octet-stream")},
    },
    "text where the file goes": {"data": {**FULL, "attachment": "paragon"}, "files": {"x": PDF}},
    "wrong values": {
        "data": {
            **FULL,
            "document_type": "XX",
            "line_no": "zero",
            "claim_type": "guarantee",
            "activated_on": "2026-13-01",
            "seal_intact": "perhaps",
            "return_country": "POL",
            "package_contents": "x",
        },
        "files": {"attachment": PDF},
    },
    "a line number below 1": {"data": {**FULL, "line_no": "0"}, "files": {"attachment": PDF}},
    "too long": {
        "data": {**FULL, "document_number": "9" * 41, "problem_description": "p" * 5001},
        "files": {"attachment": PDF},
    },
    "a field repeated": {
        "data": {**FULL, "document_number": ["2026/FIRST", "2026/LAST"]},
        "files": {"attachment": PDF},
    },
    "fields nobody asked for": {"data": {**FULL, "colour": "red"}, "files": {"attachment": PDF}},
    "a file in a text field": {
        "data": {k: v for k, v in FULL.items() if k != "document_number"},
        "files": {"attachment": PDF, "document_number": PDF},
    },
    "a form without files": {"data": FULL},
    "JSON": {"json": FULL},
}


async def _post(app: FastAPI, sent: Sent) -> tuple[int, Any]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://claims") as client:
        sent = {**sent, "headers": {"Accept-Language": "pl", **sent.get("headers", {})}}
        answer = await client.post("/api/claims", **sent)
    return answer.status_code, answer.json()


@pytest.mark.parametrize("sent", FORMS.values(), ids=FORMS.keys())
async def test_the_form_reads_and_answers_as_fastapis_own_reading(sent: Sent) -> None:
    theirs = await _post(fastapis_reading(), sent)
    assert await _post(our_reading(), sent) == theirs


async def test_a_whole_form_is_read_whole() -> None:
    status, answer = await _post(our_reading(), FORMS["the whole form"])
    assert status == 200
    assert answer["file"] == "paragon.pdf"
    assert answer["fields"]["line_no"] == 1
    assert answer["fields"]["installed_by_authorised_service"] is True
    assert answer["fields"]["seal_intact"] is False


async def test_a_malformed_multipart_body_is_refused_as_before() -> None:
    sent = {
        "content": b"--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b--\r\n",
        "headers": {"content-type": "multipart/form-data; boundary=b"},
    }
    assert await _post(our_reading(), sent) == await _post(fastapis_reading(), sent)
    assert (await _post(our_reading(), sent))[0] == 400


def _resolved(node: Any, components: dict[str, Any]) -> Any:
    """`node` with every `$ref` to a component replaced by the component, recursively."""
    if isinstance(node, dict):
        if "$ref" in node:
            return _resolved(components[node["$ref"].rsplit("/", 1)[-1]], components)
        return {key: _resolved(value, components) for key, value in node.items()}
    if isinstance(node, list):
        return [_resolved(item, components) for item in node]
    return node


def _request_body(app: FastAPI) -> Any:
    document = app.openapi()
    body = document["paths"]["/api/claims"]["post"]["requestBody"]
    return _resolved(body, document.get("components", {}).get("schemas", {}))


def test_the_request_body_is_documented_as_fastapi_documents_the_declaration() -> None:
    assert _request_body(_app(CLAIMS)) == _request_body(fastapis_reading())
