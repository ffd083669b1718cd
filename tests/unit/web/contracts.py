"""The services' own OpenAPI documents, for holding the web tests' fake answers to them: a fake
that answers what a service no longer would (a renamed or retyped field) fails the web test,
so the panel's hand-written clients cannot drift from the services unnoticed (issue 26)."""

from __future__ import annotations

import functools
import re
import tempfile
from pathlib import Path
from typing import Any

import jsonschema_rs
from fastapi import FastAPI

from shared.keys import ensure_dev_keys

ACCOUNTS, CLAIMS, WARRANTY, NOTIFICATIONS = 8001, 8002, 8003, 8004


@functools.cache
def _keys() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="rma-web-contracts-"))
    ensure_dev_keys(folder)
    return folder


def _app(port: int) -> FastAPI:
    keys = _keys()
    files: dict[str, Any] = {
        "token_public_key_file": keys / "token_public.pem",
        "database_url": "postgresql://nobody@127.0.0.1:1/none",  # built, never started
    }
    if port == ACCOUNTS:
        from services.accounts.bootstrap import build_app as accounts
        from services.accounts.settings import AccountsSettings

        return accounts(
            AccountsSettings(
                **files,
                token_private_key_file=keys / "token_private.pem",
                seal_public_key_file=keys / "seal_public.pem",
            )
        )
    if port == CLAIMS:
        from services.claims.bootstrap import build_app as claims
        from services.claims.settings import ClaimsSettings

        return claims(ClaimsSettings(**files))
    if port == WARRANTY:
        from services.warranty.bootstrap import build_app as warranty
        from services.warranty.settings import WarrantySettings

        return warranty(WarrantySettings(**files))
    from services.notifications.bootstrap import build_app as notifications
    from services.notifications.settings import NotificationsSettings

    return notifications(
        NotificationsSettings(**files, seal_private_key_file=keys / "seal_private.pem")
    )


@functools.cache
def openapi(port: int) -> dict[str, Any]:
    """The OpenAPI document of the service listening on `port` (as the panel's settings say)."""
    return _app(port).openapi()


@functools.cache
def _operations(port: int) -> list[tuple[re.Pattern[str], str, dict[str, Any]]]:
    found = []
    for template, methods in openapi(port)["paths"].items():
        pattern = re.compile("^" + re.sub(r"\{[^/]+\}", "[^/]+", template) + "$")
        for method, operation in methods.items():
            found.append((pattern, method.upper(), operation))
    # A literal path before a template that would also match it (/claims/counts, /claims/{id}).
    found.sort(key=lambda item: item[0].pattern.count("[^/]+"))
    return found


def _operation(port: int, method: str, path: str) -> dict[str, Any] | None:
    return next(
        (op for pattern, verb, op in _operations(port) if verb == method and pattern.match(path)),
        None,
    )


def route_errors(port: int, method: str, path: str) -> list[str]:
    """A fake route the service has no operation for ([] if it has)."""
    if _operation(port, method, path) is None:
        return [f"{method} {path}: the service on {port} has no such operation"]
    return []


def answer_errors(port: int, method: str, path: str, status: int, body: Any) -> list[str]:
    """What is wrong with a fake's JSON answer by the service's own document (nothing: [])."""
    operation = _operation(port, method, path)
    if operation is None:
        return route_errors(port, method, path)
    responses = operation.get("responses", {})
    if str(status) not in responses:
        return [
            f"{method} {path}: the service never answers {status} (it documents {list(responses)})"
        ]
    schema = responses[str(status)].get("content", {}).get("application/json", {}).get("schema")
    if schema is None:
        return []  # the document gives this answer no JSON schema to hold it to
    document = {**schema, "components": openapi(port).get("components", {})}
    validator = jsonschema_rs.validator_for(document)
    return [f"{method} {path} {status}: {error.message}" for error in validator.iter_errors(body)]
