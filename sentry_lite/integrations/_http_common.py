"""What every HTTP server integration shares (WSGI, ASGI and the frameworks on top).

Stdlib only and cheap to import; nothing here runs unless an integration calls it.

- transaction sources and defaults (``failed_request_status_codes``, the methods traced);
- the event's ``request`` from a WSGI environ or from plain parts (ASGI):
  :func:`request_from_environ`, :func:`build_request`; the body within
  ``max_request_body_size`` (:func:`body_allowed`, :func:`body_from_parts`,
  :func:`set_body`); the client IP and user data only with ``send_default_pii``;
- the ``http.server`` transaction continuing incoming ``sentry-trace`` / ``baggage``
  (:func:`start_http_transaction`), its status from the response (:func:`set_http_status`),
  and the event reporting a failed status (:func:`failed_status_event`).

Secret headers and cookies (``Authorization``, ``Cookie``, ``sessionid``...) and the
IP-bearing headers the event scrubber knows are filtered by the scrubber while the event
is serialized; the IP headers it does not know are filtered here.
"""

from __future__ import annotations

from urllib.parse import quote

from sentry_lite.tracing._propagation import PropagationContext

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from typing import Any

    from sentry_lite.scope import Scope
    from sentry_lite.tracing._transaction import Transaction
    from sentry_lite.types import Event

# -- transaction sources and defaults -----------------------------------------------

SOURCE_CUSTOM = "custom"
SOURCE_URL = "url"
SOURCE_ROUTE = "route"
SOURCE_VIEW = "view"
SOURCE_COMPONENT = "component"

OP_HTTP_SERVER = "http.server"

DEFAULT_FAILED_REQUEST_STATUS_CODES: frozenset[int] = frozenset(range(500, 600))
DEFAULT_HTTP_METHODS_TO_CAPTURE: tuple[str, ...] = (
    "CONNECT", "DELETE", "GET", "PATCH", "POST", "PUT", "TRACE",
)  # fmt: skip

FILTERED = "[Filtered]"
# ``max_request_body_size``: the largest body (bytes) sent with an event; None: no limit.
BODY_LIMITS: dict[str, int | None] = {"never": 0, "small": 1000, "medium": 10_000, "always": None}

# Headers that carry the client's address and that the scrubber's PII list lacks.
_IP_HEADERS = frozenset(
    {
        "forwarded", "x-client-ip", "cf-connecting-ip", "true-client-ip",
        "x-cluster-client-ip", "fastly-client-ip", "x-original-forwarded-for",
    }
)  # fmt: skip


def status_codes(value: Any) -> frozenset[int]:
    """``failed_request_status_codes`` as a set: ints, ranges, or iterables of both.

    ``None`` means the default (500-599); an empty set reports no status.
    """
    if value is None:
        return DEFAULT_FAILED_REQUEST_STATUS_CODES
    if isinstance(value, int) and not isinstance(value, bool):
        return frozenset((value,))
    codes: set[int] = set()
    for item in value:
        if isinstance(item, int) and not isinstance(item, bool):
            codes.add(item)
        elif isinstance(item, (range, list, tuple, set, frozenset)):
            codes.update(int(code) for code in item)
        else:
            raise ValueError(f"failed_request_status_codes: not a status code: {item!r}")
    return frozenset(codes)


def methods(value: Iterable[str] | None) -> frozenset[str]:
    """``http_methods_to_capture`` (upper case); ``None`` means the default list."""
    if value is None:
        value = DEFAULT_HTTP_METHODS_TO_CAPTURE
    if isinstance(value, str):
        raise ValueError("http_methods_to_capture must be a list of method names")
    return frozenset(str(m).upper() for m in value)


def check_style(style: str, allowed: Iterable[str]) -> str:
    if style not in allowed:
        raise ValueError(
            f"Invalid value for transaction_style: {style!r} (must be in {tuple(allowed)})"
        )
    return style


# -- the request -------------------------------------------------------------------

