"""Where results go once final: sealed file by file, counted, the findings kept, and the
JSON and JUnit bodies rendered on the spot into spool files.

A large run produces about 190 results per contract, most of them passes; holding them
all until the reporters run cost most of its memory and time. A sealed file's passes
survive only as rendered text in an anonymous temporary file, which the reporters copy
into place in report order. Worker processes seal their own files into their own spools
(the file descriptors survive fork), so rendering runs in parallel too.
"""

from __future__ import annotations

import os
import weakref
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

from vendorpolicy.model import (
    VP_WAIVER,
    DocumentInfo,
    Evidence,
    Result,
    RuleInfo,
    Severity,
    Status,
    failing,
)
from vendorpolicy.reporters import json_report, junit

JSON_BODY = json_report.BODY
_SEPARATOR = json_report.SEPARATOR.encode()
_QUIET = (Status.PASS, Status.NOT_APPLICABLE)
_COPY_STEP = 64 << 20


_STATUS = attrgetter("status")
_VENDOR_STATUS = attrgetter("vendor", "status")


class Spool:
    """An anonymous temporary file of fragments: appended once, read back by offset.

    A bare descriptor, closed when the spool is collected (the report that reads it may
    outlive the run); positioned reads and writes, so a forked worker writing its own
    spool never moves a file offset another process relies on.
    """

    def __init__(self) -> None:
        import tempfile  # (here: only runs that render report bodies make spools)

        self._file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the finalizer
        self.fd = self._file.fileno()
        self.size = 0
        weakref.finalize(self, self._file.close)

    def add(self, data: bytes) -> tuple[int, int]:
        """Append `data`; returns its (offset, length)."""
        offset, view = self.size, memoryview(data)
        while view:
            written = _pwrite(self.fd, view, self.size)
            self.size += written
            view = view[written:]
        return offset, len(data)

    def read(self, offset: int, length: int) -> bytes:
        parts = []
        while length > 0:
            part = _pread(self.fd, length, offset)
            if not part:
                raise OSError(f"report spool ended early at offset {offset}")
            parts.append(part)
            offset += len(part)
            length -= len(part)
        return b"".join(parts)


def _pwrite(fd: int, data: memoryview, offset: int) -> int:
    if hasattr(os, "pwrite"):
        return os.pwrite(fd, data, offset)
    os.lseek(fd, offset, os.SEEK_SET)  # Windows: no workers there, one writer
    return os.write(fd, data)


def _pread(fd: int, length: int, offset: int) -> bytes:
    if hasattr(os, "pread"):
        return os.pread(fd, length, offset)
    os.lseek(fd, offset, os.SEEK_SET)
    return os.read(fd, length)


Span = tuple[Spool, int, int]


@dataclass(frozen=True)
class SpoolRange:
    """A stretch of a spool, copied into a report file by the kernel (output.write_atomic)
    rather than through Python: a large run's bodies weigh a gigabyte or more."""

    spool: Spool
    offset: int
    length: int

    def copy_to(self, fd: int) -> None:
        offset, left = self.offset, self.length
        while left > 0:
            try:
                done = os.copy_file_range(self.spool.fd, fd, min(left, _COPY_STEP), offset)
            except (AttributeError, OSError):  # no such call, or not between these files
                done = 0
            if done <= 0:  # fall back to reading and writing
                os.write(fd, self.spool.read(offset, min(left, _COPY_STEP)))
                done = min(left, _COPY_STEP)
            offset += done
            left -= done

    def chunks(self) -> Iterator[bytes]:
        """The bytes, a few MB at a time (for stdout and for tests)."""
        for start in range(self.offset, self.offset + self.length, _COPY_STEP):
            yield self.spool.read(start, min(_COPY_STEP, self.offset + self.length - start))


def coalesce(spans: Sequence[Span], skip_first: int = 0) -> list[SpoolRange]:
    """The spans as ranges in that order, neighbours in one spool merged (fragments are
    mostly sealed in report order), the first `skip_first` bytes dropped."""
    out: list[SpoolRange] = []
    for i, (spool, offset, length) in enumerate(spans):
        if i == 0 and skip_first:
            offset, length = offset + skip_first, length - skip_first
        last = out[-1] if out else None
        if last is not None and last.spool is spool and last.offset + last.length == offset:
            out[-1] = SpoolRange(spool, last.offset, last.length + length)
        elif length > 0:
            out.append(SpoolRange(spool, offset, length))
    return out


@dataclass
class Sealed:
    """What a sink (or one worker's sink) learnt: plain values, so workers can send it."""

    counts: Counter[Status] = field(default_factory=Counter)
    by_vendor: Counter[tuple[str | None, Status]] = field(default_factory=Counter)
    kept: list[Result] = field(default_factory=list)
    failing: bool = False
    # (offset, length) of each file's fragment per body, in the sender's spools: filled
    # only on the wire (a sink keeps its own places in Sink.located)
    spans: dict[str, dict[str, tuple[int, int]]] = field(default_factory=dict)


