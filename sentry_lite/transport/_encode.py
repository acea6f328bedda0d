"""Envelopes to request bodies: one JSON encoding per item, gzip; and the compact form.

``body()`` turns an envelope into the gzip body of one request: the header line
(with this attempt's ``sent_at``) and every item, JSON-encoded once each and
compressed as one stream at ``level``.

``pack()`` is for bursts: when the worker's queue is full, the caller's thread
turns the envelope into its *compact form* (every item's lines JSON-encoded and
compressed at level 1, about a tenth of the JSON, held as a ``PackedPayload``)
so that it can wait in a queue bounded by bytes. Such an envelope is still an
``Envelope`` of ``Item``s (rate limits, counting and retention work on it as on
any other); ``body()`` splices its compressed items into the gzip stream as
they are, behind the header line stored uncompressed (no zlib call in the worker):
each piece is a deflate fragment ending on a full flush, so no piece refers back
into another, and the CRC of the whole is combined from the pieces' CRCs.

No module-level import of zlib: ``init()`` must not load it (the worker thread
does, with its first envelope).
"""

from __future__ import annotations

import sys

from sentry_lite.envelope import DATA_CATEGORIES, PayloadRef, json_dumps

TYPE_CHECKING = False
if TYPE_CHECKING:
    import threading
    import zlib
    from collections.abc import Mapping
    from typing import Any

    from sentry_lite.envelope import Envelope, Item

# Measured on the benchmark's 28.6 KB exception envelope: level 3 gives 2,670 bytes in
# 65 us, level 4 2,558 in 106 us, level 5 2,489 in 131 us, level 6 2,488 in 183 us,
# level 9 2,476 in 369 us (12.8 KB message: 1,783 / 1,709 / 1,707 / 1,701 bytes at 3 / 5 /
# 6 / 9). Level 5 is level 6's size at 70 % of its cost.
COMPRESS_LEVEL = 5
PACK_LEVEL = 1  # in the caller's thread, during a burst: cheapest (46 us for 12.8 KB)

_ONE_SHOT = sys.version_info >= (3, 11)  # zlib.compress() takes wbits since 3.11

GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # deflate, no name, no mtime
FINAL_BLOCK = b"\x03\x00"  # an empty, final, fixed-Huffman deflate block

# Item types whose header line is written by hand (plain ASCII names, no escaping).
_PLAIN = frozenset(DATA_CATEGORIES)
_JSON = "application/json"


def item_header(headers: Mapping[str, Any], length: int) -> bytes:
    """An item's header line (with ``length``), newline included."""
    if len(headers) == 2 and headers.get("content_type") == _JSON:
        kind = headers.get("type")
        if kind in _PLAIN:
            return b'{"type":"%s","content_type":"application/json","length":%d}\n' % (
                kind.encode(), length)
    full = dict(headers)
    full["length"] = length
    return json_dumps(full) + b"\n"


def header_line(headers: Mapping[str, Any], sent_at: str, dsn: str | None) -> bytes:
    """The envelope's header line with ``sent_at``; a ``dsn`` equal to ``dsn`` left out.

    (Posting to the DSN's own endpoint with its auth header, the ``dsn`` header
    says nothing new: the official SDK does not send it either.)
    """
    fields = dict(headers)
    if dsn is not None and fields.get("dsn") == dsn:
        del fields["dsn"]
    fields["sent_at"] = sent_at
    return json_dumps(fields) + b"\n"


class PackedPayload(PayloadRef):
    """An item held compressed: its header line, payload and newline as one deflate fragment.

    ``bytes`` and ``json`` decompress on demand (rare: counting a dropped
    transaction's spans, turning a report back into counts); ``size`` is what
    it occupies compressed.
    """

    __slots__ = ("crc", "deflated", "header_size", "raw_size")

    def __init__(self, deflated: bytes, crc: int, raw_size: int, header_size: int) -> None:
        super().__init__()
        self.deflated = deflated
        self.crc = crc
        self.raw_size = raw_size
        self.header_size = header_size

    @property
    def size(self) -> int:
        return len(self.deflated)

    @property
    def bytes(self) -> bytes:
        import zlib

        lines = zlib.decompressobj(-15).decompress(self.deflated)
        return lines[self.header_size : self.raw_size - 1]

    @property
    def json(self) -> Any:
        import json

        try:
            return json.loads(self.bytes)
        except ValueError:
            return None

    @property
    def inferred_content_type(self) -> str:
        return _JSON

    def __repr__(self) -> str:
        return f"<PackedPayload {self.raw_size} bytes in {len(self.deflated)}>"


def payload_size(payload: PayloadRef) -> int:
    """Bytes a payload takes while kept (compressed size for a packed one)."""
    if isinstance(payload, PackedPayload):
        return payload.size
    return len(payload.bytes)


def is_packed(envelope: Envelope) -> bool:
    return any(isinstance(item.payload, PackedPayload) for item in envelope.items)


class Packer:
    """Compresses items into fragments; one deflate state reused, shared under a lock.

    Any thread may call ``pack``; one that finds the shared state busy uses a
    fresh one rather than wait (a caller never waits for another caller).
    """

    def __init__(self, level: int = PACK_LEVEL) -> None:
        self.level = level
        self.reset()

    def reset(self) -> None:
        """A fresh lock and state (in a forked child: the parent's lock may be held)."""
        import threading

        self._lock: threading.Lock = threading.Lock()
        self._shared: zlib._Compress | None = None

    def pack(self, envelope: Envelope) -> tuple[Envelope, int]:
        """``envelope`` in its compact form (its items' payloads replaced), and its
        compressed size."""
        import zlib

        if self._lock.acquire(blocking=False):
            try:
                if self._shared is None:
                    self._shared = zlib.compressobj(self.level, zlib.DEFLATED, -15)
                return _pack(envelope, self._shared)
            finally:
                self._lock.release()
        return _pack(envelope, zlib.compressobj(self.level, zlib.DEFLATED, -15))


