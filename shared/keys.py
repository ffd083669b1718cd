"""Development key pairs: `python -m shared.keys DIR` writes them once (not for production)."""

from __future__ import annotations

import sys
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey


def _write_pair(folder: Path, name: str, private_key: Ed25519PrivateKey | X25519PrivateKey) -> None:
    private_path = folder / f"{name}_private.pem"
    if private_path.exists():
        return
    private_path.write_bytes(
        private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    private_path.chmod(0o600)
    (folder / f"{name}_public.pem").write_bytes(
        private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


def ensure_dev_keys(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    _write_pair(folder, "token", Ed25519PrivateKey.generate())
    _write_pair(folder, "seal", X25519PrivateKey.generate())


if __name__ == "__main__":
    ensure_dev_keys(Path(sys.argv[1]))
