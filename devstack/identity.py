"""The local stack's stand-in for Google as an ID-token issuer.

Google signs the OIDC tokens that Pub/Sub push, Cloud Tasks and Cloud Scheduler attach (and users'
ID tokens) with keys whose certificates it publishes at https://www.googleapis.com/oauth2/v1/certs.
Locally the emulators sign nothing, so the stack makes one RSA key per run (`LocalIdentity`), mints
tokens with it in Google's shape where Google would, and serves its certificate in Google's format
from this process: the functions' settings point RAPPORT_GOOGLE_CERTS_URL here, and the same
verification code as in production runs (docs/decisions/0014-internal-functions-check-their-callers.md).

Anything of the stack that plays a part of Google signing tokens (the functions' injecting entrance,
the local OAuth server) loads the key from the file this module writes.

    python -m devstack.identity --port 8089 --key RUNTIME/identity-key.pem
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from google.auth import crypt, jwt
from werkzeug.wrappers import Request, Response

from devstack.local_server import LocalServer

ISSUER = "https://accounts.google.com"
CERTS_PATH = "/oauth2/v1/certs"
HEALTH_PATH = "/_dev/health"
TOKEN_LIFETIME = timedelta(hours=1)  # what Google gives an ID token
# Reuse a cached token until this close to its expiry, as Pub/Sub and Cloud Tasks do.
TOKEN_RENEW_BEFORE = timedelta(minutes=5)


@dataclass
class LocalIdentity:
    """One signing key and its self-signed certificate, named by key id (`kid`) as Google names its own."""

    private_key: rsa.RSAPrivateKey
    _tokens: dict[tuple[str, str], tuple[str, float]] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def generate(cls) -> LocalIdentity:
        return cls(rsa.generate_private_key(public_exponent=65537, key_size=2048))

    @classmethod
    def load(cls, path: Path) -> LocalIdentity:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError(f"{path} holds no RSA private key")
        return cls(key)

    def save(self, path: Path) -> Path:
        """Writes the private key (PEM, readable by this user only) for the stack's other processes."""
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(self._private_pem)
        return path

    @property
    def _private_pem(self) -> bytes:
        return self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    @property
    def key_id(self) -> str:
        public = self.private_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return hashlib.sha1(public, usedforsecurity=False).hexdigest()

    def certificate_pem(self) -> str:
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "rapport-local-identity")])
        now = datetime.now(UTC)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self.private_key.public_key())
            .serial_number(int(self.key_id[:16], 16))
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=30))
            .sign(self.private_key, hashes.SHA256())
        )
        return certificate.public_bytes(serialization.Encoding.PEM).decode()

    def certs_document(self) -> dict[str, str]:
        """What Google's oauth2/v1/certs answers: {key id: X.509 certificate, PEM}."""
        return {self.key_id: self.certificate_pem()}

    def mint(self, *, audience: str, email: str, lifetime: timedelta = TOKEN_LIFETIME, **claims: Any) -> str:
        """An ID token as Google signs one for a service account: iss, aud, sub, email, email_verified,
        iat, exp. `claims` add or override any of them (tests make expired or unverified ones this way)."""
        now = int(time.time())
        payload: dict[str, Any] = {
            "iss": ISSUER,
            "aud": audience,
            "azp": _subject(email),
            "sub": _subject(email),
            "email": email,
            "email_verified": True,
            "iat": now,
            "exp": now + int(lifetime.total_seconds()),
            **claims,
        }
        return self.sign(payload)

    def sign(self, claims: dict[str, Any]) -> str:
        """A JWT of `claims`, signed RS256 under this key (its `kid` in the header)."""
        signer = crypt.RSASigner.from_string(self._private_pem, key_id=self.key_id)
        return jwt.encode(signer, claims).decode()

    def token_for(self, *, audience: str, email: str) -> str:
        """A token for (audience, email), minted again only when the cached one nears its expiry."""
        with self._lock:
            cached = self._tokens.get((audience, email))
            if cached is not None and cached[1] > time.time() + TOKEN_RENEW_BEFORE.total_seconds():
                return cached[0]
            token = self.mint(audience=audience, email=email)
            self._tokens[(audience, email)] = (token, time.time() + TOKEN_LIFETIME.total_seconds())
            return token


def _subject(email: str) -> str:
    # Google's `sub` of a service account is a stable number; any stable digits do locally.
    return str(int(hashlib.sha256(email.encode()).hexdigest()[:18], 16))


def certs_app(identity: LocalIdentity) -> Any:
    """Serves the certificates as Google does, with a Cache-Control that lets verifiers keep them."""
    document = json.dumps(identity.certs_document())

    @Request.application
    def app(request: Request) -> Response:
        if request.path == HEALTH_PATH:
            return Response('{"ok": true}', mimetype="application/json")
        if request.path == CERTS_PATH and request.method == "GET":
            return Response(document, mimetype="application/json", headers={"Cache-Control": "public, max-age=3600"})
        return Response('{"error": "not found"}', status=404, mimetype="application/json")

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--key", type=Path, required=True, help="the private key file the stack wrote")
    args = parser.parse_args()
    LocalServer(certs_app(LocalIdentity.load(args.key)), host=args.host, port=args.port).serve_forever()


if __name__ == "__main__":
    main()
