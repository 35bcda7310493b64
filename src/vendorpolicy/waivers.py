"""Waivers: failures covered by an unexpired waiver become `waived`; problems become VP-WAIVER.

A waiver is valid through its `expires` date inclusive, compared with the evaluation date
(`--as-of`, else today UTC). An expired waiver, one naming an unknown rule, one that
expires more than `max_waiver_days` after its approval, and one matching no failure are
each reported as VP-WAIVER; only a waiver in force changes results.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from vendorpolicy.loader import Document
from vendorpolicy.model import VP_WAIVER, Result, Severity, Status, WaiverRef


@dataclass(frozen=True)
class WaiverPolicy:
    """How waivers are honoured in this run (the gate may restrict or disable them)."""

    enabled: bool = True
    allowed_paths: tuple[str, ...] = ()  # globs; empty = anywhere
    max_waiver_days: int | None = 365


def _date(text: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(text))
    except ValueError:
        return None


def _finding(doc: Document, key: str, status: Status, severity: Severity, msg: str) -> Result:
    pos = doc.sourcemap.position((key,)) if key else doc.sourcemap.root.position
    return Result(
        rule=VP_WAIVER,
        status=status,
        severity=severity,
        path=doc.path,
        line=pos.line,
        column=pos.column,
        message=msg,
        document=doc.id,
        kind=doc.kind,
        vendor=doc.vendor,
        title="Waiver is valid and in use",
        pointer="/" + key if key else "",
    )


def _matches_path(path: str, globs: Sequence[str]) -> bool:
    return not globs or any(fnmatch.fnmatchcase(path, g) for g in globs)


@dataclass(frozen=True)
class InForce:
    """A waiver in force: what it matches, and the reference results carry once waived."""

    rule: str
    targets: tuple[str, ...]
    pointer: str | None
    ref: WaiverRef
    doc: Document
    report: bool

    def covers(self, r: Result) -> bool:
        if r.document is None or not any(fnmatch.fnmatchcase(r.document, t) for t in self.targets):
            return False
        return not self.pointer or _under(r.item or r.pointer, self.pointer)


class WaiverSet:
    """The run's waivers, judged once; `waive` is then applied document by document (in
    worker processes too: `matched` counts are summed back with `add_counts`)."""

    def __init__(
        self,
        waivers: Iterable[Document],
        rule_ids: set[str],
        as_of: str,
        policy: WaiverPolicy,
        report_paths: set[str] | None = None,
    ) -> None:
        self.as_of = as_of
        self.report_paths = report_paths
        self.findings: list[Result] = []  # VP-WAIVER results on waivers not in force
        self.in_force: list[InForce] = []
        for doc in sorted(waivers, key=lambda d: (d.path, d.index)):
            waiver = self._judge(doc, rule_ids, dt.date.fromisoformat(as_of), policy)
            if waiver is not None:
                self.in_force.append(waiver)
        self._by_rule: dict[str, list[int]] = {}
        for i, w in enumerate(self.in_force):
            self._by_rule.setdefault(w.rule, []).append(i)
        self.matched = [0] * len(self.in_force)

    def _reported(self, doc: Document) -> bool:
        return self.report_paths is None or doc.path in self.report_paths

    def _note(self, doc: Document, key: str, status: Status, severity: Severity, msg: str) -> None:
        if self._reported(doc):
            self.findings.append(_finding(doc, key, status, severity, msg))

    def _judge(
        self, doc: Document, rule_ids: set[str], today: dt.date, policy: WaiverPolicy
    ) -> InForce | None:
        data = doc.mapping
        wid = doc.id or "?"
        rule = data.get("rule")
        as_of = self.as_of
        if not policy.enabled:
            msg = f"waiver {wid} ignored: waivers are disabled for this run (--no-waivers)"
            self._note(doc, "", Status.NOT_APPLICABLE, Severity.INFO, msg)
            return None
        if not _matches_path(doc.path, policy.allowed_paths):
            msg = (
                f"waiver {wid} is outside the paths allowed for waivers "
                f"({', '.join(policy.allowed_paths)}); it waives nothing"
            )
            self._note(doc, "", Status.FAIL, Severity.HIGH, msg)
            return None
        if not isinstance(rule, str) or rule not in rule_ids:
            msg = (
                f"waiver {wid} names rule {rule!r}, which no loaded policy defines; "
                "fix the rule id or remove the waiver"
            )
            self._note(doc, "rule", Status.FAIL, Severity.HIGH, msg)
            return None
        expires, approved = _date(data.get("expires")), _date(data.get("approved_on"))
        if expires is None or approved is None:
            return None  # the schema already reported it
        if expires < today:
            msg = (
                f"waiver {wid} for {rule} expired on {expires.isoformat()} "
                f"(evaluation date {as_of}); it waives nothing: renew or remove it"
            )
            self._note(doc, "expires", Status.FAIL, Severity.MEDIUM, msg)
            return None
        if approved > today:
            msg = (
                f"waiver {wid} is approved on {approved.isoformat()}, after the evaluation "
                f"date {as_of}; it is not in force yet"
            )
            self._note(doc, "approved_on", Status.FAIL, Severity.MEDIUM, msg)
            return None
        limit = policy.max_waiver_days
        if limit is not None and (expires - approved).days > limit:
            msg = (
                f"waiver {wid} runs {(expires - approved).days} days from approval to expiry, "
                f"more than max_waiver_days ({limit}); it waives nothing: shorten it"
            )
            self._note(doc, "expires", Status.FAIL, Severity.HIGH, msg)
            return None
        pointer = data.get("pointer")
        ref = WaiverRef(
            id=wid,
            approved_by=str(data.get("approved_by", "")),
            approved_on=approved.isoformat(),
            expires=expires.isoformat(),
            justification=" ".join(str(data.get("justification", "")).split()),
            path=doc.path,
            ticket=data.get("ticket"),
            risk=data.get("risk"),
        )
        targets = tuple(str(t) for t in data.get("targets") or [])
        return InForce(
            rule, targets, str(pointer) if pointer else None, ref, doc, self._reported(doc)
        )

    def waive(self, results: list[Result]) -> list[Result]:
        """Failures covered by a waiver in force become `waived` (the first waiver in path
        order wins); counts what each waiver matched. Cost: one dict lookup per result."""
        if not self._by_rule:
            return results
        by_rule = self._by_rule
        for i, r in enumerate(results):
            if r.status is not Status.FAIL:
                continue
            for w in by_rule.get(r.rule, ()):
                if self.in_force[w].covers(r):
                    results[i] = replace(r, status=Status.WAIVED, waiver=self.in_force[w].ref)
                    self.matched[w] += 1
                    break
        return results

    def add_counts(self, counts: Sequence[int]) -> None:
        """Matches counted in another process."""
        self.matched = [a + b for a, b in zip(self.matched, counts, strict=True)]

    def usage(self, evaluated_ids: set[str]) -> list[Result]:
        """After every document was waived: what each waiver in force did (or did not)."""
        out: list[Result] = []
        for w, matched in zip(self.in_force, self.matched, strict=True):
            if not w.report:
                continue
            wid, rule, targets = w.ref.id, w.rule, w.targets
            if matched:
                msg = f"waiver {wid} waives {matched} failure(s) of {rule} until {w.ref.expires}"
                out.append(_finding(w.doc, "", Status.PASS, Severity.INFO, msg))
                continue
            covered = any(fnmatch.fnmatchcase(d, t) for d in evaluated_ids for t in targets)
            if covered or self.report_paths is None:
                msg = (
                    f"waiver {wid} for {rule} matches no failure (targets: "
                    f"{', '.join(targets)}); remove it or correct its targets"
                )
                out.append(_finding(w.doc, "targets", Status.FAIL, Severity.LOW, msg))
        return out


def apply(
    results: list[Result],
    waivers: Iterable[Document],
    rule_ids: set[str],
    as_of: str,
    policy: WaiverPolicy,
    evaluated_ids: set[str],
    report_paths: set[str] | None = None,
) -> tuple[list[Result], list[Result]]:
    """Return (results with waived statuses, VP-WAIVER results for the reported waivers)."""
    ws = WaiverSet(waivers, rule_ids, as_of, policy, report_paths)
    out = ws.waive(list(results))
    return out, ws.findings + ws.usage(evaluated_ids)


def _under(pointer: str, prefix: str) -> bool:
    prefix = prefix.rstrip("/")
    return not prefix or pointer == prefix or pointer.startswith(prefix + "/")
