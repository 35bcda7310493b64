"""Markdown summary for $GITHUB_STEP_SUMMARY or a pull-request comment.

Sections: verdict heading, totals by status, failures by severity, one row per vendor,
failing rules (with the failing locations), waivers in force, and waivers expiring within
30 days of the evaluation date. Text that comes from documents is escaped so it cannot break
a table or inject HTML. Deterministic: counts and dates come from the report only.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable, Sequence

from vendorpolicy.model import Report, Result, RuleInfo, Severity, Status, WaiverRef, failing
from vendorpolicy.reporters import RenderOptions
from vendorpolicy.reporters.sarif import rule_catalogue

EXPIRY_WINDOW_DAYS = 30
MAX_LOCATIONS_PER_RULE = 50
NO_VENDOR = "(no vendor)"

STATUS_LABELS = (
    (Status.PASS, "✅ pass"),
    (Status.FAIL, "❌ fail"),
    (Status.ERROR, "💥 error"),
    (Status.WAIVED, "🛡️ waived"),
    (Status.NOT_APPLICABLE, "➖ not applicable"),
)
SEVERITIES = tuple(reversed(Severity))  # critical first
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def escape(text: str) -> str:
    """Safe inside a table cell or list item: one line, no HTML, no code spans, no pipes."""
    text = " ".join(_CONTROL.sub("\ufffd", text).split())
    return (
        text.replace("\\", "\\\\")
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("|", "\\|")
        .replace("`", "\\`")
    )


def _table(header: Sequence[str], rows: Iterable[Sequence[object]], align: str = "") -> list[str]:
    aligns = align or "l" + "r" * (len(header) - 1)
    sep = ["---:" if a == "r" else "---" for a in aligns]
    out = ["| " + " | ".join(header) + " |", "|" + "|".join(sep) + "|"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return out


def _failed(report: Report) -> bool:
    fail_on = report.evidence.fail_on
    return report.exit_code != 0 or any(failing(r, fail_on) for r in report.results)


def _heading(report: Report) -> list[str]:
    ev = report.evidence
    verdict = "❌ vendorpolicy: failed" if _failed(report) else "✅ vendorpolicy: passed"
    return [
        f"## {verdict} (as of {ev.as_of})",
        "",
        f"Evaluation date **{ev.as_of}** · policy digest `{ev.policy_digest}` · "
        f"vendorpolicy {escape(ev.tool_version)} · fail-on **{ev.fail_on.value}** · "
        f"{len(report.documents)} document(s)",
    ]


def _totals(report: Report) -> list[str]:
    if report.complete:
        counts = Counter(r.status for r in report.results)
    else:
        counts = Counter({s: report.summary.get(s.value, 0) for s in Status})
    rows = [(label, counts[s]) for s, label in STATUS_LABELS]
    return ["### Results", "", *_table(("Status", "Count"), rows)]


def _by_severity(report: Report) -> list[str]:
    fail_on = report.evidence.fail_on
    rows = []
    for sev in SEVERITIES:
        fails = sum(1 for r in report.results if r.status is Status.FAIL and r.severity is sev)
        waived = sum(1 for r in report.results if r.status is Status.WAIVED and r.severity is sev)
        blocks = "yes" if sev.rank >= fail_on.rank else "no"
        rows.append((sev.value, fails, waived, blocks))
    errors = sum(1 for r in report.results if r.status is Status.ERROR)
    rows.append(("error (not evaluated)", errors, 0, "yes"))
    return [
        "### Failures by severity",
        "",
        *_table(("Severity", "Failed", "Waived", "Blocks the gate"), rows, "lrrl"),
    ]


def _vendors(report: Report) -> list[str]:
    docs: Counter[str] = Counter(d.vendor or NO_VENDOR for d in report.documents)
    counts: dict[str, Counter[Status]] = {}
    for vendor, per in report.vendor_counts().items():
        counts.setdefault(vendor or NO_VENDOR, Counter()).update(per)
    names = sorted(set(docs) | set(counts), key=lambda v: (v == NO_VENDOR, v))
    rows = []
    for v in names:
        c = counts.get(v, Counter())
        rows.append(
            (
                escape(v),
                docs[v],
                c[Status.PASS],
                c[Status.FAIL],
                c[Status.ERROR],
                c[Status.WAIVED],
                c[Status.NOT_APPLICABLE],
            )
        )
    header = ("Vendor", "Documents", "Pass", "Fail", "Error", "Waived", "N/A")
    return ["### By vendor", "", *_table(header, rows)]


def _failing_rules(report: Report, rules: dict[str, RuleInfo]) -> list[str]:
    bad = [r for r in report.results if r.status in (Status.FAIL, Status.ERROR)]
    out = ["### Failing rules", ""]
    if not bad:
        return [*out, "None."]
    by_rule: dict[str, list[Result]] = {}
    for r in bad:
        by_rule.setdefault(r.rule, []).append(r)

    def order(rule_id: str) -> tuple[int, str]:
        return (-max(r.severity.rank for r in by_rule[rule_id]), rule_id)

    for rule_id in sorted(by_rule, key=order):
        results = by_rule[rule_id]
        info = rules.get(rule_id)
        title = info.title if info is not None else results[0].title
        sev = max((r.severity for r in results), key=lambda s: s.rank)
        out.append(
            f"- **{escape(rule_id)}** {escape(title)} · {sev.value} · "
            f"{len(results)} finding(s) · `vendorpolicy explain {escape_code(rule_id)}`"
        )
        for r in results[:MAX_LOCATIONS_PER_RULE]:
            tag = " (error)" if r.status is Status.ERROR else ""
            out.append(f"  - {escape(r.path)}:{r.line}{tag}: {escape(r.message)}")
        if len(results) > MAX_LOCATIONS_PER_RULE:
            out.append(f"  - … and {len(results) - MAX_LOCATIONS_PER_RULE} more")
    return out


def escape_code(text: str) -> str:
    """For text inside a code span: backticks cannot be escaped there, so drop them."""
    return " ".join(_CONTROL.sub("\ufffd", text).replace("`", "'").split())


def waivers_in_force(report: Report) -> list[tuple[WaiverRef, str, int]]:
    """(waiver, rule, findings waived) for every waiver that waived something, sorted by id."""
    found: dict[tuple[str, str], WaiverRef] = {}
    count: Counter[tuple[str, str]] = Counter()
    for r in report.results:
        if r.status is Status.WAIVED and r.waiver is not None:
            key = (r.waiver.id, r.rule)
            found.setdefault(key, r.waiver)
            count[key] += 1
    return [(found[k], k[1], count[k]) for k in sorted(found)]


def _days_left(expires: str, as_of: str) -> int | None:
    try:
        return (dt.date.fromisoformat(expires) - dt.date.fromisoformat(as_of)).days
    except ValueError:
        return None


def _waivers(report: Report) -> list[str]:
    in_force = waivers_in_force(report)
    out = ["### Waivers in force", ""]
    if in_force:
        rows = [
            (
                escape(w.id),
                escape(rule),
                escape(w.approved_by),
                escape(w.expires),
                escape(w.ticket or "-"),
                n,
            )
            for w, rule, n in in_force
        ]
        out += _table(
            ("Waiver", "Rule", "Approver", "Expires", "Ticket", "Findings"), rows, "lllllr"
        )
    else:
        out.append("None.")
    out += ["", f"### Waivers expiring within {EXPIRY_WINDOW_DAYS} days of {report.as_of}", ""]
    soon = []
    for w, rule, _ in in_force:
        left = _days_left(w.expires, report.as_of)
        if left is not None and 0 <= left <= EXPIRY_WINDOW_DAYS:
            soon.append(
                (escape(w.id), escape(rule), escape(w.expires), left, escape(w.approved_by))
            )
    if soon:
        soon.sort(key=lambda row: (row[3], row[0], row[1]))
        out += _table(("Waiver", "Rule", "Expires", "Days left", "Approver"), soon, "lllrl")
    else:
        out.append("None.")
    return out


def render(report: Report, options: RenderOptions) -> str:
    rules = {r.id: r for r in rule_catalogue(report)}
    sections = [
        _heading(report),
        _totals(report),
        _by_severity(report),
        _vendors(report),
        _failing_rules(report, rules),
        _waivers(report),
    ]
    return "\n\n".join("\n".join(s) for s in sections) + "\n"
