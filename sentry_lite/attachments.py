"""Attachments: files sent along with an event (``add_attachment``)."""

from __future__ import annotations

import builtins

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any


class Attachment:
    """A file sent along with an event."""

    __slots__ = ("add_to_transactions", "bytes", "content_type", "filename", "path")

    def __init__(
        self,
        bytes: bytes | Callable[[], bytes] | None = None,
        filename: str | None = None,
        path: str | None = None,
        content_type: str | None = None,
        add_to_transactions: bool = False,
    ) -> None:
        if bytes is None and path is None:
            raise TypeError("an attachment needs bytes or a path")
        if filename is None:
            if path is None:
                raise TypeError("an attachment from bytes needs a filename")
            filename = path.replace("\\", "/").rsplit("/", 1)[-1]
        self.bytes = bytes
        self.filename = filename
        self.path = path
        if content_type is None:  # guessed from the file name, as upstream
            import mimetypes  # (loaded with the first attachment, not by init())

            content_type = mimetypes.guess_type(filename)[0]
        self.content_type = content_type
        self.add_to_transactions = add_to_transactions

    def read(self) -> builtins.bytes:
        """The attachment's content (reads the file now when given a path)."""
        data = self.bytes
        if data is None:
            with open(str(self.path), "rb") as f:
                return f.read()
        content: builtins.bytes = data() if callable(data) else data
        return content

    def __repr__(self) -> str:
        return f"<Attachment {self.filename!r}>"


def __getattr__(name: str) -> Any:
    """Names the official module holds for its own use: see _reexport."""
    from sentry_lite._reexport import lookup

    return lookup(__name__, name, globals())


__all__ = ["Attachment"]
