"""Text report: findings grouped by file, `path:line:col SEVERITY RULE message`, a summary."""

from __future__ import annotations

from itertools import groupby

from vendorpolicy.model import Report, Result, Status
from vendorpolicy.reporters import RenderOptions

_COLORS = {
    "critical": "\x1b[1;31m",
    "high": "\x1b[31m",
    "medium": "\x1b[33m",
    "low": "\x1b[36m",
    "info": "\x1b[2m",
    "waived": "\x1b[35m",
    "error": "\x1b[1;35m",
}
_RESET = "\x1b[0m"
SHOWN = (Status.FAIL, Status.ERROR, Status.WAIVED)


def clean(text: str) -> str:
    """One line, no control characters (contract text must not drive the terminal)."""
    return "".join(ch if ch.isprintable() else " " for ch in " ".join(text.split()))


def clean_path(path: str) -> str:
    """A file name may hold control characters, or lone surrogates (a name that is not
    UTF-8), which can be neither shown nor written as UTF-8: each becomes U+FFFD."""
    return (
        path if path.isprintable() else "".join(ch if ch.isprintable() else "\ufffd" for ch in path)
    )


def line_for(r: Result, color: bool = False) -> str:
    label = r.severity.value.upper()
    tag = r.status.value if r.status is not Status.FAIL else r.severity.value
    if r.status is Status.WAIVED:
        label = "WAIVED"
        assert r.waiver is not None
        suffix = f" [waived by {clean(r.waiver.id)} until {clean(r.waiver.expires)}]"
    elif r.status is Status.ERROR:
        label, suffix = "ERROR", ""
    else:
        suffix = ""
    if color:
        label = f"{_COLORS.get(tag, '')}{label}{_RESET}"
    return f"{clean_path(r.path)}:{r.line}:{r.column} {label} {r.rule} {clean(r.message)}{suffix}"


def summary_line(report: Report) -> str:
    s = report.summary
    verdict = "FAILED" if report.exit_code else "passed"
    return (
        f"{verdict}: {s.get('documents', 0)} document(s), {s.get('fail', 0)} failed, "
        f"{s.get('error', 0)} error(s), {s.get('waived', 0)} waived, {s.get('pass', 0)} passed, "
        f"{s.get('not_applicable', 0)} not applicable "
        f"(as of {report.as_of}, fail-on {report.evidence.fail_on.value})"
    )


def render(report: Report, options: RenderOptions) -> str:
    shown = [r for r in report.results if r.status in SHOWN]
    out: list[str] = []
    if options.hook:
        out.extend(line_for(r, options.color) for r in shown if r.status is not Status.WAIVED)
    else:
        for path, group in groupby(shown, key=lambda r: r.path):
            out.append(clean_path(path))
            out.extend("  " + line_for(r, options.color) for r in group)
            out.append("")
    out.append(summary_line(report))
    return "\n".join(out) + "\n"
