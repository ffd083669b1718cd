"""Sealed messages: text encrypted for one recipient's X25519 public key (ECIES-style box).

Activation and password-reset links must reach the notifications service through events, yet no
secret may sit in clear in Kafka or its logs. The accounts service seals the link with the
notifications service's public key; only the holder of the private key can open it.
"""

from __future__ import annotations

import base64
import os

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_INFO = b"rma-sealed-v1"
_RAW = serialization.Encoding.Raw, serialization.PublicFormat.Raw


class SealError(ValueError):
    pass


def _derive_key(shared_secret: bytes, ephemeral_public: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=ephemeral_public, info=_INFO).derive(
        shared_secret
    )


def seal(recipient_public_pem: bytes, plaintext: str) -> str:
    recipient = serialization.load_pem_public_key(recipient_public_pem)
    if not isinstance(recipient, X25519PublicKey):
        raise SealError("the sealing key must be an X25519 public key")
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = ephemeral.public_key().public_bytes(*_RAW)
    key = _derive_key(ephemeral.exchange(recipient), ephemeral_public)
    nonce = os.urandom(12)
    ciphertext = AESGCM(key).encrypt(nonce, plaintext.encode(), None)
    return base64.urlsafe_b64encode(ephemeral_public + nonce + ciphertext).decode()


def unseal(recipient_private_pem: bytes, sealed: str) -> str:
    private = serialization.load_pem_private_key(recipient_private_pem, password=None)
    if not isinstance(private, X25519PrivateKey):
        raise SealError("the unsealing key must be an X25519 private key")
    try:
        blob = base64.urlsafe_b64decode(sealed.encode())
        ephemeral_public, nonce, ciphertext = blob[:32], blob[32:44], blob[44:]
        shared = private.exchange(X25519PublicKey.from_public_bytes(ephemeral_public))
        return (
            AESGCM(_derive_key(shared, ephemeral_public)).decrypt(nonce, ciphertext, None).decode()
        )
    except Exception as error:
        raise SealError("the sealed message cannot be opened with this key") from error