_header_names: dict[str, str] = {}
_CONTENT_HEADERS = {"CONTENT_TYPE": "Content-Type", "CONTENT_LENGTH": "Content-Length"}


def _header_name(key: str) -> str:
    """``HTTP_X_API_KEY`` -> ``X-Api-Key`` (remembered: the same few names recur)."""
    name = _header_names.get(key)
    if name is None:
        name = key[5:].replace("_", "-").title()
        if len(_header_names) < 1024:
            _header_names[key] = name
    return name


def environ_headers(environ: Mapping[str, Any]) -> dict[str, str]:
    """The request headers of a WSGI environ, by their usual names."""
    headers: dict[str, str] = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers[_header_name(key)] = value
        elif key in _CONTENT_HEADERS and value:
            headers[_CONTENT_HEADERS[key]] = value
    return headers


def wsgi_str(text: str) -> str:
    # PEP 3333 strings are latin-1 decoded bytes; paths are usually UTF-8.
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def environ_host(environ: Mapping[str, Any]) -> str:
    host = environ.get("HTTP_HOST")
    if host:
        return str(host)
    host = str(environ.get("SERVER_NAME") or "")
    port = str(environ.get("SERVER_PORT") or "")
    scheme = environ.get("wsgi.url_scheme")
    if port and not ((scheme == "http" and port == "80") or (scheme == "https" and port == "443")):
        host = f"{host}:{port}"
    return host


def environ_path(environ: Mapping[str, Any]) -> str:
    """SCRIPT_NAME + PATH_INFO, decoded (what a transaction named from the URL shows)."""
    path = wsgi_str(environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""))
    return path or "/"


def build_url(scheme: str, host: str, path: str) -> str:
    """The request URL without query string, percent-encoded where needed."""
    return f"{scheme}://{host}{quote(path, safe='/%:@!$&()*+,;=~')}"


def client_ip(headers: Mapping[str, str], remote_addr: str | None) -> str | None:
    """The client's address: X-Forwarded-For's first hop, X-Real-Ip, else the peer (header
    names as WSGI gives them, or in lower case as ASGI does)."""
    forwarded = headers.get("X-Forwarded-For") or headers.get("x-forwarded-for")
    if forwarded:
        return forwarded.split(",")[0].strip()
    return headers.get("X-Real-Ip") or headers.get("x-real-ip") or remote_addr


def parse_cookies(header: str | None) -> dict[str, str]:
    """``a=1; b=2`` as a dict (without the cost of ``http.cookies``)."""
    cookies: dict[str, str] = {}
    if not header:
        return cookies
    for part in header.split(";"):
        name, equals, value = part.partition("=")
        name = name.strip()
        if equals and name:
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1]
            cookies.setdefault(name, value)
    return cookies


def build_request(
    method: str,
    url: str,
    query_string: str,
    headers: dict[str, str],
    env: dict[str, str],
    pii: bool,
    remote_addr: str | None = None,
) -> dict[str, Any]:
    """The event's ``request``; cookies and the peer's address only when ``pii``.

    ``headers`` is taken over (it may be changed). Without ``pii`` the IP headers the
    scrubber does not know are filtered here; ``Cookie``, ``Authorization``,
    ``X-Forwarded-For``... are filtered by the scrubber when the event is serialized.
    """
    request: dict[str, Any] = {"method": method, "url": url}
    if query_string:
        request["query_string"] = query_string
    if pii:
        cookies = parse_cookies(headers.get("Cookie") or headers.get("cookie"))
        if cookies:
            request["cookies"] = cookies
        if remote_addr:
            env["REMOTE_ADDR"] = remote_addr
    else:
        for name in headers:
            if name.lower() in _IP_HEADERS:
                headers[name] = FILTERED
    if headers:
        request["headers"] = headers
    if env:
        request["env"] = env
    return request


