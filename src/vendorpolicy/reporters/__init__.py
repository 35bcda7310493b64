"""Report formats: one module per format, each a pure function of the finished Report.

REPORTERS is the one registry: its keys are the `--format` / `--output FMT=PATH` choices.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from vendorpolicy.model import Chunk, Report


@dataclass(frozen=True)
class RenderOptions:
    """Presentation choices that are not part of the report itself."""

    color: bool = False
    junit_family: str = "junit10"  # or "rich": testcase file/line for GitHub/GitLab readers
    hook: bool = False  # pre-commit: one line per finding and a short summary


Renderer = Callable[[Report, RenderOptions], str]
Streamer = Callable[[Report, RenderOptions], Iterable[Chunk]]


@dataclass(frozen=True)
class Reporter:
    name: str
    render: Renderer
    description: str
    extension: str
    stream: Streamer | None = None  # large reports: chunks, never one giant string

    def chunks(self, report: Report, options: RenderOptions) -> Iterable[Chunk]:
        """The report in pieces (for files and stdout), however large the run."""
        if self.stream is not None:
            return self.stream(report, options)
        return (self.render(report, options),)


def _registry() -> dict[str, Reporter]:
    from vendorpolicy.reporters import github, json_report, junit, markdown, sarif, text

    return {
        r.name: r
        for r in (
            Reporter("text", text.render, "grouped by file, for people", "txt"),
            Reporter(
                "json", json_report.render, "the documented JSON shape", "json", json_report.stream
            ),
            Reporter("junit", junit.render, "JUnit XML for CI test reporters", "xml", junit.stream),
            Reporter("sarif", sarif.render, "SARIF 2.1.0 for code scanning", "sarif"),
            Reporter("github", github.render, "GitHub Actions annotations", "txt"),
            Reporter("markdown", markdown.render, "job summary / PR comment", "md"),
        )
    }


def as_text(chunks: Iterable[Chunk]) -> str:
    """Streamed chunks as one string (small reports, tests)."""
    parts: list[str] = []
    for c in chunks:
        if isinstance(c, str):
            parts.append(c)
        elif isinstance(c, bytes):
            parts.append(c.decode("utf-8"))
        else:
            parts.append(b"".join(c.chunks()).decode("utf-8"))
    return "".join(parts)


FORMATS = ("text", "json", "junit", "sarif", "github", "markdown")


def get(name: str) -> Reporter:
    return _registry()[name]
