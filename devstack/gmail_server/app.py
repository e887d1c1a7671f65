"""The WSGI application: routing, error shapes, and the threaded server that hosts it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from devstack import calendar_server
from devstack.gmail_server import dev_api, errors, gmail_api, oauth_api
from devstack.gmail_server.batch import handle_batch
from devstack.gmail_server.http_util import api_error_response, json_response
from devstack.gmail_server.notifier import Notifier, PublishFn, pubsub_publisher
from devstack.gmail_server.oauth import TokenStore
from devstack.gmail_server.quota import Quota, QuotaSettings
from devstack.gmail_server.store import MailStore
from devstack.identity import LocalIdentity
from devstack.local_server import LocalServer
from shared.log import get_logger

log = get_logger("gmail_server")

Handler = Callable[..., Response]
_USERS = "/gmail/v1/users/<user_id>"

_ROUTES: list[tuple[str, str, Handler]] = [
    ("GET", "/_dev/health", dev_api.health),
    ("POST", "/_dev/mailboxes", dev_api.create_mailbox),
    ("POST", "/_dev/mailboxes/<email>/messages", dev_api.deliver),
    ("POST", "/_dev/mailboxes/<email>/messages/<message_id>/labels", dev_api.change_labels),
    ("DELETE", "/_dev/mailboxes/<email>/messages/<message_id>", dev_api.delete_message),
    ("POST", "/_dev/mailboxes/<email>/expire-history", dev_api.expire_history),
    ("POST", "/_dev/mailboxes/<email>/authorization-code", dev_api.authorization_code),
    ("POST", "/_dev/mailboxes/<email>/revoke", dev_api.revoke_grants),
    ("POST", "/_dev/mailboxes/<email>/consent", dev_api.set_consent),
    ("POST", "/_dev/mailboxes/<email>/addon-tokens", dev_api.addon_tokens),
    ("POST", "/_dev/account-chooser", dev_api.choose_account),
    ("GET", "/_dev/quota", dev_api.quota_settings),
    ("POST", "/_dev/quota", dev_api.configure_quota),
    ("POST", "/_dev/mailboxes/<email>/quota", dev_api.configure_mailbox_quota),
    ("GET", "/_dev/mailboxes/<email>/usage", dev_api.usage),
    ("DELETE", "/_dev/mailboxes/<email>/usage", dev_api.reset_usage),
    ("GET", "/_dev/faults", dev_api.list_faults),
    ("POST", "/_dev/faults", dev_api.add_fault),
    ("DELETE", "/_dev/faults", dev_api.clear_faults),
    ("POST", "/token", oauth_api.token),
    ("POST", "/revoke", oauth_api.revoke),
    ("GET", "/o/oauth2/v2/auth", oauth_api.authorize),
    ("GET", "/oauth2/v1/certs", oauth_api.certs),
    ("GET", "/oauth2/v3/userinfo", oauth_api.userinfo),
    ("GET", "/oauth2/v3/tokeninfo", oauth_api.tokeninfo),
    ("POST", "/oauth2/v3/tokeninfo", oauth_api.tokeninfo),
    ("GET", f"{_USERS}/profile", gmail_api.get_profile),
    ("GET", f"{_USERS}/messages", gmail_api.list_messages),
    ("POST", f"{_USERS}/messages/send", gmail_api.send_message),
    ("GET", f"{_USERS}/messages/<message_id>", gmail_api.get_message),
    ("GET", f"{_USERS}/messages/<message_id>/attachments/<attachment_id>", gmail_api.get_attachment),
    ("GET", f"{_USERS}/history", gmail_api.list_history),
    ("POST", f"{_USERS}/drafts", gmail_api.create_draft),
    ("GET", f"{_USERS}/drafts", gmail_api.list_drafts),
    ("GET", f"{_USERS}/drafts/<draft_id>", gmail_api.get_draft),
    ("POST", f"{_USERS}/watch", gmail_api.watch),
    ("POST", f"{_USERS}/stop", gmail_api.stop),
    *calendar_server.ROUTES,
]
# Google serves the batch endpoint under both names; the client library posts to the discovery's `batch`.
_BATCH_PATHS = ("/batch/gmail/v1", "/batch")


class GmailApp:
    """A WSGI app over one MailStore. `store` is public so tests and fault hooks can reach the state."""

    def __init__(self, store: MailStore) -> None:
        self.store = store
        self._handlers: dict[str, Handler] = {}
        rules = []
        for index, (method, path, handler) in enumerate(_ROUTES):
            endpoint = f"{handler.__name__}_{index}"
            self._handlers[endpoint] = handler
            rules.append(Rule(path, methods=[method], endpoint=endpoint))
        rules += [Rule(path, methods=["POST"], endpoint="batch") for path in _BATCH_PATHS]
        self._map = Map(rules, strict_slashes=False)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        response = self.dispatch(Request(environ))
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        try:
            endpoint, values = self._map.bind_to_environ(request.environ).match()
            if endpoint == "batch":
                return handle_batch(request, self.dispatch)
            return self._handlers[endpoint](self.store, request, **values)
        except errors.ApiError as error:
            return api_error_response(error)
        except errors.OAuthError as error:
            return json_response(error.body(), error.status)
        except MethodNotAllowed:
            return api_error_response(_method_not_allowed(request))
        except HTTPException as error:
            return api_error_response(_routing_error(request, error))
        except Exception:
            log.exception("request failed", extra={"method": request.method, "path": request.path})
            return api_error_response(errors.backend_error())

    def close(self) -> None:
        self.store.notifier.close()
        self.store.calendar_pusher.close()


def _method_not_allowed(request: Request) -> errors.ApiError:
    return errors.ApiError(
        405, f"Method {request.method} not allowed for {request.path}", reason="badRequest", status="UNIMPLEMENTED"
    )


def _routing_error(request: Request, error: HTTPException) -> errors.ApiError:
    if error.code == 404:
        return errors.not_found(f"The requested URL {request.path} was not found on this server.")
    return errors.bad_request(error.description or "Bad Request")


def create_app(
    *,
    client_id: str,
    client_secret: str,
    publish: PublishFn | None = None,
    quota: QuotaSettings | None = None,
    identity: LocalIdentity | None = None,
) -> GmailApp:
    """Build the app; `publish` defaults to google-cloud-pubsub (which honours PUBSUB_EMULATOR_HOST);
    `quota` defaults to off at Gmail's 250 units/s over a 60 s window (its per-minute limit); `identity`
    (the key ID tokens are signed with) defaults to a new one."""
    tokens = TokenStore(client_id=client_id, client_secret=client_secret, identity=identity or LocalIdentity.generate())
    notifier = Notifier(publish or pubsub_publisher())
    return GmailApp(MailStore(tokens=tokens, notifier=notifier, quota=Quota(quota)))


class GmailServer(LocalServer):
    """The local Gmail server on (host, port); port 0 picks a free one. Usable as a context manager."""

    thread_name = "gmail-server"

    def __init__(self, app: GmailApp, *, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(app, host=host, port=port)
        self.app = app

    def stop(self) -> None:
        super().stop()
        self.app.close()
