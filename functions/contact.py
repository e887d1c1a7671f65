"""/contact/{id}: GET reads a contact; PATCH changes it (with the version the client saw); DELETE removes it,
keeping or erasing its mail (`mail=keep|erase`); /contact/{id}/export is one person's data as JSON;
/contact/{id}/summary is the reader's relationship summary with its next steps."""

from __future__ import annotations

from typing import Any

import flask

from functions._lib.handlers import Call, http_function, operation
from functions._lib.records import record_routes
from functions._lib.rest import VersionQuery, WorkspaceQuery
from shared.assistant.relationship_summary import RelationshipSummaries, RelationshipSummary
from shared.crm.answers import PersonExport
from shared.crm.kinds import CONTACTS
from shared.crm.privacy import ContactRemoval, MailChoice, PersonExporter
from shared.principals import Role


class ContactDeleteQuery(VersionQuery):
    mail: MailChoice = MailChoice.KEEP


@operation(
    "DELETE",
    "/contact/{id}",
    summary="Delete a contact, keeping its mail or erasing every trace of the person (GDPR erasure)",
    minimum=Role.MEMBER,
    query=ContactDeleteQuery,
    status=204,
)
def _delete(call: Call[None, ContactDeleteQuery]) -> None:
    ContactRemoval().delete(
        call.workspace_id,
        actor=call.principal,
        contact_id=call.params["id"],
        mail=call.query.mail,
        version=call.query.version,
    )


@operation(
    "GET",
    "/contact/{id}/export",
    summary="One person's data as a JSON download: the contact, mail you may read, notes, tasks, deals, audit",
    minimum=Role.VIEWER,
    query=WorkspaceQuery,
    answer=PersonExport,
)
def _export(call: Call[None, WorkspaceQuery]) -> flask.Response:
    contact_id = call.params["id"]
    exported: dict[str, Any] = PersonExporter().of(
        call.workspace_id, contact_id=contact_id, reader_uid=call.principal.uid
    )
    response = flask.jsonify(exported)
    response.headers["Content-Disposition"] = f'attachment; filename="contact-{contact_id}.json"'
    return response


@operation(
    "GET",
    "/contact/{id}/summary",
    summary="The relationship summary and next steps for you, citing the messages they rest on; made again "
    "when new mail has arrived (at most every 10 minutes, within the AI budget)",
    minimum=Role.VIEWER,
    query=WorkspaceQuery,
    answer=RelationshipSummary,
)
def _summary(call: Call[None, WorkspaceQuery]) -> RelationshipSummary:
    return RelationshipSummaries().of(call.workspace_id, call.principal.uid, call.params["id"])


_reading, _changing, _ = record_routes(CONTACTS)
contact = http_function("contact", _reading, _changing, _delete, _export, _summary)