def request_from_environ(environ: Mapping[str, Any], pii: bool) -> dict[str, Any]:
    """The event's ``request`` for a WSGI environ (no body: see :func:`set_body`)."""
    headers = environ_headers(environ)
    env = {}
    for key in ("SERVER_NAME", "SERVER_PORT"):
        value = environ.get(key)
        if value:
            env[key] = str(value)
    url = build_url(
        str(environ.get("wsgi.url_scheme") or "http"), environ_host(environ),
        environ_path(environ),
    )
    return build_request(
        str(environ.get("REQUEST_METHOD") or "GET"),
        url,
        wsgi_str(environ.get("QUERY_STRING") or ""),
        headers,
        env,
        pii,
        environ.get("REMOTE_ADDR"),
    )


def add_user_ip(event: Event, ip: str | None) -> None:
    """``user.ip_address`` (only call with ``send_default_pii``), unless already set."""
    if not ip:
        return
    user = event.get("user")
    if isinstance(user, dict):
        if "ip_address" in user:
            return
        event["user"] = {**user, "ip_address": ip}  # the scope's dict stays as it was
    elif user is None:
        event["user"] = {"ip_address": ip}


def add_user(event: Event, values: Mapping[str, Any]) -> None:
    """Fill in user fields the event does not have yet (never mutates the scope's user)."""
    values = {k: v for k, v in values.items() if v is not None}
    if not values:
        return
    user = event.get("user")
    if isinstance(user, dict):
        event["user"] = {**values, **user}
    elif user is None:
        event["user"] = dict(values)


# -- the body ----------------------------------------------------------------------

TOO_LARGE = object()  # the body exceeds max_request_body_size
RAW = object()  # a body that is neither form data nor JSON: not sent


def wants_body(options: Any) -> bool:
    """False with ``max_request_body_size="never"``: no body, not even a note about it."""
    return bool(options.max_request_body_size != "never")


def body_allowed(options: Any, length: int | None) -> bool:
    """May a body of ``length`` bytes go with the event? (unknown length: only "always")"""
    limit = BODY_LIMITS.get(options.max_request_body_size, 10_000)
    if limit is None:
        return True
    if not limit or length is None:
        return False
    return length <= limit


def content_length(value: Any) -> int | None:
    try:
        length = int(value)
    except (TypeError, ValueError):
        return None
    return length if length >= 0 else None


def body_from_parts(
    form: Mapping[str, Any] | None,
    files: Iterable[str] | None,
    json_value: Any = None,
    has_raw: bool = False,
) -> Any:
    """The ``request.data`` value: form fields (files as removed), else JSON, else RAW."""
    file_names = list(files or ())
    if form or file_names:
        data: dict[str, Any] = {}
        for key in form or ():
            data[key] = _form_value(form, key)  # type: ignore[arg-type]
        for key in file_names:
            data[key] = RAW
        return data
    if json_value is not None:
        return json_value
    return RAW if has_raw else None


def _form_value(form: Mapping[str, Any], key: str) -> Any:
    getlist = getattr(form, "getlist", None)
    if getlist is not None:
        values = getlist(key)
        return values[0] if len(values) == 1 else list(values)
    return form[key]


def parse_json(raw: bytes | str | None, content_type: str | None) -> Any:
    """The JSON body, when the content type says JSON and it parses; else None."""
    if not raw or not is_json(content_type):
        return None
    import json

    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None


def is_json(content_type: str | None) -> bool:
    if not content_type:
        return False
    mime = content_type.split(";", 1)[0].strip().lower()
    return mime == "application/json" or (mime.startswith("application/") and
                                          mime.endswith("+json"))


