"""The pre-parsed policy pack (src/vendorpolicy/policypack.marshal) is fresh and changes
nothing: the same rules, results and error messages as parsing the policies at run time."""

from __future__ import annotations

import dataclasses
import gc
import marshal
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import jmespath
import pytest

from vendorpolicy import loader, packbuild, policy, policypack
from vendorpolicy.errors import ConfigError
from vendorpolicy.expr import Compiled, Compiler
from vendorpolicy.functions import FUNCTIONS
from vendorpolicy.policy import PolicySet, load_policies

ROOT = Path(__file__).resolve().parents[1]
BUILTIN = policy.default_policy_dirs()
EXAMPLES = ROOT / "examples" / "contracts"


T = TypeVar("T")


def with_and_without_pack(monkeypatch: pytest.MonkeyPatch, produce: Callable[[], T]) -> tuple[T, T]:
    """`produce()` with the pack, then as if the artefact were missing or stale."""
    first = produce()
    with monkeypatch.context() as m:
        m.setattr(policypack, "load", lambda path=None: None)
        second = produce()
    return first, second


def config_error(dirs: list[Path]) -> str:
    with pytest.raises(ConfigError) as err:
        load_policies(dirs)
    return str(err.value)


def _plain(value: Any) -> Any:
    """Everything a PolicySet holds, closures aside, as comparable plain values."""
    if isinstance(value, Compiled):
        return (
            "Compiled",
            value.text,
            value.paths,
            value.params,
            value.reads_current,
            value.reads_doc,
            value.reads_item,
            value.where,
            repr(value.tree),
            [paths for _, paths in value.parts],
        )
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (
            type(value).__name__,
            *(_plain(getattr(value, f.name)) for f in dataclasses.fields(value)),
        )
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, *map(_plain, value))
    if isinstance(value, dict):
        return ("dict", *((k, _plain(v)) for k, v in value.items()))
    return value


def snapshot(ps: PolicySet) -> str:
    return repr(_plain(ps))


def load_both(monkeypatch: pytest.MonkeyPatch, *args: Any) -> tuple[str, str]:
    return with_and_without_pack(monkeypatch, lambda: snapshot(load_policies(*args)))


def test_artefact_is_fresh() -> None:
    assert packbuild.is_fresh(), (
        "src/vendorpolicy/policypack.marshal is stale: run `make policypack`"
    )


def test_a_stale_artefact_is_detected(tmp_path: Path) -> None:
    files, trees = policypack.unpack_body(policypack.unpack(policypack.ARTEFACT.read_bytes())[1])
    trees.popitem()
    (tmp_path / "stale.marshal").write_bytes(policypack.dumps(files, trees))
    assert not packbuild.is_fresh(tmp_path / "stale.marshal")
    assert not packbuild.is_fresh(tmp_path / "missing.marshal")
    (tmp_path / "junk.marshal").write_bytes(b"junk")
    assert not packbuild.is_fresh(tmp_path / "junk.marshal")


