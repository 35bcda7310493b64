"""The adversarial corpus: hostile inputs for `vendorpolicy check`, generated on demand.

Each case writes, into its own empty directory, one or more hostile files (or FIFOs,
symlinks, directories...) next to `good/portfolio-context.yaml`, a complete contract that
must still be evaluated. The case names the findings the run must report (rule, path,
line, column, message fragment), the exit code, and optionally a further check on the
JSON report. Large inputs (the 100 MB file) are generated here rather than committed.

    python tests/adversarial/make_corpus.py OUTDIR      # write every case for a look
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
GOOD_SOURCE = HERE.parent / "fixtures" / "canonical" / "portfolio-context.yaml"
GOOD_PATH = "good/portfolio-context.yaml"  # as reports show it (relative to the case dir)
GOOD_RULE = "TST-001"  # the one rule of the tiny pack the tests pass with --policies
GOOD_ID = "quillon-corebank-modernisation-2026"

# The envelope of a hostile contract: five lines, so the hostile part starts on line 6.
HEAD = (
    "apiVersion: vendorpolicy/v1\n"
    "kind: Contract\n"
    "metadata:\n"
    "  id: hostile\n"
    "  vendor: hostile-vendor\n"
)

YAML11_BOOLEANS = [
    "y",
    "Y",
    "yes",
    "Yes",
    "YES",
    "n",
    "N",
    "no",
    "No",
    "NO",
    "on",
    "On",
    "ON",
    "off",
    "Off",
    "OFF",
]
TRUE_FALSE = ["true", "True", "TRUE", "false", "False", "FALSE"]


@dataclass(frozen=True)
class Finding:
    """A result the run must contain: status fail, this rule, path, position, message part."""

    path: str
    rule: str
    line: int
    column: int
    fragment: str


Report = dict[str, Any]
Check = Callable[[Report, Path], None]


@dataclass(frozen=True)
class Case:
    id: str
    build: Callable[[Path], list[str]]  # writes the inputs; returns extra PATH arguments
    expect: tuple[Finding, ...] = ()
    exit_code: int = 1
    check: Check | None = None
    xfail: str | None = None  # a known bug outside the loader (strict: fix -> remove)
    big: tuple[str, ...] = field(default=())  # files to delete as soon as the run is over


def good_text(doc_id: str = GOOD_ID) -> str:
    return GOOD_SOURCE.read_text(encoding="utf-8").replace(f"id: {GOOD_ID}", f"id: {doc_id}")


GOOD_LINES = good_text().count("\n")


def write(folder: Path, name: str, data: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def _file(name: str, data: str | bytes | Callable[[], str | bytes]) -> Callable[[Path], list[str]]:
    def build(folder: Path) -> list[str]:
        write(folder, name, data() if callable(data) else data)
        return []

    return build


def case(
    id_: str,
    data: str | bytes | Callable[[], str | bytes],
    line: int,
    column: int,
    fragment: str,
    rule: str = "VP-YAML",
    name: str = "bad.yaml",
    **kw: Any,
) -> Case:
    """The common shape: one hostile file, one finding."""
    return Case(id_, _file(name, data), (Finding(name, rule, line, column, fragment),), **kw)


def billion_laughs() -> str:
    lines = ["lol0: &a0 [" + ", ".join(["lol"] * 9) + "]"]
    lines += [f"lol{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
    return HEAD + "labels:\n" + "".join("  " + x + "\n" for x in lines)


def quadratic() -> str:
    row = "a: &a [" + ", ".join(["x"] * 3000) + "]\n"
    return HEAD + row + "b: [" + ", ".join(["*a"] * 3000) + "]\n"


def alias_bomb_across_documents() -> str:
    doc = HEAD + "a: &a [" + ", ".join(["1"] * 300) + "]\nb: [" + ", ".join(["*a"] * 300) + "]\n"
    return "---\n".join([doc] * 50)


def hundred_mb(folder: Path) -> list[str]:
    """A 100 MB file of plausible YAML (written for real, not sparse)."""
    block = (HEAD + "".join(f"  note_{i}: some contract text here\n" for i in range(1000))) * 8
    chunk = block.encode()
    target = 100 * 1024 * 1024
    with (folder / "huge.yaml").open("wb") as fh:
        written = 0
        while written < target:
            written += fh.write(chunk[: target - written])
    return []


def ten_thousand_documents() -> str:
    return "".join(f"--- text {i}\n" for i in range(10_000))


def countries(spellings: list[str]) -> str:
    docs = []
    for i, word in enumerate(spellings):
        text = good_text(f"spelling-{i}")
        assert '  country: "DE"\n' in text
        docs.append(text.replace('  country: "DE"\n', f"  country: {word}\n"))
    return "---\n".join(docs)


def check_countries(spellings: list[str]) -> Check:
    def check(report: Report, folder: Path) -> None:
        for i, word in enumerate(spellings):
            mine = [r for r in report["results"] if r["document"] == f"spelling-{i}"]
            line = 26 + i * (GOOD_LINES + 1)  # vendor.country in document i
            if word == "NO":  # Norway: a valid country, so the document is evaluated
                assert any(r["rule"] == GOOD_RULE and r["status"] == "pass" for r in mine), mine
                continue
            shown = word.lower() if word in TRUE_FALSE else f'"{word}"'  # bool vs text
            assert any(
                r["rule"] == "VP-SCHEMA"
                and r["line"] == line
                and r["column"] == 3
                and f"vendor.country: {shown} " in r["message"]
                for r in mine
            ), (word, mine)

    return check


def multi_good_bad() -> str:
    return good_text("second-contract") + "---\n" + HEAD + "title: a\ntitle: b\n"


def multi_good_syntax() -> str:
    return good_text("second-contract") + "---\n" + HEAD + "title: [a,\n"


def check_second_contract_evaluated(report: Report, folder: Path) -> None:
    assert any(
        r["document"] == "second-contract" and r["rule"] == GOOD_RULE and r["status"] == "pass"
        for r in report["results"]
    ), "the good document of a broken stream was not evaluated"


def fifo(folder: Path) -> list[str]:
    os.mkfifo(folder / "pipe.yaml")
    return []


def fifo_explicit(folder: Path) -> list[str]:
    (folder / "elsewhere").mkdir()
    os.mkfifo(folder / "elsewhere" / "pipe.yml")
    return ["elsewhere/pipe.yml"]


def symlink_to_device(folder: Path) -> list[str]:
    (folder / "zero.yaml").symlink_to("/dev/zero")
    return []


def dangling_symlink(folder: Path) -> list[str]:
    (folder / "gone.yaml").symlink_to(folder / "deleted-long-ago.yaml")
    return []


def file_symlink_loop(folder: Path) -> list[str]:
    (folder / "a.yaml").symlink_to("b.yaml")
    (folder / "b.yaml").symlink_to("a.yaml")
    return []


def directory_symlink_loop(folder: Path) -> list[str]:
    """Loops inside the tree: `self -> .` and `loops/up -> ..` (never followed)."""
    write(folder, "loops/bad.yaml", HEAD + "title: !!binary aGk=\n")
    (folder / "loops" / "up").symlink_to("..", target_is_directory=True)
    (folder / "self").symlink_to(".", target_is_directory=True)
    return []


def check_each_file_once(report: Report, folder: Path) -> None:
    paths = sorted(d["path"] for d in report["documents"])
    assert paths == ["good/portfolio-context.yaml", "loops/bad.yaml"], paths


def unreadable(folder: Path) -> list[str]:
    """chmod 000; root reads anything, so there a dangling symlink stands in."""
    if os.geteuid() == 0:
        (folder / "secret.yaml").symlink_to(folder / "no-such-target.yaml")
    else:
        write(folder, "secret.yaml", HEAD).chmod(0)
    return []


UNREADABLE_FRAGMENT = (
    "broken symbolic link" if hasattr(os, "geteuid") and os.geteuid() == 0 else "permissions"
)


def directory_named_yaml(folder: Path) -> list[str]:
    write(folder, "contract.yaml/inner.yaml", HEAD + "title: !!binary aGk=\n")
    return ["contract.yaml"]


def empty_directory(folder: Path) -> list[str]:
    (folder / "contracts-typo").mkdir()
    return ["contracts-typo"]


def check_empty_directory_reported(report: Report, folder: Path) -> None:
    assert any("contracts-typo" in r["path"] for r in report["results"]), (
        "an explicitly given directory without YAML files is silently accepted"
    )


def odd_filename(name: str) -> Callable[[Path], list[str]]:
    def build(folder: Path) -> list[str]:
        (folder / os.fsdecode(name.encode("utf-8", "surrogateescape"))).write_bytes(
            (HEAD + "title: !!binary aGk=\n").encode()
        )
        return []

    return build


def policy_in_contracts(valid: bool) -> str:
    rule = (
        "  - id: SMUGGLED-001\n    title: Always passes\n    severity: low\n"
        "    match: {kind: Contract}\n    check: '`true`'\n"
    )
    if not valid:
        rule = "  - title: no id\n    check: '`true`'\n"
    return (
        "apiVersion: vendorpolicy/v1\nkind: Policy\nmetadata:\n  id: smuggled\n"
        "  title: A policy among the contracts\nrules:\n" + rule
    )


def crlf(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode()


def deep_block_map(levels: int) -> str:
    return HEAD + "labels:\n" + "".join(" " * (i + 1) + "k:\n" for i in range(levels))


CASES: list[Case] = [
    # ---------------------------------------------------------------- bytes and encodings
    case("nul-bytes", HEAD + "title: a\x00b\n", 6, 9, "NUL bytes"),
    case("binary-png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, 3, 1, "NUL bytes"),
    case("binary-no-nul", b"\x89PNG\r\n\x1a\n" + bytes(range(1, 256)), 1, 1, "0x89"),
    case("latin1", HEAD.encode() + b"title: Soci\xe9t\xe9\n", 6, 12, "invalid UTF-8 byte 0xe9"),
    case("cp1252-quotes", HEAD.encode() + b"title: \x93q\x94\n", 6, 8, "invalid UTF-8 byte 0x93"),
    case("truncated-utf8", HEAD.encode() + "title: €".encode()[:-1] + b"\n", 6, 8, "0xe2"),
    case("utf16-le-bom", lambda: good_text("u16").encode("utf-16"), 1, 1, "UTF-16"),
    case(
        "utf16-be-bom", lambda: b"\xfe\xff" + good_text("u16").encode("utf-16-be"), 1, 1, "UTF-16"
    ),
    case("utf16-no-bom", lambda: good_text("u16").encode("utf-16-le"), 1, 2, "NUL bytes"),
    case("utf32-bom", lambda: good_text("u32").encode("utf-32"), 1, 1, "UTF-32"),
    case("control-char", HEAD + "title: bell\x07\n", 6, 12, "control character U+0007"),
    case("c1-control", HEAD + "title: x\u0085\u0080\n", 6, 10, "control character U+0080"),
    case(
        "utf8-bom-dup-key",
        b"\xef\xbb\xbf" + (HEAD + "title: a\ntitle: b\n").encode(),
        7,
        1,
        "first defined on line 6",
    ),
    # ---------------------------------------------------------------- line ends
    case("crlf-dup-key", crlf(HEAD + "title: a\ntitle: b\n"), 7, 1, "first defined on line 6"),
    case(
        "cr-only-dup-key",
        (HEAD + "title: a\ntitle: b\n").replace("\n", "\r").encode(),
        7,
        1,
        "first defined on line 6",
    ),
    case(
        "mixed-eol-tag",
        "apiVersion: vendorpolicy/v1\r\nkind: Contract\rmetadata:\n"
        "  id: hostile\r\n  vendor: hostile-vendor\rtitle: !!set {a}\n",
        6,
        8,
        "!!set",
    ),
    case(
        "crlf-schema",
        crlf(HEAD + "bogus_field: 1\n"),
        6,
        1,
        "unknown field 'bogus_field'",
        rule="VP-SCHEMA",
    ),
    # ---------------------------------------------------------------- size
    case(
        "one-mb-value",
        HEAD + "title: " + "x" * (1 << 20) + "\n",
        6,
        8,
        "1,048,576 characters exceeds the limit",
    ),
    case(
        "one-mb-comment-line",
        HEAD + "# " + "x" * (1 << 20) + "\ntitle: !!binary aGk=\n",
        7,
        8,
        "!!binary",
    ),
    case(
        "one-mb-flow-line",
        HEAD + "labels: [" + "1," * 400_000 + "1]\n",
        6,
        499_984,
        "more than 250,000 values",
    ),
    Case(
        "hundred-mb",
        hundred_mb,
        (Finding("huge.yaml", "VP-YAML", 1, 1, "104,857,600 bytes, more than the limit"),),
        big=("huge.yaml",),
    ),
    case(
        "key-2000-chars", HEAD + "k" * 2000 + ": 1\n", 6, 2001, "a key longer than 1024 characters"
    ),
    case(
        "key-1000-chars", HEAD + "k" * 1000 + ": 1\n", 6, 1, "unknown field 'kkkk", rule="VP-SCHEMA"
    ),
    case("ten-thousand-documents", ten_thousand_documents, 1001, 1, "more than 1,000 documents"),
    case(
        "node-limit",
        HEAD + "labels: [" + ", ".join(["1"] * 260_000) + "]\n",
        6,
        749_971,
        "more than 250,000 values",
    ),
    # ---------------------------------------------------------------- structure
    case("tab-indent", HEAD + "vendor:\n\tlegal_name: x\n", 7, 1, "tab characters"),
    case("empty", "", 1, 1, "the file is empty"),
    case("whitespace-only", "  \n\n \n", 1, 1, "the file is empty"),
    case("comment-only", "# nothing yet\n# really\n", 1, 1, "the file is empty"),
    case("only-dashes", "---\n", 1, 1, "the document is empty"),
    case("only-dots", "...\n", 1, 1, "YAML syntax error"),
    case("scalar-document", "just a string\n", 1, 1, "the document is the scalar"),
    case(
        "list-document",
        "- apiVersion: vendorpolicy/v1\n- kind: Contract\n",
        1,
        1,
        "the document is a list",
    ),
    case("yaml-2-directive", "%YAML 2.0\n---\n" + HEAD, 1, 1, "YAML syntax error"),
    case("unclosed-flow", HEAD + "labels: {a: [1, 2}\n", 6, 18, "YAML syntax error"),
    Case(
        "multi-good-then-bad",
        _file("bad.yaml", multi_good_bad),
        (Finding("bad.yaml", "VP-YAML", GOOD_LINES + 8, 1, "first defined on line"),),
        check=check_second_contract_evaluated,
    ),
    Case(
        "multi-good-then-syntax-error",
        _file("bad.yaml", multi_good_syntax),
        (Finding("bad.yaml", "VP-YAML", GOOD_LINES + 8, 1, "YAML syntax error"),),
        check=check_second_contract_evaluated,
    ),
    # ---------------------------------------------------------------- aliases and nesting
    case("billion-laughs", billion_laughs, 12, 14, "alias bomb"),
    case("quadratic-aliases", quadratic, 7, 137, "alias bomb"),
    case("alias-bomb-across-documents", alias_bomb_across_documents, 15, 133, "alias bomb"),
    case("recursive-alias", HEAD + "labels: &r {self: *r}\n", 6, 19, "recursive alias"),
    case("undefined-alias", HEAD + "title: *nowhere\n", 6, 8, "refers to no anchor"),
    case("duplicate-anchor", HEAD + "a: &x 1\nb: &x 2\n", 7, 4, "defined twice"),
    case(
        "alias-depth",
        HEAD + "a: &a " + "[" * 40 + "]" * 40 + "\nb: " + "[" * 30 + "*a" + "]" * 30 + "\n",
        7,
        34,
        "nests deeper than 64 levels",
    ),
    case(
        "deep-flow-10k",
        HEAD + "labels: " + "[" * 10_000 + "]" * 10_000 + "\n",
        6,
        72,
        "nesting deeper than 64 levels",
    ),
    case(
        "deep-flow-map-10k",
        HEAD + "labels: " + "{a: " * 10_000 + "1" + "}" * 10_000 + "\n",
        6,
        261,
        "nesting deeper than 64 levels",
    ),
    case(
        "deep-flow-unclosed-1M",
        HEAD + "labels: " + "[" * 1_000_000 + "\n",
        6,
        72,
        "nesting deeper than 64 levels",
    ),
    case(
        "deep-block-seq-10k",
        HEAD + "labels:\n" + "- " * 10_000 + "x\n",
        7,
        127,
        "nesting deeper than 64 levels",
    ),
    case("deep-block-map", deep_block_map(1_000), 70, 65, "nesting deeper than 64 levels"),
    # ---------------------------------------------------------------- scalars
    case("huge-int", HEAD + "title: " + "9" * 5000 + "\n", 6, 8, "an integer of 5000 digits"),
    case("huge-float", HEAD + "title: 1e999\n", 6, 8, "out of range"),
    case("nan", HEAD + "title: .nan\n", 6, 8, "not-a-number"),
    case("inf", HEAD + "title: .inf\n", 6, 8, "infinity"),
    case("minus-inf", HEAD + "title: -.INF\n", 6, 8, "infinity"),
    case("octal", HEAD + "title: 0o777\n", 6, 8, "octal or hexadecimal"),
    case("hex", HEAD + "title: 0xDEADBEEF\n", 6, 8, "octal or hexadecimal"),
    case("leading-zero", HEAD + "title: 0755\n", 6, 8, "leading zero"),
    case(
        "date-unquoted-invalid",
        HEAD + "dates:\n  signed: 2026-02-30\n",
        7,
        3,
        '"2026-02-30" is not a valid date',
        rule="VP-SCHEMA",
    ),
    Case(
        "yaml11-booleans-as-countries",
        _file("bad.yaml", lambda: countries(YAML11_BOOLEANS)),
        check=check_countries(YAML11_BOOLEANS),
    ),
    Case(
        "true-false-as-countries",
        _file("bad.yaml", lambda: countries(TRUE_FALSE)),
        check=check_countries(TRUE_FALSE),
    ),
    # ---------------------------------------------------------------- keys
    case("int-key", HEAD + "1: one\n", 6, 1, "the key '1' is read as a number"),
    case("bool-key", HEAD + "yes: 1\nTrue: 2\n", 7, 1, "the key 'True' is read as a boolean"),
    case("null-key", HEAD + "~: x\n", 6, 1, "read as null"),
    case("complex-key", HEAD + "? [a, b]\n: x\n", 6, 3, "a mapping key must be plain text"),
    case("flow-map-key", HEAD + "{a: 1}: x\n", 6, 1, "a mapping key must be plain text"),
    case("merge-key", HEAD + "base: &b {x: 1}\nvendor:\n  <<: *b\n", 8, 3, "merge keys (<<)"),
    case("dup-key-top", HEAD + "title: a\nterm: b\ntitle: c\n", 8, 1, "first defined on line 6"),
    case(
        "dup-key-nested",
        HEAD.replace("  vendor: hostile-vendor\n", "  vendor: v\n  id: again\n"),
        6,
        3,
        "duplicate key 'id' (first defined on line 4)",
    ),
    case("dup-key-quoted", HEAD + '"kind": Attestation\n', 6, 1, "duplicate key 'kind'"),
    # ---------------------------------------------------------------- tags
    case(
        "python-object",
        HEAD + "title: !!python/object:os.system {}\n",
        6,
        8,
        "!!python/object:os.system is not allowed",
    ),
    case(
        "python-object-apply",
        HEAD + "title: !!python/object/apply:os.system [echo pwned]\n",
        6,
        8,
        "!!python/object/apply:os.system is not allowed",
    ),
    case(
        "python-object-new",
        HEAD + "title: !!python/object/new:type [x, [], {}]\n",
        6,
        8,
        "!!python/object/new:type",
    ),
    case(
        "python-name", HEAD + "title: !!python/name:os.system ''\n", 6, 8, "!!python/name:os.system"
    ),
    case(
        "python-module",
        HEAD + "title: !!python/module:subprocess ''\n",
        6,
        8,
        "!!python/module:subprocess",
    ),
    case("binary-tag", HEAD + "title: !!binary aGVsbG8=\n", 6, 8, "!!binary"),
    case("set-tag", HEAD + "title: !!set {a, b}\n", 6, 8, "!!set"),
    case("omap-tag", HEAD + "title: !!omap [a: 1]\n", 6, 8, "!!omap"),
    case("timestamp-tag", HEAD + "title: !!timestamp 2026-01-01\n", 6, 8, "!!timestamp"),
    case("local-tag", HEAD + "title: !vault secret\n", 6, 8, "!vault is not allowed"),
    case(
        "tag-directive",
        "%TAG !x! tag:evil.example,2026:\n---\n" + HEAD + "title: !x!run y\n",
        8,
        8,
        "tag:evil.example,2026:run",
    ),
    # ---------------------------------------------------------------- envelope and kinds
    case(
        "typo-apiversion",
        HEAD.replace("vendorpolicy/v1", "vendorpolicy/v1beta1"),
        1,
        1,
        "unknown apiVersion 'vendorpolicy/v1beta1'",
        rule="VP-SCHEMA",
    ),
    case(
        "missing-apiversion",
        HEAD.split("\n", 1)[1],
        1,
        1,
        "apiVersion is missing",
        rule="VP-SCHEMA",
    ),
    case(
        "unknown-kind",
        HEAD.replace("kind: Contract", "kind: Contrakt"),
        2,
        1,
        "unknown kind 'Contrakt'",
        rule="VP-SCHEMA",
    ),
    case(
        "contract-missing-required",
        HEAD,
        1,
        1,
        "required field 'classification' is missing",
        rule="VP-SCHEMA",
    ),
    case("policy-malformed-in-contracts", policy_in_contracts(False), 7, 5, "id", rule="VP-SCHEMA"),
    case(
        "policy-in-contracts",
        policy_in_contracts(True),
        2,
        1,
        "Policy",
        rule="VP-SCHEMA",
    ),
    # ---------------------------------------------------------------- the file system
    Case("fifo-in-tree", fifo, (Finding("pipe.yaml", "VP-YAML", 1, 1, "not a regular file"),)),
    Case(
        "fifo-explicit",
        fifo_explicit,
        (Finding("elsewhere/pipe.yml", "VP-YAML", 1, 1, "not a regular file"),),
    ),
    Case(
        "dev-zero-explicit",
        lambda folder: ["/dev/zero"],
        (Finding("/dev/zero", "VP-YAML", 1, 1, "not a regular file"),),
    ),
    Case(
        "symlink-to-dev-zero",
        symlink_to_device,
        (Finding("zero.yaml", "VP-YAML", 1, 1, "not a regular file"),),
    ),
    Case(
        "dangling-symlink",
        dangling_symlink,
        (Finding("gone.yaml", "VP-YAML", 1, 1, "broken symbolic link"),),
    ),
    Case(
        "file-symlink-loop",
        file_symlink_loop,
        (
            Finding("a.yaml", "VP-YAML", 1, 1, "symbolic link loop"),
            Finding("b.yaml", "VP-YAML", 1, 1, "symbolic link loop"),
        ),
    ),
    Case(
        "directory-symlink-loop",
        directory_symlink_loop,
        (Finding("loops/bad.yaml", "VP-YAML", 6, 8, "!!binary"),),
        check=check_each_file_once,
    ),
    Case(
        "unreadable-file",
        unreadable,
        (Finding("secret.yaml", "VP-YAML", 1, 1, UNREADABLE_FRAGMENT),),
    ),
    Case(
        "directory-named-like-a-file",
        directory_named_yaml,
        (Finding("contract.yaml/inner.yaml", "VP-YAML", 6, 8, "!!binary"),),
    ),
    Case(
        "path-does-not-exist",
        lambda folder: ["contracts/missing.yaml"],
        (Finding("contracts/missing.yaml", "VP-YAML", 1, 1, "no such file"),),
    ),
    Case(
        "empty-directory-given",
        empty_directory,
        check=check_empty_directory_reported,
    ),
    Case(
        "newline-in-filename",
        odd_filename("bad\nname.yaml"),
        (Finding("bad\nname.yaml", "VP-YAML", 6, 8, "!!binary"),),
    ),
    Case(
        "non-utf8-filename",
        odd_filename("bad\udcffname.yaml"),
        # reports show the byte that is not UTF-8 as U+FFFD: every report stays UTF-8
        (Finding("bad\ufffdname.yaml", "VP-YAML", 6, 8, "!!binary"),),
    ),
]


def prepare(case_: Case, folder: Path) -> list[str]:
    """Write a case's inputs (and the good contract) into an empty folder; PATH arguments."""
    write(folder, GOOD_PATH, GOOD_SOURCE.read_bytes())
    extra = case_.build(folder)
    return [".", *extra]


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__)
        return 2
    out = Path(argv[1])
    for c in CASES:
        folder = out / c.id
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        if c.id != "hundred-mb":
            prepare(c, folder)
    print(f"{len(CASES)} cases in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
