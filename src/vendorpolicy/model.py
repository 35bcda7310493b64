"""Immutable value types shared by every stage: positions, severities, results, the report.

Results are flat records (like flake8's Violation) so reporters stay pure functions
of a finished :class:`Report`.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

PathKey = tuple[str | int, ...]
"""A path into a document: mapping keys and list indices, e.g. ("services", 2, "id")."""


class Severity(str, enum.Enum):
    """Rule severities, ordered from least to most severe."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls(text.strip().lower())
        except ValueError:
            choices = ", ".join(s.value for s in cls)
            raise ValueError(f"unknown severity {text!r}; expected one of {choices}") from None


_SEVERITY_RANK = {s: i for i, s in enumerate(Severity)}


class Status(str, enum.Enum):
    """The outcome of one rule on one document (or item)."""

    PASS = "pass"
    FAIL = "fail"
    WAIVED = "waived"
    NOT_APPLICABLE = "not_applicable"
    ERROR = "error"


STATUS_ORDER: tuple[Status, ...] = tuple(Status)

# Reserved rule ids for findings produced outside policy rules.
VP_YAML = "VP-YAML"
VP_SCHEMA = "VP-SCHEMA"
VP_WAIVER = "VP-WAIVER"
RESERVED_RULE_IDS = frozenset({VP_YAML, VP_SCHEMA, VP_WAIVER})


@dataclass(frozen=True, order=True)
class Position:
    """A 1-based line and column in a source file."""

    line: int = 1
    column: int = 1


@dataclass(frozen=True)
class WaiverRef:
    """The waiver that turned a failure into `waived` (what auditors need to see)."""

    id: str
    approved_by: str
    approved_on: str
    expires: str
    justification: str
    path: str
    ticket: str | None = None
    risk: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "approved_by": self.approved_by,
            "approved_on": self.approved_on,
            "expires": self.expires,
            "justification": self.justification,
            "ticket": self.ticket,
            "risk": self.risk,
            "path": self.path,
        }


@dataclass(slots=True)
class Result:
    """One rule outcome on one document, item or check entry. Treat it as immutable (use
    dataclasses.replace): it is not declared frozen only because a frozen dataclass
    costs five times as much to build, and a large run builds 1.6 million of them.

    `pointer` is the JSON pointer of the node the result is about ("" = the document);
    `item` is the pointer of the for_each item for per-item results (part of the identity),
    `check` the 1-based index of a list check entry when the rule has several.
    """

    rule: str
    status: Status
    severity: Severity
    path: str
    line: int
    column: int
    message: str
    document: str | None = None
    kind: str | None = None
    vendor: str | None = None
    title: str = ""
    pointer: str = ""
    item: str | None = None
    check: str | None = None
    references: tuple[str, ...] = ()
    evidence: str | None = None
    waiver: WaiverRef | None = None

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Compact pickling: plain values, enums by value."""
        return (_rebuild_result, (*self.as_tuple()[:-1], self.waiver))

    def as_tuple(self) -> tuple[Any, ...]:
        """Plain values only (marshal-able): how worker processes hand results back."""
        w = self.waiver
        waiver = (
            None
            if w is None
            else (
                w.id,
                w.approved_by,
                w.approved_on,
                w.expires,
                w.justification,
                w.path,
                w.ticket,
                w.risk,
            )
        )
        return (
            self.rule, self.status.value, self.severity.value, self.path, self.line,
            self.column, self.message, self.document, self.kind, self.vendor, self.title,
            self.pointer, self.item, self.check, self.references, self.evidence, waiver,
        )  # fmt: skip

    @staticmethod
    def from_tuple(values: tuple[Any, ...]) -> Result:
        *fields, waiver = values
        ref = None if waiver is None else WaiverRef(*waiver)
        return _rebuild_result(*fields, ref)

    def sort_key(self) -> tuple[str, int, int, str, str, str]:
        return (self.path, self.line, self.column, self.rule, self.item or "", self.check or "")

    @property
    def case_name(self) -> str:
        """Stable, unique-per-document test-case name: rule id, title, item, check entry."""
        name = f"{self.rule} {self.title}".strip()
        if self.item is not None:
            name += f" [{self.item or '/'}]"
        if self.check is not None:
            name += f" ({self.check})"
        return name


_STATUS = {s.value: s for s in Status}
_SEVERITY = {s.value: s for s in Severity}


def _rebuild_result(rule: str, status: str, severity: str, *rest: Any) -> Result:
    return Result(rule, _STATUS[status], _SEVERITY[severity], *rest)


@dataclass(frozen=True)
class DocumentInfo:
    """What reports say about each document that was read."""

    path: str
    kind: str | None
    id: str | None
    vendor: str | None
    sha256: str
    index: int = 0  # position of the document inside a multi-document file
    line: int = 1


@dataclass(frozen=True)
class RuleInfo:
    """A rule's documentation, as reports and `explain` present it."""

    id: str
    title: str
    severity: Severity
    description: str = ""
    remediation: str = ""
    references: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    policy: str = ""
    source: str = ""
    tags: tuple[str, ...] = ()
    conditional_severity: bool = False
    params: tuple[str, ...] = ()


