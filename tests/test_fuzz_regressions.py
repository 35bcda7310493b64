"""Every input the fuzzing campaign found (tests/fuzz/regressions/*.yaml) replayed for good.

Each file goes through the campaign's oracle (`tests.fuzz.campaign.check_input`): the
loader, both schema paths, the full `check` with the built-in policies and every reporter.
The expected result is a clean one: no exception, positions inside the file, valid JSON,
SARIF and JUnit (validated against junit-10.xsd), in bounded time. A file named
`NAME.context.yaml` is not replayed on its own: it is the second file of the run of
`NAME.yaml` (the campaign sometimes checks an input beside another document).
"""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import pytest

from tests.fuzz import campaign
from vendorpolicy import runner

REGRESSIONS = Path(__file__).resolve().parent / "fuzz" / "regressions"
CASES = sorted(p for p in REGRESSIONS.glob("*.yaml") if not p.name.endswith(".context.yaml"))
TOOL_SECONDS = 30  # generous: the slowest case takes about 2 s on a busy 2-core machine


def test_there_are_regression_inputs() -> None:
    assert len(CASES) >= 5, "tests/fuzz/regressions/ lost its inputs"


@pytest.mark.parametrize("case", CASES, ids=[p.stem for p in CASES])
def test_fuzz_regression(case: Path, tmp_path: Path) -> None:
    context_file = case.with_name(case.stem + ".context.yaml")
    context = context_file.read_bytes() if context_file.exists() else None
    clock = [0.0]
    with mock.patch.object(runner, "load_policies", campaign.cached_load_policies):
        campaign.check_input(case.read_bytes(), tmp_path, context, validate_xsd=True, clock=clock)
    assert clock[0] < TOOL_SECONDS, f"the tool took {clock[0]:.1f} s on {case.name}"
