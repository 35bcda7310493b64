"""Property-based tests (hypothesis): hostile input never crashes the loader or `check`.

- arbitrary text and bytes: `loader.load_bytes` always returns a LoadedFile whose problems
  lie inside the file;
- arbitrary YAML-shaped data, and mutations of the canonical full contract (a key path
  deleted, a value replaced by another type, control characters, `]]>`, characters XML
  cannot carry, emoji and very long strings put into string values): `runner.run` with the
  built-in policies never raises, every position lies inside its file, the JSON report is
  valid JSON in the documented shape, the JUnit report is well-formed XML that validates
  against junit-10.xsd, the SARIF is valid JSON;
- the jsonschema-rs fast path and the jsonschema reference agree on every document.

The invariants themselves live in `tests/fuzz/campaign.py`, shared with the fuzzing
campaign and its regression replays.
"""

from __future__ import annotations

import contextlib
import copy
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz import campaign
from vendorpolicy import loader, runner, schemas
from vendorpolicy.loader import LoadedFile

ROOT = Path(__file__).resolve().parents[1]
CONTRACT_FILE = ROOT / "tests" / "fixtures" / "canonical" / "contract-full.yaml"
CONTRACT: dict[str, Any] = loader.load_bytes("c", CONTRACT_FILE.read_bytes()).documents[0].data
# every canonical document (contracts, attestations, the waiver) for the schema property
CANONICAL_DOCS: list[Any] = [
    doc.data
    for path in sorted(CONTRACT_FILE.parent.glob("*.yaml"))
    for doc in loader.load_bytes(path.name, path.read_bytes()).documents
    if doc.kind is not None and not doc.problems
]


def examples(n: int) -> settings:
    """Modest example counts keep the whole file well under a minute."""
    return settings(deadline=None, max_examples=n, suppress_health_check=[HealthCheck.too_slow])


EDITOR_BREAKS = re.compile(r"\r\n|\r|\n")


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("properties")


@contextlib.contextmanager
def cached_policies() -> Iterator[None]:
    """The built-in pack compiled once, not once per example (restored afterwards)."""
    with mock.patch.object(runner, "load_policies", campaign.cached_load_policies):
        yield


def line_count(text: str) -> int:
    """Lines of `text` as an editor shows them (a final line break starts no new line)."""
    parts = EDITOR_BREAKS.split(text)
    return len(parts) - 1 if parts[-1] == "" and len(parts) > 1 else len(parts)


def assert_loaded_sane(loaded: LoadedFile, raw: bytes) -> None:
    assert isinstance(loaded, LoadedFile)
    text = campaign.decoded(raw)
    bound = line_count(text) + 1
    problems = list(loaded.problems) + [p for d in loaded.documents for p in d.problems]
    for p in problems:
        assert 1 <= p.line <= bound and p.column >= 1, (p, bound)
    campaign.check_loaded(loaded, raw)  # and every column within its line


# --------------------------------------------------------------------------- (a) the loader

# fmt: off
YAML_TOKENS = [
    *"ab:-[]{}&*!|>'\"#?,%@` \n\n  \t\r.01~=<",
    "\x85", "\u2028", "\x00", "\x07", "\ufeff", "é", "💥", "---\n", "...\n", "<<: ",
    "!!python/object:os.system ", "!!str ", "&x ", "*x", "key: value\n", "- item\n",
]
# fmt: on
YAMLISH = st.lists(st.sampled_from(YAML_TOKENS), max_size=80).map("".join)


@examples(300)
@given(st.text(max_size=400) | YAMLISH)
def test_loader_never_crashes_on_text(text: str) -> None:
    raw = text.encode("utf-8")
    assert_loaded_sane(loader.load_bytes("t.yaml", raw), raw)


@examples(300)
@given(
    st.binary(max_size=400)
    | st.builds(
        lambda head, tail: head + tail,
        YAMLISH.map(lambda t: t.encode("utf-8")),
        st.binary(max_size=40),
    )
)
def test_loader_never_crashes_on_bytes(raw: bytes) -> None:
    assert_loaded_sane(loader.load_bytes("b.yaml", raw), raw)


def test_positions_after_nel_ls_ps_are_the_lines_an_editor_shows() -> None:
    """libyaml also ends lines at NEL, LS and PS; reported lines are the editor's."""
    raw = "k: v\u2028\u2028\x85x: [\n".encode()
    (problem,) = loader.load_bytes("nel.yaml", raw).problems
    assert (problem.line, problem.column) == (2, 1)  # the end of the text, line 2 for editors


def test_end_of_stream_after_nel_ls_ps_without_final_line_break() -> None:
    """libyaml puts the end of such a stream on its own line count + 1; it is reported at
    the end of the text instead, inside the file."""
    raw = "k: v\u2028\u2028\u2028x: [".encode()  # one line for an editor
    (problem,) = loader.load_bytes("eof.yaml", raw).problems
    assert (problem.line, problem.column) == (1, len(raw.decode()) + 1), problem


# --------------------------------------------------------------------------- (b) check

