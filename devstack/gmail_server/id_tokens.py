"""OpenID Connect ID tokens as Google signs them: RS256 under a key published at the certs endpoints.

Google publishes its signing keys twice: as x509 certificates (`/oauth2/v1/certs`, which
`google.oauth2.id_token.verify_token` reads by default) and as a JWK set (`/oauth2/v3/certs`). The local
server makes one RSA key per run and serves it both ways, so Rapport verifies local ID tokens with the
same code and checks (signature, audience, issuer, expiry) as Google's.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from google.auth import crypt, jwt

CERTIFICATE_DAYS = 14


def _b64_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass
class IdTokenSigner:
    """One RSA key: signs ID tokens and describes itself as Google's certs endpoints do."""

    _key: rsa.RSAPrivateKey = field(default_factory=lambda: rsa.generate_private_key(65537, key_size=2048))
    key_id: str = field(init=False)
    _certificate_pem: str = field(init=False)
    _signer: crypt.RSASigner = field(init=False)

    def __post_init__(self) -> None:
        public_der = self._key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.key_id = hashlib.sha1(public_der).hexdigest()  # noqa: S324 (an identifier, like Google's kid)
        pem = self._key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        self._signer = crypt.RSASigner.from_string(pem, key_id=self.key_id)
        self._certificate_pem = self._certificate()

    def _certificate(self) -> str:
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "local-gmail-server.securetoken")])
        now = datetime.now(UTC)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self._key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=CERTIFICATE_DAYS))
            .sign(self._key, hashes.SHA256())
        )
        return certificate.public_bytes(serialization.Encoding.PEM).decode()

    def sign(self, claims: dict[str, object]) -> str:
        return jwt.encode(self._signer, claims).decode()

    def x509_certs(self) -> dict[str, str]:
        """`GET /oauth2/v1/certs`: key id → PEM certificate."""
        return {self.key_id: self._certificate_pem}

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        """`GET /oauth2/v3/certs`: the JWK set."""
        numbers = self._key.public_key().public_numbers()
        key = {"kty": "RSA", "alg": "RS256", "use": "sig", "kid": self.key_id}
        return {"keys": [key | {"n": _b64_uint(numbers.n), "e": _b64_uint(numbers.e)}]}
