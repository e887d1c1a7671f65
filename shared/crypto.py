"""Envelope encryption of secrets at rest (Gmail refresh tokens).

Each secret gets its own data key (AES-256-GCM); the data key is wrapped by a key-encryption
key: Cloud KMS in production, a local key in development. Firestore only ever holds
ciphertext, and the key reference it was wrapped with, so keys can rotate.
"""

from __future__ import annotations

import base64
import functools
import os
from typing import Protocol

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import BaseModel

from shared.errors import InvalidInput
from shared.settings import get_settings


class EncryptedSecret(BaseModel):
    """What is stored: the ciphertext, its nonce, and the wrapped data key."""

    key_ref: str
    wrapped_key: str
    nonce: str
    ciphertext: str


class KeyWrapper(Protocol):
    key_ref: str

    def wrap(self, data_key: bytes) -> bytes: ...

    def unwrap(self, wrapped: bytes) -> bytes: ...


class LocalKeyWrapper:
    """Development key-encryption key from RAPPORT_LOCAL_TOKEN_KEY (32 bytes, base64)."""

    key_ref = "local"

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise InvalidInput("the local token key must be 32 bytes, base64-encoded")
        self._aead = AESGCM(key)

    def wrap(self, data_key: bytes) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, data_key, b"rapport-data-key")

    def unwrap(self, wrapped: bytes) -> bytes:
        return self._aead.decrypt(wrapped[:12], wrapped[12:], b"rapport-data-key")


class KmsKeyWrapper:
    """Cloud KMS symmetric key; the data key never leaves this process unwrapped."""

    def __init__(self, key_name: str) -> None:
        self.key_ref = key_name

    @functools.cached_property
    def _session(self):
        import google.auth
        from google.auth.transport.requests import AuthorizedSession

        credentials, _ = google.auth.default(scopes=["https://www.googleapis.com/auth/cloudkms"])
        return AuthorizedSession(credentials)

    def _call(self, verb: str, field: str, value: bytes, result_field: str) -> bytes:
        url = f"https://cloudkms.googleapis.com/v1/{self.key_ref}:{verb}"
        response = self._session.post(url, json={field: base64.b64encode(value).decode()}, timeout=10)
        response.raise_for_status()
        return base64.b64decode(response.json()[result_field])

    def wrap(self, data_key: bytes) -> bytes:
        return self._call("encrypt", "plaintext", data_key, "ciphertext")

    def unwrap(self, wrapped: bytes) -> bytes:
        return self._call("decrypt", "ciphertext", wrapped, "plaintext")


class SecretBox:
    def __init__(self, wrapper: KeyWrapper) -> None:
        self._wrapper = wrapper

    def seal(self, plaintext: str, *, context: str) -> EncryptedSecret:
        """`context` (e.g. the mailbox id) is bound to the ciphertext: it cannot be moved to another record."""
        data_key = AESGCM.generate_key(bit_length=256)
        nonce = os.urandom(12)
        ciphertext = AESGCM(data_key).encrypt(nonce, plaintext.encode(), context.encode())
        return EncryptedSecret(
            key_ref=self._wrapper.key_ref,
            wrapped_key=_b64(self._wrapper.wrap(data_key)),
            nonce=_b64(nonce),
            ciphertext=_b64(ciphertext),
        )

    def open(self, secret: EncryptedSecret, *, context: str) -> str:
        data_key = self._wrapper.unwrap(base64.b64decode(secret.wrapped_key))
        plaintext = AESGCM(data_key).decrypt(
            base64.b64decode(secret.nonce), base64.b64decode(secret.ciphertext), context.encode()
        )
        return plaintext.decode()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@functools.cache
def secret_box() -> SecretBox:
    settings = get_settings()
    if settings.kms_key_name:
        return SecretBox(KmsKeyWrapper(settings.kms_key_name))
    assert settings.local_token_key is not None  # the settings validator guarantees one of the two
    return SecretBox(LocalKeyWrapper(base64.b64decode(settings.local_token_key.get_secret_value())))
