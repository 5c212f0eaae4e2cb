"""The OpenAPI document names the errors each operation really answers, all in the one error shape
of errors.py. Most follow from how an operation is reached: who may call it (its dependencies),
whether it names a thing by id in its path or query (404), whether it takes input (422), a JSON
body (400 when it is not JSON, 413 when it is too large, 415 when it is not sent as JSON). What
follows from what it does (a taken email is a 409) is listed in ERRORS_OF_OPERATIONS.

It also says how each operation authenticates (`securitySchemes`, each operation's `security`,
from the same dependencies), and states the server's own limits where they are settings
(`maxLength` of a message's text, kit/schemas.py `configured_length`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, get_args

from fastapi import FastAPI, params
from fastapi.dependencies.models import Dependant
from fastapi.routing import iter_route_contexts
from pydantic import BaseModel, Field

from frontdesk.chats.messenger_deps import current_visitor, limit_ip
from frontdesk.config import Settings
from frontdesk.deps import (
    CSRF_HEADER,
    SAFE_METHODS,
    SESSION_COOKIE,
    current_admin,
    current_auth,
    current_login,
)
from frontdesk.errors import FIELD_CODES
from frontdesk.idempotency.edge import HEADER, MAX_LENGTH, METHODS
from frontdesk.kit.schemas import LIMIT_SETTING, Id
from frontdesk.mail.api import inbound_caller


class ErrorField(BaseModel):
    field: str = Field(description="The input the message is about, e.g. `text` or `emails.0`.")
    code: str = Field(
        description="Stable, for programs: " + ", ".join(f"`{code}`" for code in FIELD_CODES)
    )
    message: str = Field(description="For people, in English.")
    limit: int | None = Field(
        default=None, description="With `too_long` and `too_short`: the limit, when known."
    )


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable, for programs: `not_found`, `email_taken`, …")
    message: str = Field(description="For people: what went wrong and what to do.")
    fields: list[ErrorField] = Field(
        default_factory=list, description="Each bad input, on 422 (absent otherwise)."
    )


class ErrorResponse(BaseModel):
    error: ErrorDetail


MEANINGS = {
    400: "The request cannot be read as sent: a body that is not JSON, or not UTF-8 "
    "(`invalid_json`), or an `Idempotency-Key` that is not 1 to 255 printable ASCII characters "
    "(`idempotency_key_invalid`), or sent to a write that takes none "
    "(`idempotency_key_unsupported`: sign-in and the like).",
    401: "Not authenticated: no session, or a bad or revoked token (`bad_token`), or an API "
    "token past its expiry (`token_expired`); `WWW-Authenticate` says how.",
    403: "Authenticated but not allowed, a missing CSRF header, a website not allowed, "
    "two-factor authentication to set up first (`two_factor_required`), or what only the desk "
    "may do asked with an API token (`password_needs_login`, `token_needs_login`, "
    "`two_factor_needs_login`), or anything but GET and HEAD asked with a read-only API token "
    "(`token_read_only`), or what a light agent may not do (`light_agent`).",
    404: "No such thing, or not visible to you.",
    409: "A conflict with the current state, or (`idempotency_key_in_progress`) a request with "
    "the same `Idempotency-Key` still running: send it again in a few seconds for its answer.",
    413: "The request body is over the size limit (`body_too_large`), an inbound email over "
    "its own (`message_too_large`), files over the attachment limit (`file_too_large`), or a "
    "customer import's file over 5 MB (`import_too_large`).",
    415: "The body is not of a type this operation takes (`unsupported_media_type`): JSON is "
    "sent with Content-Type: application/json.",
    422: "A bad value; `fields` names each one. `idempotency_key_reused`: the `Idempotency-Key` "
    "was used before with another request (method, path or body); send a new key "
    "(`idempotency_key_unreadable`: its first answer can no longer be read).",
    429: "Too many requests (`rate_limited`); `Retry-After` says how many seconds to wait.",
    503: "Turned off on this server, or a service it needs out of reach for now (the file "
    "store: `file_store_unavailable`; the database: `database_unavailable`, with "
    "`Retry-After`; the reports' reading process: `reading_unavailable`, with `Retry-After`); "
    "try again later.",
}

# Errors an operation answers because of what it does; see the module's docstring.
ERRORS_OF_OPERATIONS: dict[tuple[str, str], set[int]] = {
    ("POST", "/api/v1/auth/login"): {401, 403, 429},
    # A wrong code (`bad_code`), a challenge expired or unknown (`challenge_expired`).
    ("POST", "/api/v1/auth/login/2fa"): {401, 403, 429},
    ("POST", "/api/v1/me/two-factor/setup"): {409},
    ("POST", "/api/v1/me/two-factor/confirm"): {409, 429},
    ("POST", "/api/v1/me/two-factor/recovery-codes"): {409, 429},
    # 403 `two_factor_enforced`: the user's role must use it.
    ("POST", "/api/v1/me/two-factor/disable"): {409, 429},
    ("DELETE", "/api/v1/users/{user_id}/two-factor"): {403, 409},
    ("PUT", "/api/v1/security"): {403},
    # One's own new password: 403 `password_needs_login` by API token, `no_password` for a user
    # of single sign-on; a wrong current password counts as a failed login (429 once throttled).
    ("PATCH", "/api/v1/me"): {403, 409, 429},
    ("POST", "/api/v1/users"): {409},
    # `out_of_office`: going online while out of office (users/absence.py).
    ("PUT", "/api/v1/me/availability"): {409},
    ("PATCH", "/api/v1/users/{user_id}"): {409, 429},
    # 403: an admin setting or ending an owner's; 409 `user_deactivated` (users/out_of_office.py).
    ("PUT", "/api/v1/users/{user_id}/out-of-office"): {403, 409},
    ("DELETE", "/api/v1/users/{user_id}/out-of-office"): {403},
    ("POST", "/api/v1/inboxes"): {409},
    ("PATCH", "/api/v1/inboxes/{inbox_id}"): {409},
    ("POST", "/api/v1/labels"): {409},
    ("PATCH", "/api/v1/labels/{label_id}"): {409},
    ("DELETE", "/api/v1/labels/{label_id}"): {409},
    # `field_exists`, `field_key_taken`, `too_many_fields`; on an update `option_in_use` and
    # `field_in_use` (archiving a field a rule or macro names).
    ("POST", "/api/v1/fields"): {409},
    ("PATCH", "/api/v1/fields/{field_id}"): {409},
    # `field_in_use`: a rule or a macro names it (fields/usage.py).
    ("DELETE", "/api/v1/fields/{field_id}"): {409},
    # `no_timer`: no timer runs (a second click: the first one logged it); 409
    # `timer_too_long` (over 8 hours without `minutes`), `timer_ticket_gone` (its ticket no
    # longer seen), `ticket_is_spam`.
    ("POST", "/api/v1/me/timer/stop"): {404, 409},
    # `ticket_is_spam`; starting: `timer_too_long` for the timer running elsewhere.
    ("POST", "/api/v1/tickets/{ticket_id}/timer"): {409},
    ("POST", "/api/v1/tickets/{ticket_id}/time-entries"): {409},
    ("PATCH", "/api/v1/time-entries/{entry_id}"): {409},
    ("POST", "/api/v1/customers"): {409},
    ("PATCH", "/api/v1/customers/{customer_id}"): {409},
    ("POST", "/api/v1/customers/{customer_id}/merge"): {409},
    # Admins only, checked by the service (privacy/service.py): an agent gets a 403.
    ("GET", "/api/v1/customers/{customer_id}/export"): {403, 503},
    ("POST", "/api/v1/customers/{customer_id}/erase"): {403, 409},
    ("POST", "/api/v1/erasures"): {403, 409},
    ("GET", "/api/v1/erasures"): {403},
    # Computed in the reading process (db/reading.py), which may have just died.
    **{
        ("GET", f"/api/v1/reports/{table}"): {503}
        for table in (
            "volume",
            "busiest_hours",
            "times",
            "agents",
            "csat",
            "comments",
            "sla",
            "tickets",
        )
    },
    ("GET", "/api/v1/reports/{table}.csv"): {404, 503},
    ("POST", "/api/v1/tickets"): {404},
    # A move to another inbox (`inbox_id`) of a ticket merged away: 409 `ticket_merged`.
    ("PATCH", "/api/v1/tickets/{ticket_id}"): {409},
    ("POST", "/api/v1/tickets/{ticket_id}/replies"): {409, 413},
    # Undo send too late: 409 `reply_already_sent`.
    ("DELETE", "/api/v1/tickets/{ticket_id}/pending-replies/{pending_id}"): {409},
    ("POST", "/api/v1/uploads"): {404, 413, 503},
    # A CSV file over 5 MB (`import_too_large`), or sent as a form (`unsupported_media_type`).
    ("POST", "/api/v1/customers/import"): {413, 415},
    ("GET", "/api/v1/tickets/{ticket_id}/files/{file_id}"): {503},
    ("POST", "/api/v1/chats/{chat_id}/join"): {409},
    ("POST", "/api/v1/chats/{chat_id}/offer/accept"): {409},
    ("POST", "/api/v1/chats/{chat_id}/offer/decline"): {409},
    ("POST", "/api/v1/chats/{chat_id}/messages"): {409},
    ("PUT", "/api/v1/chats/{chat_id}/labels"): {409},
    ("POST", "/api/v1/chats/{chat_id}/invite"): {409},
    ("POST", "/api/v1/chats/{chat_id}/transfer"): {409},
    ("POST", "/api/v1/chats/{chat_id}/leave"): {409},
    ("POST", "/api/v1/chats/{chat_id}/end"): {409},
    ("POST", "/api/v1/outbox/{message_id}/retry"): {409},
    ("POST", "/api/v1/saved-replies"): {404},
    ("POST", "/api/v1/saved-replies/{reply_id}/share"): {409},
    # 409 `saved_reply_in_use`: a rule or a macro sends it.
    ("DELETE", "/api/v1/saved-replies/{reply_id}"): {409},
    ("POST", "/api/v1/saved-replies/{reply_id}/uses"): {403},
    # Knowledge base: 403 `knowledge_admins_only` (publishing, unpublishing, deleting, a
    # published article's change, categories); 409 `article_changed` (an older `version`).
    ("PATCH", "/api/v1/knowledge/articles/{article_id}"): {403, 409},
    ("POST", "/api/v1/knowledge/articles/{article_id}/publish"): {403, 409},
    ("POST", "/api/v1/knowledge/articles/{article_id}/unpublish"): {403, 409},
    ("DELETE", "/api/v1/knowledge/articles/{article_id}"): {403, 409},
    ("POST", "/api/v1/knowledge/categories"): {403},
    ("PATCH", "/api/v1/knowledge/categories/{category_id}"): {403},
    ("DELETE", "/api/v1/knowledge/categories/{category_id}"): {403},
    ("PUT", "/api/v1/knowledge/settings"): {403, 409},
    ("POST", "/api/v1/tickets/{ticket_id}/actions"): {409},
    ("POST", "/api/v1/tickets/bulk"): {404},
    # Merging from the list names tickets and moves in the body: a missing one is a 404, a
    # refused merge or an undo a later move blocks a 409.
    ("POST", "/api/v1/tickets/merges"): {404, 409},
    ("POST", "/api/v1/tickets/moves/undo"): {404, 409},
    # One merge, split or undo: refused (merged already, spam, different customers, a later move
    # stands, too late) or the thread changed at the same moment.
    ("POST", "/api/v1/tickets/{ticket_id}/merge"): {409},
    ("POST", "/api/v1/tickets/{ticket_id}/entries/{entry_id}/split"): {409},
    ("POST", "/api/v1/tickets/moves/{move_id}/undo"): {409},
    # Spam: 403 `admins_only` blocks a whole domain; 409 `ticket_merged`. A bulk request
    # reports each ticket's refusal in its results.
    ("POST", "/api/v1/tickets/{ticket_id}/spam"): {403, 409},
    ("POST", "/api/v1/tickets/spam"): {403},
    # 409 `sender_blocked_already`: that address or domain is on the list.
    ("POST", "/api/v1/blocked-senders"): {409},
    # Blocking a chat's visitor marks its ticket spam: 409 `ticket_merged`.
    ("POST", "/api/v1/chats/{chat_id}/block-visitor"): {409},
    ("POST", "/api/v1/macros"): {404},
    # An id out of range in a rule's body (a label, the order) answers as a missing one.
    ("POST", "/api/v1/rules"): {404},
    ("POST", "/api/v1/rules/dry-run"): {404},
    ("PUT", "/api/v1/rules/order"): {404},
    ("PATCH", "/api/v1/macros/{macro_id}"): {404},
    # Saved views: a shared one by an agent who is no admin (`shared_view_admins_only`); a name
    # the owner has (`view_name_taken`), too many views (`too_many_views`).
    ("POST", "/api/v1/views"): {403, 409},
    ("PATCH", "/api/v1/views/{view_id}"): {403, 409},
    ("DELETE", "/api/v1/views/{view_id}"): {403},
    ("POST", "/api/v1/views/{view_id}/move"): {403},
    ("POST", "/api/v1/macros/{macro_id}/apply"): {409},
    # 409 `idempotency_key_in_progress`: its Idempotency-Key's first delivery is still stored.
    ("POST", "/api/v1/inbound/mime"): {400, 409, 413, 415, 422, 503},
    # The audit log is the owners' (audit/service.py ensure_reader).
    ("GET", "/api/v1/audit-events"): {403},
    ("GET", "/api/v1/audit-events.csv"): {403, 503},
    # Webhooks: a URL refused (422 follows from the body); a test on a switched-off webhook, a
    # replay of a delivery still being tried.
    ("POST", "/api/v1/webhooks/{webhook_id}/test"): {409},
    ("POST", "/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/replay"): {409},
    ("POST", "/messenger/v1/visitors"): {403, 404},
    ("GET", "/messenger/v1/status"): {403, 404},
    # The messenger's help search: an unknown inbox key (404), a website it does not accept (403).
    ("GET", "/messenger/v1/help/articles"): {403, 404},
    ("GET", "/messenger/v1/help/articles/{article_id}"): {403, 404},
    ("POST", "/messenger/v1/help/articles/{article_id}/feedback"): {403, 404},
    # Proactive messages: an unknown inbox key or message (404), a website it does not accept.
    ("GET", "/messenger/v1/proactive"): {403, 404},
    ("POST", "/messenger/v1/proactive/{message_id}/shown"): {403, 404},
    # Live visitors: an unknown inbox key (404), a website it does not accept (403); an agent's
    # invitation: a light agent or no member (403), a visit gone (404), nobody online (409).
    ("POST", "/messenger/v1/visits"): {403, 404},
    ("POST", "/messenger/v1/visits/leave"): {403, 404},
    ("POST", "/api/v1/visitors/{visit_id}/invitation"): {403, 404, 409, 503},
    # Redis, where the visits are kept with several processes, out of reach.
    ("GET", "/api/v1/visitors"): {503},
    ("POST", "/messenger/v1/chats"): {409},
    ("POST", "/messenger/v1/chats/{chat_id}/messages"): {409},
    ("POST", "/messenger/v1/chats/{chat_id}/end"): {409},
    # An address for an ended chat that had one (`chat_has_email`).
    ("POST", "/messenger/v1/chats/{chat_id}/email"): {409},
    # Files in chats (chats/attachments.py): not a participant, the chat ended, over a limit.
    ("POST", "/api/v1/chat-uploads"): {403, 404, 409, 413},
    ("POST", "/api/v1/chats/{chat_id}/file-messages"): {403, 409, 413},
    ("POST", "/messenger/v1/uploads"): {404, 409, 413},
    ("POST", "/messenger/v1/chats/{chat_id}/file-messages"): {409, 413},
    ("POST", "/messenger/v1/chats/{chat_id}/rating"): {409},
}

# What a dependency may answer: for each, the statuses for safe methods and for the others.
ERRORS_OF_DEPENDENCIES: dict[Callable[..., Any], tuple[set[int], set[int]]] = {
    # 403: a cookie-authenticated write needs its CSRF header; a user whose role must use
    # two-factor authentication and has not set it up is refused (`two_factor_required`); a
    # read-only API token writes nothing (`token_read_only`). 401 includes `token_expired`.
    # 429: the credential's rate limit (api_limits.py), counted once it is authenticated.
    current_auth: ({401, 403, 429}, {401, 403, 429}),
    # Also such a user, who may only set it up: 403 only for a write without its CSRF header
    # or by a read-only API token.
    current_login: ({401, 429}, {401, 403, 429}),
    current_admin: ({403}, {403}),
    current_visitor: ({401, 403}, {401, 403}),  # the visitor's inbox may not take this website
    limit_ip: ({429}, {429}),
    inbound_caller: ({401, 503}, {401, 503}),
}


def dependencies(dependant: Dependant) -> Iterator[Dependant]:
    for dependency in dependant.dependencies:
        yield dependency
        yield from dependencies(dependency)


_ID_RULES = get_args(Id)[1:]


def mentions_an_id(annotation: Any, seen: frozenset[type] = frozenset()) -> bool:
    """A parameter's or body's type with an id somewhere in it (itself, a list's items, a nested
    model's field): one out of range names nothing, and answers as a missing one (kit/schemas.py
    `Id`)."""
    if annotation == Id:
        return True
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:
            return False
        seen = seen | {annotation}
        return any(
            # A field declared `Id` keeps its validator apart, in the field's metadata.
            any(rule in _ID_RULES for rule in each.metadata)
            or mentions_an_id(each.annotation, seen)
            for each in annotation.model_fields.values()
        )
    return any(mentions_an_id(each, seen) for each in get_args(annotation))


def error_statuses(method: str, path: str, dependant: Dependant) -> set[int]:
    statuses = set(ERRORS_OF_OPERATIONS.get((method, path), ()))
    everything = [dependant, *dependencies(dependant)]
    for each in everything:
        if each.call in ERRORS_OF_DEPENDENCIES:
            safe, unsafe = ERRORS_OF_DEPENDENCIES[each.call]
            statuses |= safe if method in SAFE_METHODS else unsafe
    if method not in SAFE_METHODS and any(each.call in AGENTS for each in everything):
        # Its Idempotency-Key malformed, still in progress, or used for another request.
        statuses |= {400, 409, 422}
    if any(
        each.path_params
        or any(mentions_an_id(field.field_info.annotation) for field in each.query_params)
        or any(mentions_an_id(field.field_info.annotation) for field in each.body_params)
        for each in everything
    ):
        statuses.add(404)
    if any(each.query_params or each.body_params or each.path_params for each in everything):
        statuses.add(422)
    if any(each.body_params for each in everything):
        statuses |= {400, 413}  # a body that is not JSON at all; one over the size limit
    if any(map(takes_json, everything)):
        statuses.add(415)  # a body sent as another type (text/plain, a form, none said)
    return statuses


def takes_json(dependant: Dependant) -> bool:
    return any(not isinstance(field.field_info, params.Form) for field in dependant.body_params)


def error_response(status: int) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": MEANINGS[status],
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}},
    }
    if status == 429:
        response["headers"] = {
            "Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}},
            **{name: {"$ref": f"#/components/headers/{name}"} for name in RATE_LIMIT_HEADERS},
        }
    if status == 401:
        response["headers"] = {
            "WWW-Authenticate": {
                "description": 'How to authenticate: `Bearer realm="frontdesk"`, with '
                '`error="invalid_token"` when a token was sent and refused.',
                "schema": {"type": "string"},
            }
        }
    return response


# On every answer to an agent's request, the 429 included (api_limits.py).
RATE_LIMIT_HEADERS: dict[str, Any] = {
    "RateLimit-Limit": {
        "description": "Requests this credential may make a minute.",
        "schema": {"type": "integer"},
    },
    "RateLimit-Remaining": {
        "description": "Requests left in this minute.",
        "schema": {"type": "integer"},
    },
    "RateLimit-Reset": {
        "description": "Seconds until the minute ends and the count starts again.",
        "schema": {"type": "integer"},
    },
}
# Who is an agent: their requests are counted, and their writes take an Idempotency-Key.
AGENTS = frozenset({current_auth, current_login})
# Writes no agent makes that take a key all the same: the mail server's (idempotency/edge.py
# `once`).
KEYED_WITHOUT_AGENT = frozenset({"/api/v1/inbound/mime"})
IDEMPOTENCY_KEY: dict[str, Any] = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": MAX_LENGTH},
    "description": "Makes the request safe to send again: a retry with the same key (same "
    "credential, method, path and body) within 24 hours gets the first answer again, with "
    "`Idempotent-Replayed: true`, and does nothing a second time. A UUID is a good key. "
    'See docs/api.md, "Retrying safely".',
}


def describe_idempotency(app: FastAPI, document: dict[str, Any]) -> dict[str, Any]:
    """Every agent's write takes an `Idempotency-Key` header (idempotency/edge.py)."""
    for route in iter_route_contexts(app.routes):
        path = route.path_format
        if not getattr(route, "include_in_schema", False) or not route.methods or path is None:
            continue
        if not path.startswith("/api/v1/"):
            continue
        calls = {each.call for each in [route.dependant, *dependencies(route.dependant)]}
        if not calls & AGENTS and path not in KEYED_WITHOUT_AGENT:
            continue
        for method in route.methods & METHODS:
            operation = document["paths"][path][method.lower()]
            operation.setdefault("parameters", []).append(
                {"$ref": "#/components/parameters/IdempotencyKey"}
            )
    components = document.setdefault("components", {})
    components.setdefault("parameters", {})["IdempotencyKey"] = IDEMPOTENCY_KEY
    components.setdefault("headers", {}).update(RATE_LIMIT_HEADERS)
    return document


