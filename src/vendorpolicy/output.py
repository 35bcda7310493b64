"""Atomic report files: write a temporary file in the same directory, fsync, rename.

A crash (or a full disk) mid-write leaves the previous report or none, never half of one.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from vendorpolicy.model import Chunk


def write_atomic(path: Path | str, text: str | Iterable[Chunk]) -> None:
    """Replace `path` with `text` (a string, or its pieces: text, UTF-8 bytes, or spool
    stretches the kernel copies) in one rename; creates parent directories."""
    import tempfile  # (here: runs that write no report, the hook's, do not pay for it)

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        try:
            pending: list[bytes] = []
            size = 0
            for chunk in (text,) if isinstance(text, str) else text:
                if isinstance(chunk, (str, bytes)):
                    data = chunk.encode("utf-8") if isinstance(chunk, str) else chunk
                    pending.append(data)
                    size += len(data)
                    if size < _BUFFER:
                        continue
                _write_all(fd, b"".join(pending))
                pending, size = [], 0
                if not isinstance(chunk, (str, bytes)):
                    chunk.copy_to(fd)
            _write_all(fd, b"".join(pending))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


_BUFFER = 1 << 20


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def chunk_bytes(chunk: Chunk) -> Iterator[bytes]:
    """A chunk as bytes (for stdout)."""
    if isinstance(chunk, str):
        yield chunk.encode("utf-8")
    elif isinstance(chunk, bytes):
        yield chunk
    else:
        yield from chunk.chunks()
