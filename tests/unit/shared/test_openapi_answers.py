"""What the APIs' OpenAPI documents promise about answers the schema fuzzing found missing: the
scooter registration's 404 and 409, the downloads' file and its name (they answered a 500)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from services.claims.bootstrap import build_app as build_claims
from services.claims.settings import ClaimsSettings
from services.warranty.bootstrap import build_app as build_warranty
from services.warranty.settings import WarrantySettings

# Building an app reads the token's public key only; nothing connects.
OFFLINE: dict[str, Any] = {
    "database_url": "postgresql://nobody@127.0.0.1:1/none",
    "kafka_bootstrap_servers": "127.0.0.1:1",
    "token_public_key_file": Path("/dev/null"),
}


def answers(app: FastAPI, method: str, path: str) -> dict[str, Any]:
    documented: dict[str, Any] = app.openapi()["paths"][path][method]["responses"]
    return documented


def test_the_scooter_registration_documents_its_404_and_409() -> None:
    documented = answers(build_warranty(WarrantySettings(**OFFLINE)), "post", "/api/registrations")
    assert {"201", "404", "409", "422"} <= set(documented)
    assert "linked documents" in documented["404"]["description"]
    assert "registered already" in documented["409"]["description"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/claims/{claim_id}/attachments/{attachment_id}",
        "/api/operator/claims/{claim_id}/attachments/{attachment_id}",
    ],
)
def test_a_download_documents_the_file_its_name_and_its_404(path: str) -> None:
    documented = answers(build_claims(ClaimsSettings(**OFFLINE)), "get", path)
    assert set(documented) >= {"200", "401", "403", "404"}
    assert set(documented["200"]["content"]) == {"application/pdf", "image/jpeg", "image/png"}
    assert (
        "filename*=UTF-8''" in (documented["200"]["headers"]["Content-Disposition"]["description"])
    )
    # No undocumented 5xx: only the database away, which every API operation may meet.
    assert {code for code in documented if code.startswith("5")} <= {"503"}
