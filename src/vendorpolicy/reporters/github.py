"""GitHub Actions workflow commands: one annotation per `fail`/`error` result, then a summary.

    ::error file=contracts/acme.yaml,line=41,col=7,title=ENC-001 critical::At-rest encryption ...

Escaping follows @actions/core (toCommandValue / escapeData / escapeProperty): in the message
`%`, CR and LF are percent-encoded; in properties also `:` and `,`. Other control characters
are replaced so contract text cannot drive the runner's log.
"""

from __future__ import annotations

import re

from vendorpolicy.model import Report, Result, Severity, Status
from vendorpolicy.reporters import RenderOptions
from vendorpolicy.reporters.text import summary_line

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def escape_data(text: str) -> str:
    """Escape a workflow command's message (the part after `::`)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow command property value (file=, title=, ...)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _clean(text: str) -> str:
    return _CONTROL.sub("\ufffd", text)


def command_level(result: Result) -> str:
    """error for critical/high and for `error` results, warning for medium, notice below."""
    if result.status is Status.ERROR or result.severity.rank >= Severity.HIGH.rank:
        return "error"
    if result.severity is Severity.MEDIUM:
        return "warning"
    return "notice"


def annotation(result: Result) -> str:
    label = "error" if result.status is Status.ERROR else result.severity.value
    props = {
        "file": result.path.replace("\\", "/"),
        "line": str(max(result.line, 1)),
        "col": str(max(result.column, 1)),
        "title": f"{result.rule} {label}",
    }
    rendered = ",".join(f"{k}={escape_property(_clean(v))}" for k, v in props.items())
    return f"::{command_level(result)} {rendered}::{escape_data(_clean(result.message))}"


def render(report: Report, options: RenderOptions) -> str:
    lines = [annotation(r) for r in report.results if r.status in (Status.FAIL, Status.ERROR)]
    lines.append(f"::notice title=vendorpolicy::{escape_data(_clean(summary_line(report)))}")
    return "\n".join(lines) + "\n"