def test_builtin_files_come_from_the_pack(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_parsing(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a built-in policy file was parsed although the pack holds it")

    monkeypatch.setattr(loader, "load_bytes", no_parsing)
    assert len(load_policies(BUILTIN).rules) == 69


def test_same_policy_set_with_and_without_the_pack(monkeypatch: pytest.MonkeyPatch) -> None:
    with_pack, without = load_both(monkeypatch, BUILTIN)
    assert with_pack == without


def test_same_policy_set_with_config_and_cli_parameters(monkeypatch: pytest.MonkeyPatch) -> None:
    config = {"regimes": ["dora", "gdpr"], "allowed_governing_law": ["LU", "DE"]}
    cli = (
        "max_waiver_days=30",
        "min_availability_pct.critical=99.95",
        "allowed_countries.public=DE",
        "min_tls_version=1.3",
    )
    with_pack, without = load_both(monkeypatch, BUILTIN, config, cli)
    assert with_pack == without
    assert "99.95" in with_pack and "'1.3'" in with_pack


# The CLI in a fresh interpreter, optionally with the pack switched off.
CHECK = """
import sys
from vendorpolicy import policypack
if sys.argv.pop(1) == "no-pack":
    policypack.load = lambda path=None: None
from vendorpolicy.cli import main
raise SystemExit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize(
    "args",
    [
        ["--format", "json"],
        ["--format", "sarif", "--param", "max_waiver_days=30"],
        ["--format", "text", "contracts/vistula-corebank-maintenance-2025.yaml"],
    ],
)
def test_same_reports_on_the_example_repository(args: list[str]) -> None:
    argv = ["check", "--no-cache", "--as-of", "2026-11-22", "--no-color", *args]
    runs = [
        subprocess.run(
            [sys.executable, "-c", CHECK, mode, *argv],
            cwd=EXAMPLES,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        for mode in ("pack", "no-pack")
    ]
    with_pack, without = ((r.returncode, r.stdout, r.stderr) for r in runs)
    assert with_pack == without
    assert with_pack[0] in (0, 1) and with_pack[1], with_pack[2]


def test_an_edited_copy_is_parsed_the_rest_taken_from_the_pack(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(BUILTIN[0], tmp_path / "policies", ignore=shutil.ignore_patterns("tests"))
    edited = tmp_path / "policies" / "audit.yaml"
    edited.write_text("# a local note\n" + edited.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    dirs = [Path("policies")]
    with_pack, without = load_both(monkeypatch, dirs)
    assert with_pack == without
    rules = {r.id: r for r in load_policies(dirs).rules}
    original = {r.id: r for r in load_policies(BUILTIN).rules}
    shifted = rules["AUD-001"].info.source.split(":")[1]
    assert int(shifted) == int(original["AUD-001"].info.source.split(":")[1]) + 1


def _broken_copy(tmp_path: Path, name: str, old: str, new: str) -> Path:
    folder = tmp_path / "policies"
    shutil.copytree(BUILTIN[0], folder, ignore=shutil.ignore_patterns("tests"))
    target = folder / name
    text = target.read_text(encoding="utf-8")
    assert old in text
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("name", "old", "new", "expected"),
    [
        ("audit.yaml", "audit.customer_right == `true`", "a.((", "invalid JMESPath"),
        ("exit.yaml", "subset(", "nosuchfn(", "unknown function"),
        ("dpa.yaml", "  title:", "  titel:", "required field 'title'"),
        ("exit.yaml", "rules:", "rules: [", "YAML syntax error"),
        ("commercial.yaml", "param('", "param('no_such_", "undefined parameter"),
    ],
)
def test_errors_in_edited_policies_keep_file_and_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, old: str, new: str, expected: str
) -> None:
    folder = _broken_copy(tmp_path, name, old, new)
    with_pack, without = with_and_without_pack(monkeypatch, lambda: config_error([folder]))
    assert with_pack == without
    assert expected in with_pack and f"{name}:" in with_pack


def test_a_duplicate_rule_names_the_packed_original(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "policies"
    shutil.copytree(BUILTIN[0], folder, ignore=shutil.ignore_patterns("tests"))
    text = (folder / "audit.yaml").read_text(encoding="utf-8")
    (folder / "zz-copy.yaml").write_text(text.replace("  id: ", "  id: copy-", 1), encoding="utf-8")
    with_pack, without = with_and_without_pack(monkeypatch, lambda: config_error([folder]))
    assert with_pack == without
    assert "zz-copy.yaml:" in with_pack and "is defined twice (first at" in with_pack
    assert "audit.yaml:" in with_pack


def test_packed_positions_and_data_equal_parsed_ones() -> None:
    pack = policypack.load()
    assert pack is not None
    for path in policy.policy_files(BUILTIN):
        raw = path.read_bytes()
        parsed = loader.load_bytes("p.yaml", raw)
        packed = pack.file("p.yaml", raw)
        assert packed is not None
        assert packed.sha256 == parsed.sha256
        for a, b in zip(packed.documents, parsed.documents, strict=True):
            assert repr(a.data) == repr(b.data)
            assert (a.index, a.line, a.problems) == (b.index, b.line, b.problems)
            for key, _ in b.sourcemap.walk():
                for asked in (key, (*key, "no-such-key")):
                    assert a.sourcemap.position(asked) == b.sourcemap.position(asked)
            assert a.sourcemap.tree == b.sourcemap.tree


def test_packed_trees_are_what_jmespath_parses() -> None:
    pack = policypack.load()
    assert pack is not None and pack.trees
    for text, tree in pack.trees.items():
        assert repr(tree) == repr(jmespath.compile(text).parsed)


def test_unknown_bytes_are_not_in_the_pack() -> None:
    pack = policypack.load()
    assert pack is not None
    assert pack.file("x.yaml", b"apiVersion: vendorpolicy/v1\nkind: Policy\n") is None


def test_stale_corrupt_or_missing_artefacts_are_ignored(tmp_path: Path) -> None:
    good = policypack.ARTEFACT.read_bytes()
    _, body = policypack.unpack(good)
    cases = {
        "stale.marshal": marshal.dumps((("another", "stamp"), body)),
        "corrupt.marshal": b"\x00not marshal at all",
        "truncated.marshal": good[: len(good) // 2],
        "wrong-shape.marshal": marshal.dumps([1, 2, 3]),
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        assert policypack.load(tmp_path / name) is None, name
    assert policypack.load(tmp_path / "missing.marshal") is None
    (tmp_path / "copy.marshal").write_bytes(good)
    assert policypack.load(tmp_path / "copy.marshal") is not None


def test_each_load_gets_its_own_data() -> None:
    first, second = policypack.load(), policypack.load()
    assert first is not None and second is not None
    assert first.files == second.files
    sha = next(iter(first.files))
    assert first.files[sha][0][2] is not second.files[sha][0][2]


def test_compiler_takes_pre_parsed_trees_and_records_new_ones() -> None:
    trees: dict[str, Any] = {"alias": jmespath.compile("b.c").parsed}
    compiler = Compiler(FUNCTIONS, {}, {}, trees)
    assert compiler.compile("alias", "t").paths == (("b", "c"),)
    compiler.compile("d", "t")
    assert "d" in trees
    with pytest.raises(ConfigError) as err:
        compiler.compile("a.((", "file.yaml:3:5")
    assert err.value.where == "file.yaml:3:5" and "a.((" not in trees


@pytest.mark.parametrize("enabled", [True, False])
def test_loading_restores_the_garbage_collector(tmp_path: Path, enabled: bool) -> None:
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        load_policies(BUILTIN)
        assert gc.isenabled() is enabled
        folder = _broken_copy(tmp_path, "exit.yaml", "subset(", "nosuchfn(")
        with pytest.raises(ConfigError):
            load_policies([folder])
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()
