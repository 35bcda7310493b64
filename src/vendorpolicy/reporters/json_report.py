"""The JSON report: the shape documented in docs/json-report.md (a public interface)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from vendorpolicy.model import Chunk, Report, Result, Status
from vendorpolicy.reporters import RenderOptions, as_text

SCHEMA_VERSION = 1
# A lone surrogate (a file name that is not UTF-8, decoded by the OS layer with
# surrogateescape) cannot be written as UTF-8: it becomes U+FFFD, as in the SARIF report.
_SURROGATE = re.compile("[\ud800-\udfff]")


def result_dict(r: Result) -> dict[str, Any]:
    return {
        "rule": r.rule,
        "title": r.title,
        "status": r.status.value,
        "severity": r.severity.value,
        "path": r.path,
        "document": r.document,
        "kind": r.kind,
        "vendor": r.vendor,
        "line": r.line,
        "column": r.column,
        "pointer": r.pointer,
        "item": r.item,
        "check": r.check,
        "message": r.message,
        "evidence": r.evidence,
        "references": list(r.references),
        "waiver": r.waiver.as_dict() if r.waiver else None,
    }


def report_dict(report: Report) -> dict[str, Any]:
    out = _envelope(report)
    out["results"] = [result_dict(r) for r in report.results]
    return out


def _envelope(report: Report) -> dict[str, Any]:
    ev = report.evidence
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "vendorpolicy", "version": ev.tool_version},
        "as_of": ev.as_of,
        "policy_digest": ev.policy_digest,
        "fail_on": ev.fail_on.value,
        "exit_code": report.exit_code,
        "summary": dict(report.summary),
        "evidence": {
            "command": list(ev.command),
            "params": ev.params,
            "policy_files": [{"path": p, "sha256": s} for p, s in ev.policy_files],
        },
        "documents": [
            {
                "path": d.path,
                "index": d.index,
                "kind": d.kind,
                "id": d.id,
                "vendor": d.vendor,
                "sha256": d.sha256,
            }
            for d in report.documents
        ],
    }


def utf8(text: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # rare: only a file name that is not UTF-8 brings these
        return _SURROGATE.sub("\ufffd", text).encode("utf-8")


_NOT_APPLICABLE = Status.NOT_APPLICABLE
_PASS = Status.PASS
BODY = "json"  # key of the prerendered results body (Report.prerendered)


def stream(report: Report, options: RenderOptions) -> Iterator[Chunk]:
    """Pretty envelope, one compact line per result (fast to write, easy to diff and grep),
    produced file by file so a large run never holds the whole text."""
    head = json.dumps(_envelope(report), indent=2, ensure_ascii=False)[:-2]
    body = report.prerendered.get(BODY)
    if body is not None:
        chunks: Iterable[Chunk] = body()
    else:
        writer = LineWriter()
        chunks = (writer.fragment_bytes(group) for group in _batches(report.results))
    first = True
    for chunk in chunks:  # prerendered chunks carry their separators already
        if not chunk:
            continue
        if first:
            yield _SURROGATE.sub("\ufffd", head) + ',\n  "results": [\n'
            first = False
        elif body is None:
            yield SEPARATOR
        yield chunk
    yield _SURROGATE.sub("\ufffd", head) + ',\n  "results": []\n}\n' if first else "\n  ]\n}\n"


def _batches(results: Iterable[Result], size: int = 2000) -> Iterator[list[Result]]:
    batch: list[Result] = []
    for r in results:
        batch.append(r)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


SEPARATOR = ",\n"  # between the fragments of the results body


class LineWriter:
    """`json.dumps(result_dict(r))` with the text that repeats across results (rule,
    title, path, ids, references, pointers) encoded once: a large run writes ~190 results
    per contract, so this is the JSON report's hot path. A test compares the two."""

    def __init__(self) -> None:
        self._dumps = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode
        self._heads: dict[tuple[Any, ...], str] = {}
        self._docs: dict[tuple[Any, ...], str] = {}
        self._tails: dict[tuple[Any, ...], str] = {}
        self._messages: dict[str, str] = {"": '"", '}
        self._references: dict[tuple[str, ...], str] = {}
        self._ends: dict[tuple[Any, ...], tuple[str, str]] = {}
        self._places: dict[tuple[Any, ...], str] = {}

    def fragment(self, results: Iterable[Result]) -> str:
        """Lines of `results`, separated as inside the report's `results` list, the
        leading separator excluded (fragments are joined with SEPARATOR).

        `line` for each, with its lookups inline (a large run renders 1.6 million lines
        here) and the document's part looked up once for the passes at its first line."""
        ends_of, places = self._ends, self._places
        lines: list[str] = []
        add = lines.append
        place_key: tuple[Any, ...] = ()
        at = ""
        for r in results:
            status = r.status
            if (
                (status is _PASS or status is _NOT_APPLICABLE)
                and r.waiver is None
                and r.evidence is None
            ):
                key = (r.rule, r.title, status, r.severity, r.pointer, r.item, r.check,
                       r.message, r.references)  # fmt: skip
                ends = ends_of.get(key)
                if ends is None:
                    ends = self._ends_of(r, key)
                here = (r.path, r.document, r.kind, r.vendor, r.line, r.column)
                if here != place_key:
                    place_key = here
                    at = places.get(here) or self._place_of(r)
                add(ends[0] + at + ends[1])
            else:
                add(self.line(r))
        return "    " + ",\n    ".join(lines) if lines else ""

    def fragment_bytes(self, results: Iterable[Result]) -> bytes:
        """`fragment` as UTF-8, lone surrogates (from file names) written as U+FFFD."""
        return utf8(self.fragment(results))

    def line(self, r: Result) -> str:
        if r.waiver is not None or r.evidence is not None:
            return self._dumps(result_dict(r))
        status = r.status
        if status is _PASS or status is _NOT_APPLICABLE:
            # ~95 % of a run: its text before and after the document's part, in one lookup
            key = (
                r.rule,
                r.title,
                status,
                r.severity,
                r.pointer,
                r.item,
                r.check,
                r.message,
                r.references,
            )
            ends = self._ends.get(key)
            if ends is None:
                ends = self._ends_of(r, key)
            at = self._places.get((r.path, r.document, r.kind, r.vendor, r.line, r.column))
            if at is None:
                at = self._place_of(r)
            return ends[0] + at + ends[1]
        return self._general(r)

    def _ends_of(self, r: Result, key: tuple[Any, ...]) -> tuple[str, str]:
        if len(self._ends) > 65536:
            self._ends.clear()
        head, _, tail = self._general(r).partition(self._place_of(r))
        ends = self._ends[key] = (head, tail)
        return ends

    def _place_of(self, r: Result) -> str:
        places = self._places
        if len(places) > 4096:  # documents come and go
            places.clear()
        doc = self._pairs(self._docs, _DOC, (r.path, r.document, r.kind, r.vendor))
        at = places[(r.path, r.document, r.kind, r.vendor, r.line, r.column)] = (
            f'{doc}"line": {r.line}, "column": {r.column}, '
        )
        return at

    def _general(self, r: Result) -> str:
        pairs = self._pairs
        head = pairs(self._heads, _HEAD, (r.rule, r.title, r.status, r.severity))
        doc = pairs(self._docs, _DOC, (r.path, r.document, r.kind, r.vendor))
        where = pairs(self._tails, _WHERE, (r.pointer, r.item, r.check))
        message = self._messages.get(r.message)
        if message is None:  # the same few not-applicable reasons recur; findings do not
            message = f"{self._dumps(r.message)}, "
            if r.status is _NOT_APPLICABLE:
                self._messages[r.message] = message
        refs = self._references.get(r.references)
        if refs is None:
            refs = self._references[r.references] = (
                f'"evidence": null, "references": {self._dumps(list(r.references))}, '
                '"waiver": null}'
            )
        return (
            f'{{{head}{doc}"line": {r.line}, "column": {r.column}, {where}"message": '
            f"{message}{refs}"
        )

    def _pairs(
        self, table: dict[tuple[Any, ...], str], names: tuple[str, ...], values: tuple[Any, ...]
    ) -> str:
        """`"name": value, ` for each, encoded once per distinct values (a str enum
        encodes as its value)."""
        text = table.get(values)
        if text is None:
            if len(table) > 4096:  # documents come and go (paths, ids); rules recur
                table.clear()
            text = table[values] = "".join(
                f'"{n}": {self._dumps(v)}, ' for n, v in zip(names, values, strict=True)
            )
        return text


_HEAD = ("rule", "title", "status", "severity")
_DOC = ("path", "document", "kind", "vendor")
_WHERE = ("pointer", "item", "check")


def render(report: Report, options: RenderOptions) -> str:
    return as_text(stream(report, options))
