"""The text, time, URL and version helpers of ``sentry_sdk.utils``, with its signatures."""

from __future__ import annotations

import re
from collections import namedtuple

from sentry_lite._event.saferepr import safe_repr as _safe_repr
from sentry_lite._types import SENSITIVE_DATA_SUBSTITUTE, AnnotatedValue

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime
    from typing import Any, TypeVar

    T = TypeVar("T")

FALSY_ENV_VALUES = frozenset(("false", "f", "n", "no", "off", "0"))
TRUTHY_ENV_VALUES = frozenset(("true", "t", "y", "yes", "on", "1"))
ISO_TZ_SEPARATORS = frozenset(("+", "-"))
_RELEASE = re.compile(r"^\s*v?(?:\d+!)?(?P<release>\d+(?:\.\d+)*)", re.IGNORECASE)


# collections.namedtuple rather than typing.NamedTuple: typing costs milliseconds to import
class ParsedUrl(namedtuple("ParsedUrl", ("url", "query", "fragment"))):
    """A URL without query and fragment, and those two."""

    __slots__ = ()


class Components(namedtuple("Components", ("scheme", "netloc", "path", "query", "fragment"))):
    """The five parts of ``urllib.parse.urlsplit``, one changed by ``sanitize_url``."""

    __slots__ = ()


def safe_repr(value: Any) -> str:
    """``repr(value)``, never raising, bounded in size."""
    return _safe_repr(value)


def safe_str(value: Any) -> str:
    try:
        return str(value)
    except Exception:
        return safe_repr(value)


def to_string(value: str) -> str:
    try:
        return str(value)
    except UnicodeDecodeError:
        return repr(value)[1:-1]


def strip_string(value: str, max_length: int | None = None) -> AnnotatedValue | str:
    """``value`` cut to ``max_length`` UTF-8 bytes (ending ``...``), with the remark saying so."""
    if not value or max_length is None:
        return value
    encoded = value.encode("utf-8", "replace")
    if len(encoded) <= max_length:
        return value
    cut = encoded[: max(max_length - 3, 0)].decode("utf-8", "ignore") + "..."
    remark = {"len": len(encoded), "rem": [["!limit", "x", max_length - 3, max_length]]}
    return AnnotatedValue(value=cut, metadata=remark)


def format_timestamp(value: datetime) -> str:
    """ISO 8601 in UTC with microseconds and a ``Z``."""
    from datetime import timezone

    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def datetime_from_isoformat(value: str) -> datetime:
    """An aware datetime from an ISO 8601 text (``Z`` or an offset; naive means UTC)."""
    from datetime import timezone

    from sentry_lite._event.breadcrumbs import from_iso8601

    parsed = from_iso8601(value)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=timezone.utc)


def parse_url(url: str, sanitize: bool = True) -> ParsedUrl:
    """The URL without query and fragment, and those two (values filtered if ``sanitize``)."""
    parts = sanitize_url(url, remove_authority=True, remove_query_values=sanitize, split=True)
    assert isinstance(parts, Components)
    from urllib.parse import urlunsplit

    base = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    return ParsedUrl(url=base, query=parts.query, fragment=parts.fragment)


def sanitize_url(
    url: str,
    remove_authority: bool = True,
    remove_query_values: bool = True,
    split: bool = False,
) -> str | Components:
    """``url`` with its credentials and query values replaced by ``[Filtered]``."""
    from urllib.parse import parse_qs, unquote, urlencode, urlsplit, urlunsplit

    parts = urlsplit(url)
    netloc = parts.netloc
    if remove_authority and "@" in netloc:
        filtered = SENSITIVE_DATA_SUBSTITUTE
        netloc = f"{filtered}:{filtered}@{netloc.rsplit('@', 1)[-1]}"
    query = parts.query
    if remove_query_values:
        keys = parse_qs(query, keep_blank_values=True)
        query = unquote(urlencode(dict.fromkeys(keys, SENSITIVE_DATA_SUBSTITUTE)))
    components = Components(parts.scheme, netloc, parts.path, query, parts.fragment)
    return components if split else urlunsplit(components)


def match_regex_list(
    item: str, regex_list: list[str] | None = None, substring_matching: bool = False
) -> bool:
    """True if ``item`` matches one of the patterns (the whole of it, unless substring)."""
    for pattern in regex_list or ():
        anchored = pattern if substring_matching or pattern.endswith("$") else pattern + "$"
        if re.search(anchored, item):
            return True
    return False


def parse_version(version: str) -> tuple[int, ...] | None:
    """The release part of a version (``"2.8.0rc1"`` -> ``(2, 8, 0)``), at most three numbers."""
    match = _RELEASE.match(version) if isinstance(version, str) else None
    if match is None:
        return None
    return tuple(int(n) for n in match.group("release").split(".")[:3])


def package_version(package: str) -> tuple[int, ...] | None:
    """The installed version of a distribution, parsed; None if it is not installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return parse_version(version(package))
    except PackageNotFoundError:
        return None


def qualname_from_function(func: Callable[..., Any]) -> str | None:
    """``module.Qualified.name`` of a function, a method or a partial."""
    import functools

    prefix, suffix = "", ""
    while isinstance(func, functools.partial):
        prefix, suffix, func = "partial(<function ", ">)", func.func
    name = getattr(func, "__qualname__", None) or getattr(func, "__name__", None)
    if name is None:
        return None
    module = getattr(func, "__module__", None)
    full = f"{module}.{name}" if module else name
    return f"{prefix}{full}{suffix}"


transaction_from_function = qualname_from_function


def env_to_bool(value: Any, *, strict: bool | None = False) -> bool | None:
    """An environment variable's text as a bool; None for an unknown text when ``strict``."""
    text = str(value).lower() if value is not None else None
    if text in FALSY_ENV_VALUES:
        return False
    if text in TRUTHY_ENV_VALUES:
        return True
    return None if strict else bool(value)


def try_convert(convert_func: Callable[[Any], T], value: Any) -> T | None:
    """``convert_func(value)``; None if it raises."""
    try:
        return convert_func(value)
    except Exception:
        return None


def json_dumps(data: Any) -> bytes:
    """Compact JSON bytes; values JSON cannot hold are written as their repr."""
    from sentry_lite.envelope import json_dumps as dumps

    return dumps(data)


def safe_serialize(data: Any) -> str:
    """JSON text of ``data``; what cannot be encoded is written as its repr."""
    try:
        return json_dumps(data).decode("utf-8")
    except Exception:
        return safe_repr(data)


__all__ = [
    "FALSY_ENV_VALUES",
    "ISO_TZ_SEPARATORS",
    "TRUTHY_ENV_VALUES",
    "Components",
    "ParsedUrl",
    "datetime_from_isoformat",
    "env_to_bool",
    "format_timestamp",
    "json_dumps",
    "match_regex_list",
    "package_version",
    "parse_url",
    "parse_version",
    "qualname_from_function",
    "safe_repr",
    "safe_serialize",
    "safe_str",
    "sanitize_url",
    "strip_string",
    "to_string",
    "transaction_from_function",
    "try_convert",
]
