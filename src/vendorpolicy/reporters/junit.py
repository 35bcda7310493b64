"""JUnit XML: one <testsuite> per document, one <testcase> per rule result (passes included).

Written with the standard library's ElementTree rather than junit-xml: junit-xml always
writes a `disabled` attribute on <testsuites>, which the Jenkins/Surefire schema
(junit-10.xsd) rejects. The default family ("junit10") validates against that schema; the
"rich" family adds testcase `file`/`line` (and a `skipped` count on <testsuites>) for the
GitHub and GitLab test reporters that read them, and is only guaranteed to be well-formed.

Output is deterministic: no wall-clock time, no host name; `timestamp` is the evaluation
date at midnight and every `time` is "0".
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from vendorpolicy.model import DocumentInfo, Report, Result, RuleInfo, Status
from vendorpolicy.reporters import RenderOptions
from vendorpolicy.reporters.sarif import rule_catalogue

HOSTNAME = "vendorpolicy"
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'

# Characters XML 1.0 cannot carry at all (not even as character references): C0 controls
# other than tab/LF/CR, lone surrogates, and the non-characters U+FFFE / U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_CLASS_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def _replace_char(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x20 else "\ufffd"


def xml_text(text: str) -> str:
    """`text` with every character XML 1.0 cannot carry replaced (C0 -> `\\xNN`, else U+FFFD)."""
    return _NOT_XML.sub(_replace_char, text)


def one_line(text: str) -> str:
    """XML-safe, whitespace collapsed to single spaces: for attributes and first lines."""
    return " ".join(xml_text(text).split())


def _body(text: str) -> str:
    return xml_text(text.replace("\r\n", "\n").replace("\r", "\n"))


def _class_part(text: str) -> str:
    return _CLASS_UNSAFE.sub("_", text) or "_"


def classname(doc: DocumentInfo | None, path: str, index: int = 0) -> str:
    """`vendorpolicy.<vendor>.<document-id>`, or `vendorpolicy.<path>` for documents without id."""
    if doc is not None and doc.id:
        return f"vendorpolicy.{_class_part(doc.vendor or 'no-vendor')}.{_class_part(doc.id)}"
    name = f"vendorpolicy.{_class_part(path)}"
    return f"{name}_{index}" if index > 0 else name


@dataclass
class Suite:
    """The results of one document (or of one path no DocumentInfo describes)."""

    path: str
    index: int
    doc: DocumentInfo | None
    results: list[Result] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.path}#{self.index}" if self.index > 0 else self.path

    def count(self, *statuses: Status) -> int:
        return sum(1 for r in self.results if r.status in statuses)


def _owner(result: Result, candidates: list[DocumentInfo]) -> DocumentInfo:
    """The document of a multi-document file a result belongs to: by id, else by line."""
    if len(candidates) == 1:
        return candidates[0]
    if result.document is not None:
        same = [d for d in candidates if d.id == result.document]
        if len(same) == 1:
            return same[0]
        if same:
            candidates = same
    before = [d for d in candidates if d.line <= result.line]
    return before[-1] if before else candidates[0]


def suites(report: Report) -> list[Suite]:
    """One suite per document, in report order, then suites for results on unknown paths."""
    out = [Suite(d.path, d.index, d) for d in report.documents]
    by_path: dict[str, list[Suite]] = {}
    for s in out:
        by_path.setdefault(s.path, []).append(s)
    for same_file in by_path.values():
        same_file.sort(key=lambda s: s.index)
    orphans: dict[str, Suite] = {}
    for r in report.results:
        group = by_path.get(r.path)
        if not group:
            orphans.setdefault(r.path, Suite(r.path, 0, None)).results.append(r)
            continue
        docs = [s.doc for s in group if s.doc is not None]
        owner = _owner(r, docs)
        next(s for s in group if s.doc is owner).results.append(r)
    return out + [orphans[p] for p in sorted(orphans)]


def _unique_names(results: Iterable[Result]) -> list[str]:
    seen: set[str] = set()
    names = []
    for r in results:
        base = xml_text(r.case_name) or r.rule
        name, n = base, 1
        while name in seen:
            n += 1
            name = f"{base} #{n}"
        seen.add(name)
        names.append(name)
    return names


def _finding_lines(r: Result, suite: Suite, rules: Mapping[str, RuleInfo]) -> list[str]:
    lines = [f"{r.path}:{r.line}:{r.column} {r.rule} {one_line(r.message)}"]
    lines.append(f"Severity: {r.severity.value}")
    if r.pointer:
        lines.append(f"Pointer: {r.pointer}")
    if r.evidence is not None:
        lines.append(f"Evidence: {r.evidence}")
    if r.references:
        lines.append("References:")
        lines.extend(f"  - {ref}" for ref in r.references)
    info = rules.get(r.rule)
    if info is not None and info.remediation:
        lines.append(f"Remediation: {info.remediation}")
    doc_id = r.document or (suite.doc.id if suite.doc else None) or "(no id)"
    sha = f" (sha256 {suite.doc.sha256})" if suite.doc is not None else ""
    lines.append(f"Document: {doc_id}{sha}")
    return lines


def _waiver_message(r: Result) -> str:
    w = r.waiver
    if w is None:
        return one_line(f"waived: {r.message}")
    return one_line(
        f"waived by {w.id} (approved by {w.approved_by}, expires {w.expires}): {w.justification}"
    )


def _waiver_lines(r: Result) -> list[str]:
    w = r.waiver
    if w is None:
        return []
    return [
        f"Waiver: {w.id}",
        f"Approved by: {w.approved_by}",
        f"Approved on: {w.approved_on}",
        f"Expires: {w.expires}",
        f"Ticket: {w.ticket or '-'}",
        f"Risk: {w.risk or '-'}",
        f"Justification: {w.justification}",
        f"File: {w.path}",
    ]


def _na_message(r: Result) -> str:
    msg = one_line(r.message)
    return msg if msg.lower().startswith("not applicable") else f"not applicable: {msg}"


def _testcase(
    parent: ET.Element,
    r: Result,
    name: str,
    suite: Suite,
    rules: Mapping[str, RuleInfo],
    rich: bool,
) -> None:
    case = ET.SubElement(parent, "testcase", classname=suite_class(suite), name=name, time="0")
    if rich:
        case.set("file", xml_text(r.path))
        case.set("line", str(r.line))
    if r.status is Status.FAIL:
        el = ET.SubElement(case, "failure", message=one_line(r.message), type=r.severity.value)
        el.text = _body("\n".join(_finding_lines(r, suite, rules)))
    elif r.status is Status.ERROR:
        el = ET.SubElement(case, "error", message=one_line(r.message), type="error")
        el.text = _body("\n".join(_finding_lines(r, suite, rules)))
    elif r.status is Status.WAIVED:
        el = ET.SubElement(case, "skipped", message=_waiver_message(r))
        lines = [*_waiver_lines(r), "", "Waived finding:", *_finding_lines(r, suite, rules)]
        el.text = _body("\n".join(lines))
    elif r.status is Status.NOT_APPLICABLE:
        ET.SubElement(case, "skipped", message=_na_message(r))


def suite_class(suite: Suite) -> str:
    return classname(suite.doc, suite.path, suite.index)


def _properties(parent: ET.Element, suite: Suite, report: Report) -> None:
    ev = report.evidence
    doc = suite.doc
    values: list[tuple[str, str | None]] = [
        ("document.path", suite.path),
        ("document.sha256", doc.sha256 if doc else None),
        ("document.kind", doc.kind if doc else None),
        ("document.id", doc.id if doc else None),
        ("document.vendor", doc.vendor if doc else None),
        ("as_of", ev.as_of),
        ("policy.digest", ev.policy_digest),
        ("tool.version", ev.tool_version),
        ("fail_on", ev.fail_on.value),
    ]
    props = ET.SubElement(parent, "properties")
    for key, value in values:
        if value is not None:
            ET.SubElement(props, "property", name=key, value=one_line(value))


def render(report: Report, options: RenderOptions) -> str:
    rich = options.junit_family == "rich"
    rules = {r.id: r for r in rule_catalogue(report)}
    all_suites = suites(report)
    totals: Counter[Status] = Counter(r.status for s in all_suites for r in s.results)
    root = ET.Element("testsuites", name="vendorpolicy")
    root.set("tests", str(sum(len(s.results) for s in all_suites)))
    root.set("failures", str(totals[Status.FAIL]))
    root.set("errors", str(totals[Status.ERROR]))
    if rich:  # junit-10.xsd has no `skipped` on <testsuites>
        root.set("skipped", str(totals[Status.WAIVED] + totals[Status.NOT_APPLICABLE]))
    root.set("time", "0")
    for number, suite in enumerate(all_suites):
        el = ET.SubElement(root, "testsuite", name=xml_text(suite.name))
        el.set("tests", str(len(suite.results)))
        el.set("failures", str(suite.count(Status.FAIL)))
        el.set("errors", str(suite.count(Status.ERROR)))
        el.set("skipped", str(suite.count(Status.WAIVED, Status.NOT_APPLICABLE)))
        el.set("time", "0")
        el.set("timestamp", f"{report.as_of}T00:00:00")
        el.set("hostname", HOSTNAME)
        el.set("id", str(number))
        el.set("package", suite_class(suite))
        el.set("file", xml_text(suite.path))
        _properties(el, suite, report)
        for r, name in zip(suite.results, _unique_names(suite.results), strict=True):
            _testcase(el, r, name, suite, rules, rich)
    ET.indent(root, space="  ")
    return XML_DECLARATION + ET.tostring(root, encoding="unicode") + "\n"