NASTY = st.sampled_from(campaign.NASTY_TEXT) | st.text(
    alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=("Cs",)),
    max_size=20,
)
VERY_LONG = st.sampled_from(["x" * 100_000, "]]>" * 20_000, "\x01" * 30_000, "💥" * 50_000])
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | NASTY
)
YAML_DATA = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=25,
)


def _paths(data: Any) -> list[tuple[Any, ...]]:
    return [p for p in campaign._paths(data) if p]


@st.composite
def contract_mutations(draw: st.DrawFn, base: Any = None) -> Any:
    """The canonical full contract (or `base`) with one to three mutations."""
    data = copy.deepcopy(CONTRACT if base is None else base)
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(data)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = campaign._get(data, path[:-1])
        key = path[-1]
        op = draw(st.sampled_from(["delete", "retype", "insert", "long"]))
        if op == "delete":
            del parent[key]
        elif op == "retype":
            value = parent[key]
            others = [
                v
                for v in (None, True, 7, 2.5, "text", [], {}, ["a"], {"k": 1})
                if type(v) is not type(value)
            ]
            parent[key] = draw(st.sampled_from(others))
        else:
            value = parent[key]
            extra = draw(NASTY if op == "insert" else VERY_LONG)
            if isinstance(value, str):
                at = draw(st.integers(0, len(value)))
                parent[key] = value[:at] + extra + value[at:]
            else:
                strings = [p for p in paths if isinstance(campaign._get(data, p), str)]
                target = draw(st.sampled_from(strings))
                campaign._get(data, target[:-1])[target[-1]] = extra
    return data


def dumped(data: Any, unicode: bool, flow: bool | None) -> bytes:
    text = yaml.safe_dump(data, allow_unicode=unicode, default_flow_style=flow, sort_keys=False)
    return text.encode("utf-8")


def envelope(data: Any, kind: str) -> dict[str, Any]:
    return {
        "apiVersion": "vendorpolicy/v1",
        "kind": kind,
        "metadata": {"id": "generated", "vendor": "acme"},
        "x-data": data,
    }


def assert_check_sane(raw: bytes, workdir: Path) -> None:
    """Load, schema-check both ways, run `check` and render every report: all sane."""
    loaded = loader.load_bytes(campaign.FILE_NAME, raw)
    assert_loaded_sane(loaded, raw)
    with cached_policies():
        campaign.check_input(raw, workdir, validate_xsd=True)


@examples(40)
@given(
    YAML_DATA,
    st.sampled_from([None, "Contract", "Attestation", "Waiver", "Policy"]),
    st.booleans(),
    st.sampled_from([False, None, True]),
)
def test_check_never_crashes_on_yaml_shaped_data(
    workdir: Path, data: Any, kind: str | None, unicode: bool, flow: bool | None
) -> None:
    document = envelope(data, kind) if kind else data
    assert_check_sane(dumped(document, unicode, flow), workdir)


@examples(60)
@given(contract_mutations(), st.booleans(), st.sampled_from([False, None]))
def test_check_never_crashes_on_mutated_contracts(
    workdir: Path, data: Any, unicode: bool, flow: bool | None
) -> None:
    assert_check_sane(dumped(data, unicode, flow), workdir)


@examples(150)
@given(st.sampled_from(CANONICAL_DOCS).flatmap(lambda base: contract_mutations(base)))
def test_fast_schema_path_agrees_with_the_reference(data: Any) -> None:
    document = loader.load_bytes("s.yaml", dumped(data, True, False))
    campaign.check_schemas(document)


def test_a_final_newline_does_not_satisfy_a_schema_pattern() -> None:
    waiver = next(d for d in CANONICAL_DOCS if d["kind"] == "Waiver")
    bad = {**waiver, "rule": waiver["rule"] + "\n"}
    assert not schemas.SchemaSet(fast=True).is_valid_fast(bad, "Waiver")
    assert schemas.SchemaSet(fast=False).validate_data(bad, "Waiver")


def test_control_characters_in_values_keep_the_junit_report_valid(workdir: Path) -> None:
    """A fixed example of what the properties explore: every hostile string at once."""
    data = copy.deepcopy(CONTRACT)
    data["metadata"]["title"] = "".join(campaign.NASTY_TEXT[:30])
    data["vendor"]["legal_name"] = "\x00\x01\x0b\x1b]]>\ufffe\uffff💥<![CDATA[&"
    assert_check_sane(dumped(data, True, False), workdir)


def test_a_file_name_that_is_not_utf8_keeps_every_report_writable(tmp_path: Path) -> None:
    """os.walk gives such a name with lone surrogates (surrogateescape); before the fix
    the JSON and text reports raised UnicodeEncodeError (an internal error, exit 2)."""
    name = "bad-\udcff\x1b.yaml"
    try:
        (tmp_path / name).write_bytes(b"x: [\n")
    except (OSError, UnicodeEncodeError):
        pytest.skip("this file system refuses names that are not UTF-8")
    (tmp_path / name).unlink()
    with cached_policies():
        files = {name: b"x: [\n"}
        report = campaign.run_check(tmp_path, files)
        assert {r.path for r in report.results} == {name}
        campaign.check_report(report, files)