def set_body(event: Event, request: dict[str, Any], data: Any) -> None:
    """Put ``data`` (a value, TOO_LARGE, RAW or None) on ``request``, with ``_meta``."""
    if data is None:
        return
    if data is TOO_LARGE:
        request["data"] = ""
        _meta(event, {"data": {"": {"rem": [["!config", "x"]]}}})
        return
    if data is RAW:
        request["data"] = ""
        _meta(event, {"data": {"": {"rem": [["!raw", "x"]]}}})
        return
    if isinstance(data, dict) and any(v is RAW for v in data.values()):
        data = dict(data)
        removed = {}
        for key, value in data.items():
            if value is RAW:
                data[key] = ""
                removed[key] = {"": {"rem": [["!raw", "x"]]}}
        _meta(event, {"data": removed})
    request["data"] = data


def _meta(event: Event, request_meta: dict[str, Any]) -> None:
    meta: Any = event.setdefault("_meta", {})
    if isinstance(meta, dict):
        own = meta.setdefault("request", {})
        if isinstance(own, dict):
            own.update(request_meta)


# -- tracing -----------------------------------------------------------------------


def start_http_transaction(
    isolation: Scope,
    carrier: Any,
    name: str,
    source: str,
    origin: str,
    sampling_context: dict[str, Any] | None = None,
    op: str = OP_HTTP_SERVER,
) -> Transaction:
    """A sampled-or-not ``http.server`` transaction (not entered) continuing ``carrier``.

    ``carrier``: the incoming headers (a mapping, a WSGI environ or ASGI header pairs).
    Also sets ``isolation``'s propagation context to the incoming trace, or a new one.
    """
    tx = isolation.continue_trace(carrier, op=op, name=name, source=source, origin=origin)
    result: Transaction = isolation.start_transaction(
        tx, custom_sampling_context=sampling_context
    )
    return result


def continue_incoming(isolation: Scope, carrier: Any) -> None:
    """Without a transaction: make ``isolation`` continue the incoming trace, or start one.

    ``carrier=None`` (no ``sentry-trace`` header) starts a new trace at once.
    """
    context = None
    if carrier is not None:
        from sentry_lite.tracing._ops import incoming_context

        client = isolation.client
        try:
            context = incoming_context(carrier, client.options, client.parsed_dsn)
        except Exception:
            client.log_error("could not read the incoming trace headers")
    isolation._set_trace(context or PropagationContext())


def set_http_status(span: Any, status: int) -> None:
    """Record the response status on a span (``http.response.status_code``, status)."""
    try:
        span.set_http_status(status)
    except Exception:
        pass


def status_of(status_line: Any) -> int | None:
    """``200`` from a WSGI status line ``"200 OK"`` (or an int)."""
    if isinstance(status_line, int):
        return status_line
    try:
        return int(str(status_line)[:3])
    except ValueError:
        return None


def failed_status_event(status: int, method: str | None = None) -> Event:
    """The event for a response whose status is in ``failed_request_status_codes``."""
    from http import HTTPStatus

    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = ""
    message = f"HTTP {status} {phrase}".rstrip()
    event: Event = {"level": "error", "message": message}
    event["tags"] = {"http.status_code": str(status)}
    if method:
        event["tags"]["http.method"] = method
    return event


__all__ = [
    "BODY_LIMITS",
    "DEFAULT_FAILED_REQUEST_STATUS_CODES",
    "DEFAULT_HTTP_METHODS_TO_CAPTURE",
    "OP_HTTP_SERVER",
    "RAW",
    "SOURCE_COMPONENT",
    "SOURCE_CUSTOM",
    "SOURCE_ROUTE",
    "SOURCE_URL",
    "SOURCE_VIEW",
    "TOO_LARGE",
    "add_user",
    "add_user_ip",
    "body_allowed",
    "body_from_parts",
    "build_request",
    "build_url",
    "check_style",
    "client_ip",
    "content_length",
    "continue_incoming",
    "environ_headers",
    "environ_host",
    "environ_path",
    "failed_status_event",
    "is_json",
    "methods",
    "parse_cookies",
    "parse_json",
    "request_from_environ",
    "set_body",
    "set_http_status",
    "start_http_transaction",
    "status_codes",
    "status_of",
    "wants_body",
    "wsgi_str",
]
