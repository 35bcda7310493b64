"""The JSON report: the shape documented in docs/json-report.md (a public interface)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from vendorpolicy.model import Report, Result
from vendorpolicy.reporters import RenderOptions

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


def stream(report: Report, options: RenderOptions) -> Iterator[str]:
    """Pretty envelope, one compact line per result (fast to write, easy to diff and grep),
    produced result by result so a large run never holds the whole text."""
    for chunk in _chunks(report):
        yield _SURROGATE.sub("\ufffd", chunk)


def _chunks(report: Report) -> Iterator[str]:
    text = json.dumps(_envelope(report), indent=2, ensure_ascii=False)
    if not report.results:
        yield text[:-2] + ',\n  "results": []\n}\n'
        return
    yield text[:-2] + ',\n  "results": [\n'
    line = _line_writer()
    last = len(report.results) - 1
    batch: list[str] = []
    for i, r in enumerate(report.results):
        batch.append("    " + line(r) + (",\n" if i < last else "\n"))
        if len(batch) >= 2000:
            yield "".join(batch)
            batch = []
    batch.append("  ]\n}\n")
    yield "".join(batch)


def _line_writer() -> Callable[[Result], str]:
    """`json.dumps(result_dict(r))` with the text that repeats across results (rule,
    title, path, ids, references, pointers) encoded once: a large run writes ~190 results
    per contract, so this is the JSON report's hot path. A test compares the two."""
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode
    memo: dict[Any, str] = {}

    def enc(value: Any) -> str:
        try:
            return memo[value]
        except KeyError:
            text = memo[value] = dumps(value)
            return text
        except TypeError:  # unhashable
            return dumps(value)

    def line(r: Result) -> str:
        if r.waiver is not None or r.message or r.evidence is not None:
            return dumps(result_dict(r))
        return (
            f'{{"rule": {enc(r.rule)}, "title": {enc(r.title)}, "status": "{r.status.value}", '
            f'"severity": "{r.severity.value}", "path": {enc(r.path)}, '
            f'"document": {enc(r.document)}, "kind": {enc(r.kind)}, "vendor": {enc(r.vendor)}, '
            f'"line": {r.line}, "column": {r.column}, "pointer": {enc(r.pointer)}, '
            f'"item": {enc(r.item)}, "check": {enc(r.check)}, "message": "", '
            f'"evidence": null, "references": {enc(r.references)}, "waiver": null}}'
        )

    return line


def render(report: Report, options: RenderOptions) -> str:
    return "".join(stream(report, options))
