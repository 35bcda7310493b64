"""Worker processes for `--jobs N`: parsing and rule evaluation spread over CPUs.

Workers are forked, so they inherit the compiled rules and the run's context (bundles,
portfolio) without pickling them; only file names go out and results come back, in
order, so the output is byte-identical to one job. Where fork is unavailable (or for
small runs, where starting workers costs more than it saves) everything runs in-process.
"""

from __future__ import annotations

import marshal
import multiprocessing
import os
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from vendorpolicy.model import Result

T = TypeVar("T")
R = TypeVar("R")

MIN_ITEMS_PER_JOB = 40
_TASK: Callable[[Any], Any] | None = None


def _call(item: Any) -> Any:
    assert _TASK is not None
    return _TASK(item)


def _chunked(batch: range) -> list[Any]:
    return [_call(item) for item in batch]


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods() and os.name == "posix"


def map_ordered(fn: Callable[[T], R], items: Sequence[T], jobs: int) -> list[R]:
    """`[fn(x) for x in items]`, over `jobs` forked workers when that pays."""
    global _TASK
    jobs = min(jobs, max(1, len(items) // MIN_ITEMS_PER_JOB))
    if jobs <= 1 or not can_fork():
        return [fn(x) for x in items]
    size = max(1, min(64, len(items) // (jobs * 8) or 1))
    # Only indices travel to the workers: the items themselves are inherited by fork.
    batches = [range(i, min(i + size, len(items))) for i in range(0, len(items), size)]
    _TASK = lambda index: fn(items[index])  # noqa: E731
    try:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            out: list[R] = []
            for chunk in pool.imap(_chunked, batches):
                out.extend(chunk)
            return out
    finally:
        _TASK = None


def _judged(fn: Callable[[Any], list[Any]]) -> Callable[[Any], bytes]:
    def run(item: Any) -> bytes:
        return marshal.dumps([r.as_tuple() for r in fn(item)])

    return run


def evaluate_all(fn: Callable[[T], list[Result]], items: Sequence[T], jobs: int) -> list[Result]:
    """All results of `fn` over `items`, in order. Workers hand results back as marshal
    bytes of plain tuples (an order of magnitude cheaper than pickling result objects)."""
    if min(jobs, len(items) // MIN_ITEMS_PER_JOB) <= 1 or not can_fork():
        return [r for item in items for r in fn(item)]
    out: list[Result] = []
    for blob in map_ordered(_judged(fn), items, jobs):
        out.extend(Result.from_tuple(t) for t in marshal.loads(blob))  # noqa: S302 - our own workers
    return out
