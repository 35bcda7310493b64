"""`vendorpolicy init`: scaffold a contracts repository that passes `vendorpolicy check` at once.

The files come from the package's `templates/` directory. The example contract and its SOC 2
report carry dates relative to the day of scaffolding (placeholders `@@NAME@@`), so the pair
passes the built-in pack on that day and for about ten months after. Nothing is ever
overwritten: if any target exists, nothing is written at all.
"""

from __future__ import annotations

import calendar
import datetime as dt
import os
import re
from collections.abc import Mapping
from importlib import resources
from pathlib import Path

from vendorpolicy.errors import UsageError

# target path (relative to the repository root) -> template name in vendorpolicy/templates/
FILES: Mapping[str, str] = {
    ".vendorpolicy.yaml": "vendorpolicy.yaml.tmpl",
    "contracts/example-contract.yaml": "contract.yaml.tmpl",
    "attestations/example-soc2.yaml": "attestation-soc2.yaml.tmpl",
    "waivers/README.md": "waivers-README.md.tmpl",
    ".pre-commit-config.yaml": "pre-commit-config.yaml.tmpl",
    ".github/workflows/vendor-onboarding.yml": "vendor-onboarding.yml.tmpl",
    "CODEOWNERS": "CODEOWNERS.tmpl",
}

_PLACEHOLDER = re.compile(r"@@([A-Z0-9_]+)@@")


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` moved by whole calendar months, clamped to the end of the month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def _month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def template_values(today: dt.date) -> dict[str, str]:
    """The dates of the example pair, relative to `today`.

    Every limit of the built-in pack that a date is judged against is met with at least ten
    months to spare: the SOC 2 period ends at the end of the month two months back (stale
    only when it ended more than max_attestation_age_months, 12, before the evaluation date),
    the due-diligence review is a month old (24 months allowed for a non-critical function,
    12 for a critical one), the continuity and exit tests two months old (12 allowed).
    """
    period_end = _month_end(add_months(today, -2))
    period_start = add_months(period_end, -12) + dt.timedelta(days=1)
    start = add_months(today, -4).replace(day=1)
    values = {
        "TODAY": today,
        "DD_COMPLETED": add_months(today, -7),
        "DD_RISK_ASSESSMENT": add_months(today, -6),
        "SIGNED": add_months(today, -5),
        "START": start,
        "END": add_months(start, 36) - dt.timedelta(days=1),
        "DD_LAST_REVIEW": add_months(today, -1),
        "LAST_BCP_TEST": add_months(today, -2),
        "LAST_EXIT_TEST": add_months(today, -2),
        "PERIOD_START": period_start,
        "PERIOD_END": period_end,
        "ISSUED": period_end + dt.timedelta(days=28),
    }
    out = {name: day.isoformat() for name, day in values.items()}
    out["PERIOD_END_YEAR"] = str(period_end.year)
    return out


def render(template: str, values: Mapping[str, str]) -> str:
    """`template` with every `@@NAME@@` replaced; an unknown name is a bug, not a silent gap."""

    def substitute(match: re.Match[str]) -> str:
        return values[match.group(1)]

    return _PLACEHOLDER.sub(substitute, template)


def read_template(name: str) -> str:
    return (resources.files("vendorpolicy") / "templates" / name).read_text(encoding="utf-8")


def _conflicts(target: Path) -> set[str]:
    """Target files that exist, and folders on their way that exist as something else."""
    found: set[str] = set()
    for rel in FILES:
        if os.path.lexists(target / rel):
            found.add(rel)
        parts = Path(rel).parts
        for depth in range(1, len(parts)):
            folder = target.joinpath(*parts[:depth])
            if os.path.lexists(folder) and not folder.is_dir():
                found.add(Path(*parts[:depth]).as_posix())
    return found


def init_repository(target: Path, today: dt.date | None = None) -> list[Path]:
    """Write the starter files of a contracts repository under `target`; return their paths.

    `today` (default: today in UTC, like the evaluation date) anchors the example's dates.
    Raises UsageError, having written nothing, if `target` is not a directory or any of the
    files already exists.
    """
    if target.exists() and not target.is_dir():
        raise UsageError(f"{target} exists and is not a directory; give a directory to init")
    existing = sorted(_conflicts(target))
    if existing:
        listed = ", ".join(str(target / rel) for rel in existing)
        raise UsageError(
            f"refusing to overwrite existing file(s): {listed}; "
            "move them away or choose another directory (nothing was written)"
        )
    day = today or dt.datetime.now(dt.timezone.utc).date()
    values = template_values(day)
    contents = {rel: render(read_template(name), values) for rel, name in FILES.items()}
    created: list[Path] = []
    try:
        for rel, text in contents.items():
            path = target / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            # "x": never replace a file that appeared since the check above.
            with path.open("x", encoding="utf-8", newline="\n") as fh:
                fh.write(text)
            created.append(path)
    except FileExistsError as exc:
        for path in created:
            path.unlink()
        raise UsageError(
            f"refusing to overwrite {exc.filename}, created while init was running "
            "(nothing was written)"
        ) from None
    return created
