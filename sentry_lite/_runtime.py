"""The process and client helpers of ``sentry_sdk.utils``: ``Dsn`` with ``to_auth``, ``Auth``,
``ensure_integration_enabled``, the release, gevent checks, attribute formatting, and a few
option readers, with the official signatures.
"""

from __future__ import annotations

import os
import re
import threading
import time
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps

from sentry_lite import _dsn
from sentry_lite._conventions import EndpointType
from sentry_lite._event.defaults import sdk_info
from sentry_lite._options import options_from

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any


class Auth:
    """What a request to Sentry needs: where to send it and the ``X-Sentry-Auth`` header."""

    def __init__(
        self,
        scheme: str,
        host: str,
        project_id: str,
        public_key: str,
        secret_key: str | None = None,
        version: int = 7,
        client: Any | None = None,
        path: str = "/",
    ) -> None:
        self.scheme, self.host, self.path = scheme, host, path
        self.project_id, self.public_key, self.secret_key = project_id, public_key, secret_key
        self.version, self.client = version, client

    def get_api_url(self, type: EndpointType = EndpointType.ENVELOPE) -> str:
        """``{scheme}://{host}{path}api/{project}/{endpoint}/``."""
        return f"{self.scheme}://{self.host}{self.path}api/{self.project_id}/{type.value}/"

    def to_header(self) -> str:
        parts = [("sentry_key", self.public_key), ("sentry_version", self.version)]
        parts += [("sentry_client", self.client), ("sentry_secret", self.secret_key)]
        return "Sentry " + ", ".join(f"{k}={v}" for k, v in parts if v is not None)


class Dsn(_dsn.Dsn):
    """A parsed DSN, plus the organization id (from ``o123.ingest...`` hosts or given)."""

    __slots__ = ("org_id",)
    ORG_ID_REGEX = re.compile(r"^o(\d+)\.")

    def __init__(self, value: str | _dsn.Dsn, org_id: str | None = None) -> None:
        super().__init__(value)
        found = self.ORG_ID_REGEX.match(self.host)
        self.org_id: str | None = org_id or (found.group(1) if found else None)

    def to_auth(self, client: Any | None = None) -> Auth:
        return Auth(self.scheme, self.netloc, self.project_id, self.public_key,
                    self.secret_key, client=client, path=self.path + "/")  # fmt: skip


def _no_op(*args: Any, **kwargs: Any) -> None:
    return None


def ensure_integration_enabled(
    integration: type[Any], original_function: Callable[..., Any] = _no_op
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a patched function: when ``integration`` is not enabled on the current client,
    call ``original_function`` instead (or return None without one)."""

    def patcher(patched: Callable[..., Any]) -> Callable[..., Any]:
        def runner(*args: Any, **kwargs: Any) -> Any:
            from sentry_lite.api import get_client

            if get_client().get_integration(integration) is None:
                return original_function(*args, **kwargs)
            return patched(*args, **kwargs)

        return runner if original_function is _no_op else wraps(original_function)(runner)

    return patcher


def get_default_release() -> str | None:
    """``SENTRY_RELEASE``, else the git commit of the working directory, else a CI variable."""
    from sentry_lite._event.release import detect_release

    return os.environ.get("SENTRY_RELEASE") or detect_release()


def get_git_revision() -> str | None:
    from sentry_lite._event.release import find_git_dir, head_commit

    try:
        git_dir = find_git_dir(os.getcwd())
        return head_commit(git_dir) if git_dir else None
    except (OSError, ValueError):
        return None


def get_sdk_name(installed_integrations: list[str]) -> str:
    """The SDK name sent on the wire (sentry_lite sends one name whatever the framework)."""
    return str(sdk_info(installed_integrations)["name"])


def is_sentry_url(client: Any, url: str) -> bool:
    """True for a URL of the client's Sentry server (outgoing-request spans skip it)."""
    dsn = getattr(client, "parsed_dsn", None) if client is not None else None
    return dsn is not None and dsn.netloc in url


def nanosecond_time() -> int:
    return time.perf_counter_ns()


def now() -> float:
    return time.perf_counter()


def is_module_patched(mod_name: str) -> bool:
    """Whether gevent monkey-patched the module (False without gevent)."""
    import sys

    monkey = sys.modules.get("gevent.monkey")
    return bool(monkey is not None and monkey.is_module_patched(mod_name))


def is_gevent() -> bool:
    return is_module_patched("threading") or is_module_patched("_thread")


def get_gevent_hub() -> Any | None:
    import sys

    hub = sys.modules.get("gevent.hub")
    return hub.get_hub() if hub is not None and is_gevent() else None


def get_current_thread_meta(
    thread: threading.Thread | None = None,
) -> tuple[int | None, str | None]:
    """The id and name of ``thread`` (default: the current one)."""
    thread = thread or threading.current_thread()
    return thread.ident, thread.name


_internal_task: ContextVar[bool] = ContextVar("sentry_lite_internal_task", default=False)


def is_internal_task() -> bool:
    return _internal_task.get()


@contextmanager
def mark_sentry_task_internal() -> Iterator[None]:
    """Mark the tasks started inside as the SDK's own (integrations leave them untraced)."""
    token = _internal_task.set(True)
    try:
        yield
    finally:
        _internal_task.reset(token)


@contextmanager
def nullcontext() -> Iterator[None]:
    yield


def deprecation_warning(msg: str) -> None:
    import warnings

    warnings.warn(msg, DeprecationWarning, stacklevel=3)


# Given a client's options or a dict; the hook set as an option or as an _experiments key.
def get_before_send_log(options: dict[str, Any] | None) -> Callable[..., Any] | None:
    hook: Callable[..., Any] | None = options_from(options).before_send_log
    return hook


def get_before_send_metric(options: dict[str, Any] | None) -> Callable[..., Any] | None:
    hook: Callable[..., Any] | None = options_from(options).before_send_metric
    return hook


def get_before_send_span(options: dict[str, Any] | None) -> Callable[..., Any] | None:
    hook: Callable[..., Any] | None = options_from(options).before_send_span
    return hook


def has_data_collection_enabled(options: dict[str, Any] | None) -> bool:
    """True when the user set ``data_collection`` (sentry_lite accepts it without effect)."""
    collection = options_from(options).data_collection
    return bool(collection is not None and collection.get("provided_by_user", False))

