"""Report formats: one module per format, each a pure function of the finished Report.

REPORTERS is the one registry: its keys are the `--format` / `--output FMT=PATH` choices.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from vendorpolicy.model import Report


@dataclass(frozen=True)
class RenderOptions:
    """Presentation choices that are not part of the report itself."""

    color: bool = False
    junit_family: str = "junit10"  # or "rich": testcase file/line for GitHub/GitLab readers
    hook: bool = False  # pre-commit: one line per finding and a short summary


Renderer = Callable[[Report, RenderOptions], str]


@dataclass(frozen=True)
class Reporter:
    name: str
    render: Renderer
    description: str
    extension: str


def _registry() -> dict[str, Reporter]:
    from vendorpolicy.reporters import github, json_report, junit, markdown, sarif, text

    return {
        r.name: r
        for r in (
            Reporter("text", text.render, "grouped by file, for people", "txt"),
            Reporter("json", json_report.render, "the documented JSON shape", "json"),
            Reporter("junit", junit.render, "JUnit XML for CI test reporters", "xml"),
            Reporter("sarif", sarif.render, "SARIF 2.1.0 for code scanning", "sarif"),
            Reporter("github", github.render, "GitHub Actions annotations", "txt"),
            Reporter("markdown", markdown.render, "job summary / PR comment", "md"),
        )
    }


FORMATS = ("text", "json", "junit", "sarif", "github", "markdown")


def get(name: str) -> Reporter:
    return _registry()[name]
