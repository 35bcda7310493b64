"""`.vendorpolicy.yaml`: found upwards from the working directory or given, schema-checked."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vendorpolicy import loader, schemas
from vendorpolicy.errors import ConfigError
from vendorpolicy.resources import display_path

CONFIG_NAME = ".vendorpolicy.yaml"


@dataclass(frozen=True)
class Config:
    """The organisation settings; paths are absolute (resolved against the file's folder)."""

    path: Path | None = None
    roots: tuple[Path, ...] = ()
    exclude: tuple[str, ...] = ()
    policies: tuple[Path, ...] = ()
    params: dict[str, Any] = field(default_factory=dict)
    fail_on: str | None = None
    outputs: dict[str, str] = field(default_factory=dict)
    format: str | None = None
    jobs: int | None = None
    waivers_enabled: bool = True
    waiver_paths: tuple[str, ...] = ()
    cache_enabled: bool = True
    cache_path: Path | None = None
    policy_digest: str | None = None
    junit_family: str | None = None

    @property
    def base(self) -> Path:
        return self.path.parent if self.path else Path.cwd()


def find_config(start: Path | None = None) -> Path | None:
    """The nearest `.vendorpolicy.yaml` in the working directory or one of its parents."""
    here = (start or Path.cwd()).resolve()
    for d in (here, *here.parents):
        candidate = d / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def load_config(path: Path | None) -> Config:
    """Read and validate a config file; any problem is a ConfigError with file:line."""
    if path is None:
        return Config()
    shown = display_path(path)
    if not path.is_file():
        raise ConfigError("config file not found; check --config", shown)
    loaded = loader.read_file(shown, str(path))
    problems = list(loaded.problems)
    if not problems and len(loaded.documents) != 1:
        raise ConfigError("a config file holds exactly one YAML document", shown)
    doc = loaded.documents[0] if loaded.documents else None
    if doc is not None:
        problems += [p for p in doc.problems if p.rule == "VP-YAML"]
    if problems:
        p = problems[0]
        raise ConfigError(p.message, f"{shown}:{p.line}:{p.column}")
    assert doc is not None
    if not isinstance(doc.data, dict):
        raise ConfigError("the config file must be a mapping of settings", f"{shown}:1:1")
    for p in schemas.SchemaSet.default().validate_data(doc.data, "Config", doc.sourcemap):
        raise ConfigError(p.message, f"{shown}:{p.line}:{p.column}")
    data = doc.data
    base = path.parent
    waivers = data.get("waivers") or {}
    cache = data.get("cache") or {}
    return Config(
        path=path,
        roots=tuple(base / r for r in data.get("roots") or ()),
        exclude=tuple(data.get("exclude") or ()),
        policies=tuple(base / p for p in data.get("policies") or ()),
        params=dict(data.get("params") or {}),
        fail_on=data.get("fail_on"),
        outputs=dict(data.get("outputs") or {}),
        format=data.get("format"),
        jobs=data.get("jobs"),
        waivers_enabled=bool(waivers.get("enabled", True)),
        waiver_paths=tuple(waivers.get("paths") or ()),
        cache_enabled=bool(cache.get("enabled", True)),
        cache_path=base / cache["path"] if cache.get("path") else None,  # a directory
        policy_digest=data.get("policy_digest"),
        junit_family=data.get("junit_family"),
    )
