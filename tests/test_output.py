"""Report files are written atomically: a failure mid-write leaves no partial file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from vendorpolicy import output


def _chunks_then_crash() -> Iterator[str]:
    yield "<?xml version='1.0'?>\n<testsuites>\n"
    yield "  <testsuite name='a'>\n"
    raise OSError("disk full (injected)")


def test_failure_mid_write_leaves_no_partial_file(tmp_path: Path) -> None:
    target = tmp_path / "reports" / "vp.xml"
    with pytest.raises(OSError, match="injected"):
        output.write_atomic(target, _chunks_then_crash())
    assert not target.exists()
    assert list((tmp_path / "reports").iterdir()) == []  # no temporary file left behind


def test_failure_mid_write_keeps_the_previous_report(tmp_path: Path) -> None:
    target = tmp_path / "vp.json"
    output.write_atomic(target, '{"old": true}\n')
    with pytest.raises(OSError):
        output.write_atomic(target, _chunks_then_crash())
    assert target.read_text() == '{"old": true}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["vp.json"]


def test_chunks_and_text_give_the_same_file(tmp_path: Path) -> None:
    output.write_atomic(tmp_path / "a", "x" * 10 + "é\n")
    output.write_atomic(tmp_path / "b", iter(["x" * 5, "x" * 5, "é\n"]))
    assert (tmp_path / "a").read_bytes() == (tmp_path / "b").read_bytes()