def describe_errors(app: FastAPI, document: dict[str, Any]) -> dict[str, Any]:
    for route in iter_route_contexts(app.routes):
        path = route.path_format
        if not getattr(route, "include_in_schema", False) or not route.methods or path is None:
            continue
        for method in route.methods:
            operation = document["paths"][path][method.lower()]
            # FastAPI's own 422 describes its validation error, which errors.py reshapes.
            operation["responses"].pop("422", None)
            for status in sorted(error_statuses(method, path, route.dependant)):
                operation["responses"][str(status)] = error_response(status)
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    shape = ErrorResponse.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(shape.pop("$defs"))
    schemas["ErrorResponse"] = shape
    return document


# How each kind of caller authenticates (auth.py): what Swagger UI at /api/docs offers under
# Authorize, and what a generated client needs to know.
SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    "apiToken": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "fd_…",
        "description": "A personal API token (`POST /api/v1/me/tokens`, or the desk's "
        "Settings → API tokens), sent as `Authorization: Bearer fd_…`. It acts as its user; "
        "no CSRF header.",
    },
    "sessionCookie": {
        "type": "apiKey",
        "in": "cookie",
        "name": SESSION_COOKIE,
        "description": "The desk's session, set by `POST /api/v1/auth/login`. A write "
        "(POST, PUT, PATCH, DELETE) with it also needs `csrfToken`.",
    },
    "csrfToken": {
        "type": "apiKey",
        "in": "header",
        "name": CSRF_HEADER,
        "description": "The `csrf_token` the login (or `GET /api/v1/me`) answers, echoed on "
        "every write made with the session cookie.",
    },
    "visitorToken": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "v_…",
        "description": "A messenger visitor's token, from `POST /messenger/v1/visitors`.",
    },
    "inboundToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "The server's FRONTDESK_INBOUND_TOKEN, for mail providers.",
    },
}


