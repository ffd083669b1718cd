from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from shared.auth import InvalidToken, Principal, issue_token, verify_token
from shared.keys import ensure_dev_keys
from shared.sealing import SealError, seal, unseal


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("keys")
    ensure_dev_keys(folder)
    return folder


@pytest.fixture(scope="module")
def other_keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("other-keys")
    ensure_dev_keys(folder)
    return folder


def test_sealed_text_opens_only_with_the_recipients_key(keys: Path, other_keys: Path) -> None:
    link = "http://127.0.0.1:8001/activate?token=secret-value"
    sealed = seal((keys / "seal_public.pem").read_bytes(), link)
    assert "secret-value" not in sealed
    assert unseal((keys / "seal_private.pem").read_bytes(), sealed) == link
    with pytest.raises(SealError):
        unseal((other_keys / "seal_private.pem").read_bytes(), sealed)


def test_sealing_twice_gives_different_ciphertexts(keys: Path) -> None:
    public = (keys / "seal_public.pem").read_bytes()
    assert seal(public, "same") != seal(public, "same")


def test_token_round_trip_carries_subject_and_role(keys: Path) -> None:
    subject = uuid.uuid4()
    token = issue_token(
        (keys / "token_private.pem").read_bytes(),
        Principal(subject=subject, role="scanner", name="magazyn-1"),
    )
    principal = verify_token((keys / "token_public.pem").read_bytes(), token)
    assert principal.subject == subject
    assert principal.role == "scanner"
    assert principal.name == "magazyn-1" and principal.email is None


def test_token_signed_with_another_key_is_refused(keys: Path, other_keys: Path) -> None:
    token = issue_token(
        (other_keys / "token_private.pem").read_bytes(),
        Principal(subject=uuid.uuid4(), role="operator"),
    )
    with pytest.raises(InvalidToken):
        verify_token((keys / "token_public.pem").read_bytes(), token)


def test_expired_token_is_refused(keys: Path) -> None:
    token = issue_token(
        (keys / "token_private.pem").read_bytes(),
        Principal(subject=uuid.uuid4(), role="customer"),
        lifetime=timedelta(minutes=5),
        now=datetime.now(UTC) - timedelta(hours=1),
    )
    with pytest.raises(InvalidToken):
        verify_token((keys / "token_public.pem").read_bytes(), token)
