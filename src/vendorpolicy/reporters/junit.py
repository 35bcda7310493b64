"""JUnit XML: one <testsuite> per document, one <testcase> per rule result (passes included).

Written directly as text, byte for byte what ElementTree.indent + tostring would give (a
test compares them) but several times faster; not with junit-xml, which always
writes a `disabled` attribute on <testsuites>, which the Jenkins/Surefire schema
(junit-10.xsd) rejects. The default family ("junit10") validates against that schema; the
"rich" family adds testcase `file`/`line` (and a `skipped` count on <testsuites>) for the
GitHub and GitLab test reporters that read them, and is only guaranteed to be well-formed.

Output is deterministic: no wall-clock time, no host name; `timestamp` is the evaluation
date at midnight and every `time` is "0".
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from operator import attrgetter

from vendorpolicy.model import Chunk, DocumentInfo, Evidence, Report, Result, RuleInfo, Status
from vendorpolicy.reporters import RenderOptions, as_text
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
    if text.isascii() and text.isprintable():  # the common case needs no regex
        return text
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

    @cached_property
    def classname(self) -> str:
        return classname(self.doc, self.path, self.index)

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


_TEXT_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"))
_ATTR_ESCAPES = (*_TEXT_ESCAPES, ('"', "&quot;"), ("\r", "&#13;"), ("\n", "&#10;"), ("\t", "&#09;"))


def _escape(value: str, table: tuple[tuple[str, str], ...]) -> str:
    """Escape exactly as ElementTree does (`&` first, then the rest)."""
    for char, entity in table:
        if char in value:
            value = value.replace(char, entity)
    return value


def _attr(value: str) -> str:
    return _escape(value, _ATTR_ESCAPES)


def _text(value: str) -> str:
    return _escape(value, _TEXT_ESCAPES)


def _element(tag: str, attrs: list[tuple[str, str]], text: str | None, indent: str) -> str:
    head = f"{indent}<{tag}" + "".join(f' {k}="{_attr(v)}"' for k, v in attrs)
    if text is None:
        return head + " />\n"
    return f"{head}>{_text(text)}</{tag}>\n"


def _property(key: str, value: str) -> str:
    return _element("property", [("name", key), ("value", one_line(value))], None, "      ")


_PASS = Status.PASS
_STATUS = attrgetter("status")
_NOT_APPLICABLE = Status.NOT_APPLICABLE


def body_key(family: str) -> str:
    """Key of the prerendered suites (Report.prerendered) of a JUnit family."""
    return f"junit:{family}"


class SuiteWriter:
    """Renders suites one at a time, with what repeats across a run's ~190 testcases per
    document (escaped names, properties) computed once."""

    def __init__(self, evidence: Evidence, rules: Mapping[str, RuleInfo], rich: bool) -> None:
        self.rules = rules
        self.rich = rich
        self.timestamp = f"{evidence.as_of}T00:00:00"
        self._run_properties = "".join(
            _property(key, value)
            for key, value in (
                ("as_of", evidence.as_of),
                ("policy.digest", evidence.policy_digest),
                ("tool.version", evidence.tool_version),
                ("fail_on", evidence.fail_on.value),
            )
        )
        self._names: dict[str, str] = {}
        self._bases: dict[tuple[str, str, str | None, str | None], str] = {}
        self._na: dict[str, str] = {}

    def suite(self, number: int, suite: Suite) -> str:
        results = suite.results
        counts = Counter(map(_STATUS, results))
        attrs = [
            ("name", xml_text(suite.name)),
            ("tests", str(len(results))),
            ("failures", str(counts[Status.FAIL])),
            ("errors", str(counts[Status.ERROR])),
            ("skipped", str(counts[Status.WAIVED] + counts[Status.NOT_APPLICABLE])),
            ("time", "0"),
            ("timestamp", self.timestamp),
            ("hostname", HOSTNAME),
            ("id", str(number)),
            ("package", suite.classname),
            ("file", xml_text(suite.path)),
        ]
        out = [_element("testsuite", attrs, None, "  ")[:-4] + ">\n"]
        self._properties(out, suite)
        cls = _attr(suite.classname)
        names = self._names
        seen: set[str] = set()
        bases = self._bases
        plain = not self.rich
        for r in results:
            key = (r.rule, r.title, r.item, r.check)  # what case_name is made of
            base = bases.get(key)
            if base is None:
                base = bases[key] = xml_text(r.case_name) or r.rule
            name, n = base, 1
            while name in seen:
                n += 1
                name = f"{base} #{n}"
            seen.add(name)
            if r.status is _PASS and plain:
                attr = names.get(name)
                if attr is None:
                    attr = names[name] = _attr(name)
                out.append(f'    <testcase classname="{cls}" name="{attr}" time="0" />\n')
            elif r.status is _NOT_APPLICABLE and plain:
                attr = names.get(name)
                if attr is None:
                    attr = names[name] = _attr(name)
                skipped = self._na.get(r.message)
                if skipped is None:
                    skipped = self._na[r.message] = _element(
                        "skipped", [("message", _na_message(r))], None, "      "
                    )
                out.append(
                    f'    <testcase classname="{cls}" name="{attr}" time="0">\n'
                    f"{skipped}    </testcase>\n"
                )
            else:
                _testcase(out, r, name, suite, self.rules, self.rich)
        out.append("  </testsuite>\n")
        return "".join(out)

    def _properties(self, out: list[str], suite: Suite) -> None:
        doc = suite.doc
        values: list[tuple[str, str | None]] = [
            ("document.path", suite.path),
            ("document.sha256", doc.sha256 if doc else None),
            ("document.kind", doc.kind if doc else None),
            ("document.id", doc.id if doc else None),
            ("document.vendor", doc.vendor if doc else None),
        ]
        out.append("    <properties>\n")
        for key, value in values:
            if value is not None:
                out.append(
                    _element(
                        "property", [("name", key), ("value", one_line(value))], None, "      "
                    )
                )
        out.append(self._run_properties)
        out.append("    </properties>\n")


def _testcase(
    out: list[str],
    r: Result,
    name: str,
    suite: Suite,
    rules: Mapping[str, RuleInfo],
    rich: bool,
) -> None:
    attrs = [("classname", suite.classname), ("name", name), ("time", "0")]
    if rich:
        attrs += [("file", xml_text(r.path)), ("line", str(r.line))]
    child: tuple[str, list[tuple[str, str]], str | None] | None = None
    if r.status is Status.FAIL:
        body = _body("\n".join(_finding_lines(r, suite, rules)))
        child = ("failure", [("message", one_line(r.message)), ("type", r.severity.value)], body)
    elif r.status is Status.ERROR:
        body = _body("\n".join(_finding_lines(r, suite, rules)))
        child = ("error", [("message", one_line(r.message)), ("type", "error")], body)
    elif r.status is Status.WAIVED:
        lines = [*_waiver_lines(r), "", "Waived finding:", *_finding_lines(r, suite, rules)]
        child = ("skipped", [("message", _waiver_message(r))], _body("\n".join(lines)))
    elif r.status is Status.NOT_APPLICABLE:
        child = ("skipped", [("message", _na_message(r))], None)
    if child is None:
        out.append(_element("testcase", attrs, None, "    "))
        return
    out.append(_element("testcase", attrs, None, "    ")[:-4] + ">\n")
    out.append(_element(*child, "      "))
    out.append("    </testcase>\n")


def file_suites(
    writer: SuiteWriter,
    path: str,
    infos: Sequence[DocumentInfo],
    first_number: int,
    results: Sequence[Result],
) -> str:
    """The suites of one file: its documents (consecutive in the report, numbered from
    `first_number`), or one suite for a path no document describes; `results` are every
    result on that file. How a large run renders as it goes."""
    group = [Suite(d.path, d.index, d) for d in infos] or [Suite(path, 0, None)]
    docs = [s.doc for s in group if s.doc is not None]
    if len(group) == 1:  # one document (or none): every result is its own
        group[0].results.extend(results)
    else:
        for r in results:
            owner = _owner(r, docs) if docs else None
            next(s for s in group if s.doc is owner).results.append(r)
    return "".join(writer.suite(first_number + i, s) for i, s in enumerate(group))


def render(report: Report, options: RenderOptions) -> str:
    return as_text(stream(report, options))


def stream(report: Report, options: RenderOptions) -> Iterator[Chunk]:
    """Suite by suite (same bytes ElementTree.indent + tostring would give, much faster)."""
    rich = options.junit_family == "rich"
    s = report.summary
    if report.complete:
        counts = Counter(r.status.value for r in report.results)
        s = {k.value: counts[k.value] for k in Status}
    top = [
        ("name", "vendorpolicy"),
        ("tests", str(sum(s.get(k.value, 0) for k in Status))),
        ("failures", str(s.get("fail", 0))),
        ("errors", str(s.get("error", 0))),
    ]
    if rich:  # junit-10.xsd has no `skipped` on <testsuites>
        top.append(("skipped", str(s.get("waived", 0) + s.get("not_applicable", 0))))
    top.append(("time", "0"))
    body = report.prerendered.get(body_key(options.junit_family))
    chunks: Iterable[Chunk]
    if body is not None:
        chunks = body()
    else:
        writer = SuiteWriter(report.evidence, {r.id: r for r in rule_catalogue(report)}, rich)
        chunks = (writer.suite(n, suite) for n, suite in enumerate(suites(report)))
    first = True
    for chunk in chunks:
        if not chunk:
            continue
        if first:
            yield XML_DECLARATION + _element("testsuites", top, None, "")[:-4] + ">\n"
            first = False
        yield chunk
    yield XML_DECLARATION + _element("testsuites", top, None, "") if first else "</testsuites>\n"