class Sink:
    """Seals each file's final results: sorted, counted, findings kept, bodies rendered.

    `bodies` names the prerendered bodies wanted (json_report.BODY, junit.body_key(...));
    with `keep_all` every result is kept instead and nothing is rendered (the library
    path: reporters then render from the results).
    """

    def __init__(
        self,
        documents: Sequence[DocumentInfo],
        evidence: Evidence,
        rules: Sequence[RuleInfo],
        bodies: Sequence[str] = (),
        keep_all: bool = True,
        spools: Mapping[str, Spool] | None = None,
    ) -> None:
        self.keep_all = keep_all
        self.as_of = evidence.as_of
        self.bodies = () if keep_all else tuple(bodies)
        self.fail_on: Severity = evidence.fail_on
        self.files: dict[str, tuple[int, list[DocumentInfo]]] = {}
        for number, info in enumerate(documents):
            self.files.setdefault(info.path, (number, []))[1].append(info)
        self.document_count = len(documents)
        self.spools = dict(spools) if spools is not None else {b: Spool() for b in self.bodies}
        self.state = Sealed()
        self.located: dict[str, dict[str, Span]] = {b: {} for b in self.bodies}
        self._orphans: dict[str, list[Result]] = {}
        self._json = json_report.LineWriter() if JSON_BODY in self.bodies else None
        catalogue = {r.id: r for r in rules}
        self._junit = {
            b: junit.SuiteWriter(evidence, catalogue, rich=b == junit.body_key("rich"))
            for b in self.bodies
            if b != JSON_BODY
        }

    def seal(self, path: str, results: list[Result]) -> None:
        """`results` are every result on `path`, final (waivers applied)."""
        results.sort(key=Result.sort_key)
        state = self.state
        # counted in C (attrgetter); .status, not .value: a slow property
        state.counts.update(map(_STATUS, results))
        state.by_vendor.update(map(_VENDOR_STATUS, results))
        if self.keep_all:
            kept = results
        else:
            kept = [r for r in results if r.status not in _QUIET or r.rule == VP_WAIVER]
        state.kept.extend(kept)
        if not state.failing:
            state.failing = any(failing(r, self.fail_on) for r in kept)
        if not self.bodies:
            return
        if path not in self.files:
            self._orphans.setdefault(path, []).extend(results)
            return
        first, infos = self.files[path]
        self._render(path, infos, first, results)

    def _render(
        self, path: str, infos: Sequence[DocumentInfo], first: int, results: Sequence[Result]
    ) -> None:
        for body in self.bodies:
            if body == JSON_BODY:
                assert self._json is not None
                data = self._json.fragment_bytes(results)
                if not data:
                    continue
                data = _SEPARATOR + data  # (dropped again before the report's first line)
            else:
                text = junit.file_suites(self._junit[body], path, infos, first, results)
                data = text.encode("utf-8")  # xml_text replaced what UTF-8 cannot carry
            spool = self.spools[body]
            self.located[body][path] = (spool, *spool.add(data))

    def merge(self, other: Sealed, spools: Mapping[str, Spool]) -> None:
        """Add what a worker sealed, its fragments in `spools` (created before the fork)."""
        s = self.state
        s.counts.update(other.counts)
        s.by_vendor.update(other.by_vendor)
        s.kept.extend(other.kept)
        s.failing = s.failing or other.failing
        for body, spans in other.spans.items():
            self.located[body].update((p, (spools[body], *span)) for p, span in spans.items())

    def finish(self) -> Finished:
        """Orphan suites last (numbered after the documents), findings in report order."""
        for i, path in enumerate(sorted(self._orphans)):
            results = self._orphans[path]
            results.sort(key=Result.sort_key)
            self._render(path, (), self.document_count + i, results)
        kept = self.state.kept
        kept.sort(key=lambda r: r.path)  # stable: each file's results are sorted already
        prerendered: dict[str, Callable[[], Iterator[SpoolRange]]] = {}
        for body in self.bodies:
            prerendered[body] = self._reader(body)
        by_vendor: dict[str | None, dict[Status, int]] = {}
        for (vendor, status), n in sorted(
            self.state.by_vendor.items(), key=lambda kv: (kv[0][0] or "", kv[0][1])
        ):
            by_vendor.setdefault(vendor, {})[status] = n
        return Finished(
            kept=kept,
            counts={s.value: self.state.counts[s] for s in Status},
            by_vendor=by_vendor,
            prerendered=prerendered,
            failing=self.state.failing,
        )

    def _reader(self, body: str) -> Callable[[], Iterator[SpoolRange]]:
        spans = self.located[body]
        if body == JSON_BODY:
            ranges = coalesce([spans[p] for p in sorted(spans)], len(_SEPARATOR))
        else:
            documents = [p for p in self.files if p in spans]
            order = documents + sorted(set(spans) - set(self.files))
            ranges = coalesce([spans[p] for p in order])
        return lambda: iter(ranges)


@dataclass(frozen=True)
class Finished:
    kept: list[Result]
    counts: dict[str, int]
    by_vendor: dict[str | None, dict[Status, int]]
    prerendered: dict[str, Callable[[], Iterator[SpoolRange]]]
    failing: bool


def sealed_to_wire(sink: Sink) -> dict[str, Any]:
    """What a worker's sink sealed, as plain values for marshal (worker -> parent)."""
    state = sink.state
    return {
        "counts": {s.value: n for s, n in state.counts.items()},
        "by_vendor": [((v, s.value), n) for (v, s), n in state.by_vendor.items()],
        "kept": [r.as_tuple() for r in state.kept],
        "spans": {
            body: {path: (offset, length) for path, (_, offset, length) in places.items()}
            for body, places in sink.located.items()
        },
        "failing": state.failing,
    }


def sealed_from_wire(data: dict[str, Any]) -> Sealed:
    return Sealed(
        counts=Counter({Status(s): n for s, n in data["counts"].items()}),
        by_vendor=Counter({(v, Status(s)): n for (v, s), n in data["by_vendor"]}),
        kept=[Result.from_tuple(t) for t in data["kept"]],
        spans=data["spans"],
        failing=data["failing"],
    )
