"""Orchestration only: discover, load, validate, evaluate, waive -> Report.

The core returns a Report; only the CLI prints and exits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from vendorpolicy import __version__, discovery, engine, loader, schemas, waivers
from vendorpolicy.config import Config
from vendorpolicy.context import RunContext
from vendorpolicy.errors import ConfigError, UsageError
from vendorpolicy.loader import Document, LoadedFile, Problem
from vendorpolicy.model import (
    VP_SCHEMA,
    VP_YAML,
    DocumentInfo,
    Evidence,
    Report,
    Result,
    RuleInfo,
    Severity,
    Status,
    failing,
    summarise,
)
from vendorpolicy.policy import PolicySet, load_policies


@dataclass(frozen=True)
class Options:
    """What `check`/`validate` were asked to do, after CLI and config are merged."""

    paths: tuple[str, ...] = ()
    policy_dirs: tuple[Path, ...] = ()
    params: tuple[str, ...] = ()
    as_of: str | None = None
    fail_on: Severity = Severity.LOW
    jobs: int = 1
    validate_only: bool = False
    hook: bool = False
    use_cache: bool = True
    cache_path: Path | None = None
    waivers: waivers.WaiverPolicy = field(default_factory=waivers.WaiverPolicy)
    policy_digest: str | None = None
    command: tuple[str, ...] = ()


def evaluation_date(as_of: str | None) -> str:
    """--as-of, else today in UTC (never the local date: runs must be reproducible)."""
    if as_of is None:
        return dt.datetime.now(dt.timezone.utc).date().isoformat()
    try:
        return dt.date.fromisoformat(as_of).isoformat()
    except ValueError:
        raise UsageError(f"--as-of {as_of!r} is not a date (YYYY-MM-DD)") from None


def problem_result(doc_path: str, problem: Problem, doc: Document | None) -> Result:
    return Result(
        rule=problem.rule,
        status=Status.FAIL,
        severity=Severity.CRITICAL,
        path=doc_path,
        line=problem.line,
        column=problem.column,
        message=problem.message,
        document=doc.id if doc is not None else None,
        kind=doc.kind if doc is not None else None,
        vendor=doc.vendor if doc is not None else None,
        title="Readable, strict YAML" if problem.rule == VP_YAML else "Valid document",
        pointer=problem.pointer,
        evidence=problem.evidence,
    )


def _pass(doc: Document) -> Result:
    pos = doc.sourcemap.root.position
    return Result(
        rule=VP_SCHEMA,
        status=Status.PASS,
        severity=Severity.CRITICAL,
        path=doc.path,
        line=pos.line,
        column=pos.column,
        message="",
        document=doc.id,
        kind=doc.kind,
        vendor=doc.vendor,
        title="Valid document",
    )


def load_sources(sources: Sequence[discovery.Source], jobs: int = 1) -> list[LoadedFile]:
    """Read and schema-check every source (in order)."""
    checker = schemas.SchemaSet.default()
    out: list[LoadedFile] = []
    for src in sources:
        loaded = loader.read_file(src.display, src.fs_path)
        for doc in loaded.documents:
            if not doc.problems:
                doc.problems.extend(checker.validate(doc))
        out.append(loaded)
    return out


def duplicate_ids(files: Sequence[LoadedFile]) -> None:
    """Two documents with the same metadata.id: a VP-SCHEMA problem on each, naming the other."""
    seen: dict[str, list[Document]] = {}
    for f in files:
        for doc in f.documents:
            if doc.data is not None and doc.id is not None and doc.kind != "Policy":
                seen.setdefault(doc.id, []).append(doc)
    for doc_id, docs in seen.items():
        if len(docs) < 2:
            continue
        for doc in docs:
            others = [
                f"{o.path}:{o.sourcemap.position(('metadata', 'id')).line}"
                for o in docs
                if o is not doc
            ]
            pos = doc.sourcemap.position(("metadata", "id"))
            doc.problems.append(
                Problem(
                    VP_SCHEMA,
                    f"metadata.id {doc_id!r} is also used by {', '.join(others)}; "
                    "ids must be unique across the repository",
                    pos.line,
                    pos.column,
                    "/metadata/id",
                )
            )


def file_results(loaded: LoadedFile) -> list[Result]:
    """VP-YAML / VP-SCHEMA results of one file (failures, or one pass per valid document)."""
    out = [problem_result(loaded.path, p, None) for p in loaded.problems]
    for doc in loaded.documents:
        if doc.problems:
            out.extend(problem_result(loaded.path, p, doc) for p in doc.problems)
        else:
            out.append(_pass(doc))
    return out


def document_infos(files: Sequence[LoadedFile]) -> list[DocumentInfo]:
    infos = []
    for f in files:
        if not f.documents:
            infos.append(DocumentInfo(f.path, None, None, None, f.sha256))
        for doc in f.documents:
            infos.append(
                DocumentInfo(f.path, doc.kind, doc.id, doc.vendor, f.sha256, doc.index, doc.line)
            )
    return infos


def _targets_and_context(
    options: Options, config: Config
) -> tuple[list[discovery.Source], list[discovery.Source]]:
    exclude = config.exclude
    roots = [str(r) for r in config.roots]
    if options.paths:
        targets = discovery.discover(options.paths, exclude)
        context = discovery.discover(roots, exclude) if roots else []
    else:
        targets = discovery.discover(roots or ["."], exclude)
        context = []
    names = {t.display for t in targets}
    return targets, [c for c in context if c.display not in names]


def run(options: Options, config: Config) -> Report:
    """The whole check (or validate) run."""
    as_of = evaluation_date(options.as_of)
    policies: PolicySet | None = None
    if not options.validate_only:
        policies = load_policies(options.policy_dirs, config.params, options.params)
        if options.policy_digest and options.policy_digest != policies.digest:
            raise ConfigError(
                f"policy digest mismatch: the loaded policies and parameters hash to "
                f"{policies.digest}, but the gate is pinned to {options.policy_digest}; "
                "the policy set or its parameters changed (review the change, then update the pin)"
            )
    targets, context_sources = _targets_and_context(options, config)
    target_files = load_sources(targets, options.jobs)
    context_files = load_sources(context_sources, options.jobs)
    duplicate_ids([*target_files, *context_files])

    results: list[Result] = []
    for f in target_files:
        results.extend(file_results(f))
    rules_info: list[RuleInfo] = []
    digest = "sha256:" + "0" * 64
    params: dict[str, object] = {}
    policy_files: tuple[tuple[str, str], ...] = ()
    if policies is not None:
        rules_info = [r.info for r in policies.rules]
        digest = policies.digest
        params = policies.params
        policy_files = tuple(policies.files)
        results.extend(_evaluate(policies, target_files, context_files, as_of, options))

    results.sort(key=Result.sort_key)
    infos = document_infos(target_files)
    exit_code = 1 if any(failing(r, options.fail_on) for r in results) else 0
    evidence = Evidence(
        tool_version=__version__,
        as_of=as_of,
        policy_digest=digest,
        params=params,
        command=options.command,
        fail_on=options.fail_on,
        policy_files=policy_files,
    )
    return Report(
        evidence=evidence,
        documents=tuple(infos),
        results=tuple(results),
        rules=tuple(rules_info),
        exit_code=exit_code,
        summary=summarise(results, len(infos)),
    )


def _evaluate(
    policies: PolicySet,
    target_files: Sequence[LoadedFile],
    context_files: Sequence[LoadedFile],
    as_of: str,
    options: Options,
) -> list[Result]:
    all_files = [*target_files, *context_files]
    valid = [
        (f, d) for f in all_files for d in f.documents if not d.problems and d.data is not None
    ]
    context = RunContext(((d.path, d.index), d.kind or "", d.mapping) for _, d in valid)
    nullable = schemas.nullable_paths("Contract") | schemas.nullable_paths("Attestation")
    settings = engine.Settings(as_of=as_of, nullable=nullable)
    target_paths = {f.path for f in target_files}
    results: list[Result] = []
    evaluated: set[str] = set()
    for f, doc in valid:
        if f.path not in target_paths or doc.kind == "Policy":
            continue
        if doc.id:
            evaluated.add(doc.id)
        results.extend(engine.evaluate(doc, policies.rules, context, settings))
    waiver_docs = [d for _, d in valid if d.kind == "Waiver"]
    rule_ids = {r.id for r in policies.rules}
    report_paths = target_paths if context_files else None
    results, findings = waivers.apply(
        results,
        waiver_docs,
        rule_ids,
        as_of,
        _waiver_policy(options, policies),
        evaluated,
        report_paths,
    )
    return results + findings


def _waiver_policy(options: Options, policies: PolicySet) -> waivers.WaiverPolicy:
    limit = policies.params.get("max_waiver_days")
    return replace(
        options.waivers, max_waiver_days=int(limit) if isinstance(limit, (int, float)) else None
    )


def outcome_counts(results: Sequence[Result]) -> dict[str, int]:
    counts = {s.value: 0 for s in Status}
    for r in results:
        counts[r.status.value] += 1
    return counts
