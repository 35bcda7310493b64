"""Worker processes for `--jobs N`: each reads, judges and renders its own share of files.

A run needs every document before it can judge any (portfolio rules, duplicate ids), so
workers live through two phases: each reads its shard and sends back the small context
entries; the parent pools them and sends every worker the whole picture; each worker
then judges its shard and renders its report fragments into its own spool files (see
sink.py). Only plain values cross the pipes (marshal), never parsed documents, so
the parent does little more than copy finished text. Workers are forked: they inherit
the compiled rules without pickling them. Where fork is unavailable everything runs in
the parent.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # multiprocessing is imported only when workers start (start-up time)
    from multiprocessing.connection import Connection

T = TypeVar("T")

MIN_FILES_PER_JOB = 100  # below this, starting a worker costs more than it saves
_OK, _FAILED = b"+", b"!"


def can_fork() -> bool:
    return os.name == "posix" and hasattr(os, "fork")


def default_jobs() -> int:
    """One worker per CPU this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def jobs_for(requested: int, files: int) -> int:
    """How many workers pay off for `files` files (1: stay in this process)."""
    if not can_fork():
        return 1
    return max(1, min(requested, files // MIN_FILES_PER_JOB))


def shards(items: Sequence[T], n: int) -> list[list[T]]:
    """`n` interleaved shares (item i to worker i mod n): contracts and attestations are
    sorted apart and cost differently, so contiguous slices would leave one worker idle.
    Results are placed by path later, never by shard."""
    return [list(items[i::n]) for i in range(n)]


def counters(n: int) -> Any:
    """`n` integers in memory shared with forked workers (each worker writes its own)."""
    import multiprocessing

    return multiprocessing.get_context("fork").RawArray("q", n)


First = Callable[[int], bytes]
Second = Callable[[int, bytes], bytes]


class WorkerError(RuntimeError):
    """A worker process failed outside any one document (which would be a bug)."""


def _serve(index: int, conn: Connection, first: First, second: Second) -> None:
    import traceback

    try:
        conn.send_bytes(_OK + first(index))
        conn.send_bytes(_OK + second(index, conn.recv_bytes()))
    except BaseException:  # noqa: BLE001 - reported to the parent, which raises it
        conn.send_bytes(_FAILED + traceback.format_exc().encode("utf-8", "replace"))
    finally:
        conn.close()


def _receive(conn: Connection, index: int) -> bytes:
    try:
        data = conn.recv_bytes()
    except EOFError:
        raise WorkerError(f"worker {index} ended without an answer") from None
    if data[:1] != _OK:
        raise WorkerError(f"worker {index} failed:\n{data[1:].decode('utf-8', 'replace')}")
    return data[1:]


def two_phase(
    n: int,
    first: First,
    second: Second,
    between: Callable[[list[bytes]], list[bytes]],
    waiting: AbstractContextManager[object] | None = None,
) -> list[bytes]:
    """Run `first(i)` in `n` forked workers, hand all answers to `between` (in this
    process), send its i-th message to worker i, return the answers of `second`.
    `waiting` is entered once every worker is forked (a thread started before a fork
    could leave a lock held in the child)."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    conns: list[Connection] = []
    procs = []
    try:
        for i in range(n):
            parent_end, child_end = ctx.Pipe()
            proc = ctx.Process(target=_serve, args=(i, child_end, first, second), daemon=True)
            proc.start()
            child_end.close()
            conns.append(parent_end)
            procs.append(proc)
        with waiting if waiting is not None else nullcontext():
            messages = between([_receive(c, i) for i, c in enumerate(conns)])
            for conn, message in zip(conns, messages, strict=True):
                conn.send_bytes(message)
            return [_receive(c, i) for i, c in enumerate(conns)]
    finally:
        for conn in conns:
            conn.close()
        for proc in procs:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()
                proc.join()
