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
    today = dt.date.fromisoformat(as_of)
    out = list(results)
    findings: list[Result] = []
    for doc in sorted(waivers, key=lambda d: (d.path, d.index)):
        data = doc.mapping
        wid = doc.id or "?"
        rule = data.get("rule")
        report = report_paths is None or doc.path in report_paths

        def note(
            key: str,
            status: Status,
            severity: Severity,
            msg: str,
            *,
            _d: Document = doc,
            _report: bool = report,
        ) -> None:
            if _report:
                findings.append(_finding(_d, key, status, severity, msg))

        if not policy.enabled:
            note(
                "",
                Status.NOT_APPLICABLE,
                Severity.INFO,
                f"waiver {wid} ignored: waivers are disabled for this run (--no-waivers)",
            )
            continue
        if not _matches_path(doc.path, policy.allowed_paths):
            note(
                "",
                Status.FAIL,
                Severity.HIGH,
                f"waiver {wid} is outside the paths allowed for waivers "
                f"({', '.join(policy.allowed_paths)}); it waives nothing",
            )
            continue
        if rule not in rule_ids:
            note(
                "rule",
                Status.FAIL,
                Severity.HIGH,
                f"waiver {wid} names rule {rule!r}, which no loaded policy defines; "
                "fix the rule id or remove the waiver",
            )
            continue
        expires, approved = _date(data.get("expires")), _date(data.get("approved_on"))
        if expires is None or approved is None:
            continue  # the schema already reported it
        if expires < today:
            note(
                "expires",
                Status.FAIL,
                Severity.MEDIUM,
                f"waiver {wid} for {rule} expired on {expires.isoformat()} "
                f"(evaluation date {as_of}); it waives nothing: renew or remove it",
            )
            continue
        if approved > today:
            note(
                "approved_on",
                Status.FAIL,
                Severity.MEDIUM,
                f"waiver {wid} is approved on {approved.isoformat()}, after the evaluation "
                f"date {as_of}; it is not in force yet",
            )
            continue
        limit = policy.max_waiver_days
        if limit is not None and (expires - approved).days > limit:
            note(
                "expires",
                Status.FAIL,
                Severity.HIGH,
                f"waiver {wid} runs {(expires - approved).days} days from approval to expiry, "
                f"more than max_waiver_days ({limit}); it waives nothing: shorten it",
            )
            continue
        targets = [str(t) for t in data.get("targets") or []]
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
        matched = 0
        for i, r in enumerate(out):
            if r.rule != rule or r.status is not Status.FAIL or r.document is None:
                continue
            if not any(fnmatch.fnmatchcase(r.document, t) for t in targets):
                continue
            if pointer and not _under(r.item or r.pointer, str(pointer)):
                continue
            out[i] = replace(r, status=Status.WAIVED, waiver=ref)
            matched += 1
        covered = {d for d in evaluated_ids if any(fnmatch.fnmatchcase(d, t) for t in targets)}
        if matched:
            note(
                "",
                Status.PASS,
                Severity.INFO,
                f"waiver {wid} waives {matched} failure(s) of {rule} until {ref.expires}",
            )
        elif covered or report_paths is None:
            note(
                "targets",
                Status.FAIL,
                Severity.LOW,
                f"waiver {wid} for {rule} matches no failure (targets: "
                f"{', '.join(targets)}); remove it or correct its targets",
            )
    return out, findings


def _under(pointer: str, prefix: str) -> bool:
    prefix = prefix.rstrip("/")
    return not prefix or pointer == prefix or pointer.startswith(prefix + "/")