def security_of(method: str, dependant: Dependant) -> list[dict[str, list[str]]] | None:
    """The ways an operation may be authenticated, any one of them; None: it needs none."""
    calls = {each.call for each in [dependant, *dependencies(dependant)]}
    if calls & {current_auth, current_login}:
        session: dict[str, list[str]] = {"sessionCookie": []}
        if method not in SAFE_METHODS:
            session["csrfToken"] = []
        return [{"apiToken": []}, session]
    if current_visitor in calls:
        return [{"visitorToken": []}]
    if inbound_caller in calls:
        return [{"inboundToken": []}]
    return None


def describe_security(app: FastAPI, document: dict[str, Any]) -> dict[str, Any]:
    for route in iter_route_contexts(app.routes):
        path = route.path_format
        if not getattr(route, "include_in_schema", False) or not route.methods or path is None:
            continue
        for method in route.methods:
            security = security_of(method, route.dependant)
            if security is not None:
                document["paths"][path][method.lower()]["security"] = security
    document.setdefault("components", {})["securitySchemes"] = SECURITY_SCHEMES
    return document


def state_limits(document: Any, settings: Settings) -> Any:
    """A text whose limit is a setting says the server's: the smaller of the setting and the
    parser's bound, as `maxLength`."""
    pending = [document]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            setting = node.pop(LIMIT_SETTING, None)
            if setting is not None:
                node["maxLength"] = min(int(getattr(settings, setting)), node["maxLength"])
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return document


def install_error_docs(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = describe_security(app, describe_errors(app, generate()))
            document = describe_idempotency(app, document)
            app.openapi_schema = state_limits(document, app.state.settings)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
