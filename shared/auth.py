"""Who is calling, and what they may do in a workspace."""

from __future__ import annotations

from firebase_admin import auth as firebase_auth
from google.cloud import firestore

from shared.clients import firebase_app, firestore_client
from shared.errors import PermissionDenied, Unauthenticated
from shared.firestore_limits import is_document_id
from shared.principals import Principal, Role, at_least


def principal_from_id_token(id_token: str) -> Principal:
    """Verifies a Firebase ID token: signature, issuer, audience, expiry (the Auth emulator's when set)."""
    try:
        claims = firebase_auth.verify_id_token(id_token, app=firebase_app())
    except (ValueError, firebase_auth.InvalidIdTokenError, firebase_auth.ExpiredIdTokenError) as error:
        raise Unauthenticated(f"the ID token was rejected: {error}") from error
    except firebase_auth.CertificateFetchError as error:
        raise Unauthenticated("the ID token could not be checked right now") from error
    return Principal(
        uid=str(claims["uid"]), email=claims.get("email"), email_verified=claims.get("email_verified") is True
    )


def require_role(workspace_id: str, principal: Principal, minimum: Role, *, db: firestore.Client | None = None) -> Role:
    """The caller's role in the workspace, when it is at least `minimum`."""
    if not is_document_id(workspace_id):  # Firestore would refuse the path with a server error
        raise PermissionDenied("you are not a member of this workspace")
    snapshot = (db or firestore_client()).document("workspaces", workspace_id, "members", principal.uid).get()
    if not snapshot.exists:
        raise PermissionDenied("you are not a member of this workspace")
    role = Role((snapshot.to_dict() or {}).get("role", Role.VIEWER))
    if not at_least(role, minimum):
        raise PermissionDenied(f"this needs the {minimum.value} role; you are {role.value}")
    return role