@dataclass(frozen=True)
class Evidence:
    """Everything an auditor needs to reproduce a run later."""

    tool_version: str
    as_of: str
    policy_digest: str
    params: dict[str, Any]
    command: tuple[str, ...]
    fail_on: Severity
    policy_files: tuple[tuple[str, str], ...] = ()  # (name, sha256)


class Copyable(Protocol):
    """Report text kept outside Python (a stretch of a spool file: see sink.py), copied
    into place by the kernel."""

    def copy_to(self, fd: int) -> None: ...

    def chunks(self) -> Iterator[bytes]: ...


Chunk = str | bytes | Copyable  # what reporters stream


@dataclass(frozen=True)
class Report:
    """The finished run: input to every reporter."""

    evidence: Evidence
    documents: tuple[DocumentInfo, ...]
    results: Sequence[Result]
    rules: tuple[RuleInfo, ...]
    exit_code: int = 0
    summary: dict[str, int] = field(default_factory=dict)
    # A large run keeps only the results worth reading one by one (fail, error, waived and
    # the waiver notes): `complete` is then False, the counts per vendor are in
    # `by_vendor`, and the JSON and JUnit bodies were rendered while the results were
    # produced (`prerendered`, keyed by json_report.BODY and junit.body_key(family)).
    complete: bool = True
    by_vendor: Mapping[str | None, Mapping[Status, int]] | None = None
    prerendered: Mapping[str, Callable[[], Iterator[Copyable]]] = field(default_factory=dict)

    def vendor_counts(self) -> Mapping[str | None, Mapping[Status, int]]:
        """Status counts per vendor (None: results on documents without a vendor)."""
        if self.by_vendor is not None:
            return self.by_vendor
        counts: dict[str | None, dict[Status, int]] = {}
        for r in self.results:
            per = counts.setdefault(r.vendor, {})
            per[r.status] = per.get(r.status, 0) + 1
        return counts

    @property
    def as_of(self) -> str:
        return self.evidence.as_of

    @property
    def policy_digest(self) -> str:
        return self.evidence.policy_digest


def summarise(results: Iterable[Result], documents: int) -> dict[str, int]:
    """Counts by status, in the JSON report's documented key order."""
    counts = {"documents": documents}
    counts.update({s.value: 0 for s in Status})
    for r in results:
        counts[r.status.value] += 1
    return counts


def failing(result: Result, fail_on: Severity) -> bool:
    """Whether a result makes the run fail: errors always do (fail closed)."""
    if result.status is Status.ERROR:
        return True
    return result.status is Status.FAIL and result.severity.rank >= fail_on.rank


def describe_type(value: Any) -> str:
    """How messages name a value's type: "a boolean", "a number", "text", "a list"..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__