def _pack(envelope: Envelope, compressor: zlib._Compress) -> tuple[Envelope, int]:
    # In place: the transport owns the envelope, and new objects would cost memory.
    import zlib

    size = 0
    for item in envelope.items:
        payload = item.payload
        if not isinstance(payload, PackedPayload):
            data = payload.bytes
            head = item_header(item.headers, len(data))
            lines = head + data + b"\n"
            deflated = compressor.compress(lines) + compressor.flush(zlib.Z_FULL_FLUSH)
            payload = PackedPayload(deflated, zlib.crc32(lines), len(lines), len(head))
            item.payload = payload
        size += payload.size
    return envelope, size


def crc32_combine(crc_a: int, crc_b: int, length_b: int) -> int:
    """The CRC-32 of ``a + b`` from the CRCs of ``a`` and ``b`` and ``b``'s length.

    CRC-32 is affine in its starting value: starting from ``crc_a`` instead of 0
    changes the result by what ``length_b`` zero bytes do to each start.
    """
    import zlib

    zeros = bytes(length_b)
    return crc_b ^ zlib.crc32(zeros, crc_a) ^ zlib.crc32(zeros)


def stored_blocks(data: bytes) -> bytes:
    """``data`` as deflate stored (uncompressed, non-final) blocks, for a stream that is at
    a byte boundary (its start, or after a full flush)."""
    import struct

    out = []
    for start in range(0, len(data), 0xFFFF):
        chunk = data[start : start + 0xFFFF]
        out.append(struct.pack("<BHH", 0, len(chunk), len(chunk) ^ 0xFFFF) + chunk)
    return b"".join(out)


def _window_for(size: int) -> tuple[int, int]:
    """zlib's window bits and memory level for ``size`` bytes of input.

    A window larger than the input compresses no better, and setting up zlib's full
    32 KiB window and hash tables costs ~30 us: a 1 KB transaction took 33 us to
    compress with the defaults and 11 us with a window that fits it, to the same size.
    """
    window = max(9, min(15, (size + 262).bit_length()))
    return window, max(1, min(8, window - 7))


class BodyEncoder:
    """Builds request bodies in the worker thread (not thread-safe: one per worker)."""

    def __init__(self, level: int = COMPRESS_LEVEL, dsn: str | None = None) -> None:
        self.level = level
        self.dsn = dsn
        self._fragments: zlib._Compress | None = None

    def body(self, envelope: Envelope, sent_at: str) -> bytes:
        """The request body of ``envelope`` (gzip unless the level is 0)."""
        head = header_line(envelope.headers, sent_at, self.dsn)
        if self.level > 0 and is_packed(envelope):
            return self._spliced(head, envelope.items)
        parts = [head]
        for item in envelope.items:
            data = item.payload.bytes
            parts += (item_header(item.headers, len(data)), data, b"\n")
        raw = b"".join(parts)
        if self.level <= 0:
            return raw
        import zlib

        window, memory = _window_for(len(raw))
        if _ONE_SHOT:  # one call (one release of the GIL) instead of two
            compress: Any = zlib.compress  # (wbits: 3.11+, typeshed's 3.10 has none)
            return bytes(compress(raw, self.level, 16 + window))
        compressor = zlib.compressobj(self.level, zlib.DEFLATED, 16 + window, memory)
        return compressor.compress(raw) + compressor.flush()

    def _fragment(self, lines: bytes) -> bytes:
        import zlib

        if self._fragments is None:
            self._fragments = zlib.compressobj(self.level, zlib.DEFLATED, -15)
        return self._fragments.compress(lines) + self._fragments.flush(zlib.Z_FULL_FLUSH)

    def _spliced(self, head: bytes, items: list[Item]) -> bytes:
        # The header line goes in as it is (a stored block): a packed envelope's body is
        # then built without calling zlib, which would hand the GIL to the application's
        # threads once per envelope, just when the worker has a backlog to clear.
        import struct
        import zlib

        out = [GZIP_HEADER, stored_blocks(head)]
        crc, total = zlib.crc32(head), len(head)
        pending: list[bytes] = []  # plain lines not compressed yet
        for item in items:
            payload = item.payload
            if not isinstance(payload, PackedPayload):
                data = payload.bytes
                pending += (item_header(item.headers, len(data)), data, b"\n")
                continue
            if pending:
                lines = b"".join(pending)
                out.append(self._fragment(lines))
                crc, total, pending = zlib.crc32(lines, crc), total + len(lines), []
            out.append(payload.deflated)
            crc = crc32_combine(crc, payload.crc, payload.raw_size)
            total += payload.raw_size
        if pending:
            lines = b"".join(pending)
            out.append(self._fragment(lines))
            crc, total = zlib.crc32(lines, crc), total + len(lines)
        out += (FINAL_BLOCK, struct.pack("<II", crc & 0xFFFFFFFF, total & 0xFFFFFFFF))
        return b"".join(out)


__all__ = [
    "COMPRESS_LEVEL",
    "BodyEncoder",
    "PackedPayload",
    "Packer",
    "crc32_combine",
    "header_line",
    "is_packed",
    "item_header",
    "payload_size",
    "stored_blocks",
]
