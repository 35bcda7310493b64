"""Orchestration only: discover, load, validate, evaluate, waive -> Report.

The core returns a Report; only the CLI prints and exits.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from vendorpolicy import (
    __version__,
    cache,
    discovery,
    engine,
    loader,
    memory,
    parallel,
    schemas,
    waivers,
)
from vendorpolicy.cache import Entry, context_data
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
    Severity,
    Status,
)
from vendorpolicy.policy import PolicySet, load_policies
from vendorpolicy.progress import Progress
from vendorpolicy.sink import Finished, Sink, Spool
from vendorpolicy.sourcemap import LazySourceMap, Node, SourceMap
from vendorpolicy.waivers import WaiverSet


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
    # The CLI renders as it goes: keep_all=False keeps only findings in Report.results and
    # prerenders the named bodies (json_report.BODY, junit.body_key(family)); see sink.py.
    keep_all: bool = True
    bodies: tuple[str, ...] = ()
    progress: bool = False  # a progress line on stderr (the CLI: when it is a terminal)


ID_PATH = ("metadata", "id")
# files: below that, every source map is kept (~40 MB per 1,000 contracts); from there,
# a document with findings is read again for their positions (~0.4 ms each)
LAZY_POSITIONS_FROM = 2500
GENERATE_CODE_FROM = 1000  # files: from there, generating the rules' code pays (codegen.py)


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


def load_source(src: discovery.Source, lazy_positions: bool = False) -> LoadedFile:
    """Read and schema-check one source. With `lazy_positions`, documents are read
    without the positions of their nodes (building them is a tenth of reading) and keep
    only a way to rebuild their source map, which a problem's message or a finding asks
    for (large runs: positions also cost more memory than the data)."""
    checker = schemas.SchemaSet.default()
    loaded = loader.read_file(src.display, src.fs_path, every_position=not lazy_positions)
    if lazy_positions and (loaded.problems or any(d.problems for d in loaded.documents)):
        loaded = loader.read_file(src.display, src.fs_path)  # problems are placed at once
    for doc in loaded.documents:
        if lazy_positions and not doc.problems:
            id_node, depth = doc.sourcemap.node(ID_PATH)
            doc.sourcemap = LazySourceMap(
                doc.sourcemap.root,
                _positions_of(src, loaded.sha256, doc.index),
                {ID_PATH: id_node} if depth == len(ID_PATH) else {},
            )
        if not doc.problems:
            doc.problems.extend(checker.validate(doc))
    return loaded


def _positions_of(src: discovery.Source, sha256: str, index: int) -> Callable[[], Node | None]:
    def rebuild() -> Node | None:
        again = loader.read_file(src.display, src.fs_path)
        if again.sha256 != sha256 or len(again.documents) <= index:
            return None
        return again.documents[index].sourcemap.root

    return rebuild


def load_sources(
    sources: Sequence[discovery.Source], tick: Callable[[], None] | None = None
) -> list[LoadedFile]:
    """Read and schema-check every source, in order (`tick` after each)."""
    lazy = len(sources) > LAZY_POSITIONS_FROM
    out = []
    for src in sources:
        out.append(load_source(src, lazy))
        if tick is not None:
            tick()
    return out


def entries_of(loaded: LoadedFile) -> list[Entry]:
    """Context entries of a freshly read file (validity = no YAML or schema problem)."""
    out = []
    for doc in loaded.documents:
        valid = not doc.problems and isinstance(doc.data, dict)
        out.append(
            Entry(
                path=loaded.path,
                index=doc.index,
                kind=doc.kind,
                id=doc.id,
                vendor=doc.vendor,
                valid=valid,
                id_line=doc.sourcemap.position(("metadata", "id")).line,
                data=context_data(doc.kind, doc.data) if valid else None,
            )
        )
    return out


def duplicate_ids(files: Sequence[LoadedFile], entries: Sequence[Entry]) -> None:
    """Two documents with the same metadata.id: a VP-SCHEMA problem on each reported one,
    naming the other places (context documents count, so the hook sees them too)."""
    seen: dict[str, list[Entry]] = {}
    for e in entries:
        if e.id is not None and e.kind != "Policy":
            seen.setdefault(e.id, []).append(e)
    for f in files:
        for doc in f.documents:
            if doc.id is None or doc.kind == "Policy" or doc.data is None:
                continue
            same = seen.get(doc.id, [])
            others = [f"{o.path}:{o.id_line}" for o in same if o.key != (doc.path, doc.index)]
            if not others:
                continue
            pos = doc.sourcemap.position(("metadata", "id"))
            doc.problems.append(
                Problem(
                    VP_SCHEMA,
                    f"metadata.id {doc.id!r} is also used by {', '.join(sorted(others))}; "
                    "ids must be unique across the repository",
                    pos.line,
                    pos.column,
                    "/metadata/id",
                )
            )


def load_context(
    sources: Sequence[discovery.Source], cache_file: Path | None, root: Path
) -> list[Entry]:
    """Context entries of files not reported on, in the order a cold run gives them: from
    the index for files whose stat signature is the recorded one, read afresh otherwise."""
    if cache_file is None:
        return [e for f in load_sources(sources) for e in entries_of(f)]

    def reread(entry: Entry) -> cache.Data:
        """A document's data that the index lacks after all: from its file."""
        src = next(s for s in sources if s.display == entry.path)
        for e in entries_of(load_source(src)):
            if e.index == entry.index and e.data is not None:
                return e.data
        raise ValueError(f"{entry.path}: document {entry.index} changed during the run")

    def exists(key: str) -> bool:
        return os.path.exists(os.path.join(root, key))

    store = cache.ContextCache(cache_file)
    try:
        # What is built here lives until the run ends and holds no cycles (nor does what
        # reading a file leaves behind): keep the cycle collector from walking it, now
        # and later, as _run_here does for the parsed documents.
        with memory.collector_paused():
            snap = store.snapshot(reread)
            if snap is None:
                return [e for f in load_sources(sources) for e in entries_of(f)]
            keys = _cache_keyer(root)(sources)
            found = cache.match(snap, keys, sources)
            read: dict[int, list[Entry]] = {}
            updates = []
            misses = found.misses
            fresh = load_sources([sources[i] for i in misses])
            for i, loaded in zip(misses, fresh, strict=True):
                entries = read[i] = entries_of(loaded)
                sig = found.signatures[i]
                recordable = loaded.sha256 and not loaded.problems
                if sig is not None and recordable and cache.trusted(sig[0], sig[1], found.taken_at):
                    updates.append(cache.FileUpdate(keys[i], sig, loaded.sha256, entries))
            if updates or cache.worth_pruning(found.absent, len(snap.manifest.keys)):
                store.store(updates, set(keys), exists)
            context = found.entries(read)
            memory.keep_until_the_end()  # before the collector is back, or it walks them
        return context
    finally:
        store.close()


def _cache_key(fs_path: str, root: Path) -> str:
    return os.path.relpath(os.path.abspath(fs_path), root).replace(os.sep, "/")


def _cache_keyer(root: Path) -> Callable[[Sequence[discovery.Source]], list[str]]:
    """Index keys are paths relative to the repository root, whatever the working directory:
    display paths already are when the two coincide (the usual case, and the fast one)."""
    if os.path.abspath(os.getcwd()) != os.path.abspath(root):
        inside = os.path.join(os.path.abspath(root), "")

        def key(fs_path: str) -> str:  # relpath, but for paths already normal and inside
            plain = fs_path.startswith(inside) and "/." not in fs_path and "//" not in fs_path
            return fs_path[len(inside) :] if plain and os.sep == "/" else _cache_key(fs_path, root)

        return lambda sources: [key(s.fs_path) for s in sources]

    def keys(sources: Sequence[discovery.Source]) -> list[str]:
        displays = [s.display for s in sources]
        if not any(map(str.startswith, displays, [("../", "/")] * len(displays))):
            return displays
        return [
            d if not d.startswith(("../", "/")) else _cache_key(s.fs_path, root)
            for d, s in zip(displays, sources, strict=True)
        ]

    return keys


def file_results(loaded: LoadedFile) -> list[Result]:
    """VP-YAML / VP-SCHEMA results of one file (failures, or one pass per valid document)."""
    out = [problem_result(loaded.path, p, None) for p in loaded.problems]
    for doc in loaded.documents:
        if not doc.problems and doc.kind == "Policy":
            pos = doc.sourcemap.position(("kind",))
            doc.problems.append(
                Problem(
                    VP_SCHEMA,
                    "a kind: Policy document among the documents is neither loaded as policy "
                    "nor evaluated; move it to a policy directory (--policies, or `policies:` "
                    "in .vendorpolicy.yaml)",
                    pos.line,
                    pos.column,
                    "/kind",
                )
            )
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
    """Targets, and the context: the roots' files that are not targets (walked through the
    index's directory listings when the cache is on)."""
    exclude = config.exclude
    roots = [str(r) for r in config.roots]
    context: list[discovery.Source] = []
    if options.paths:
        targets = discovery.discover(options.paths, exclude)
        if roots:
            index = cache.default_location(config.base, options.cache_path)
            with cache.directory_walker(index if options.use_cache else None) as walker:
                context = discovery.discover(roots, exclude, report_empty=False, walker=walker)
    else:
        targets = discovery.discover(roots or ["."], exclude, report_empty=not roots)
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
    evidence = Evidence(
        tool_version=__version__,
        as_of=as_of,
        policy_digest=policies.digest if policies else "sha256:" + "0" * 64,
        params=policies.params if policies else {},
        command=options.command,
        fail_on=options.fail_on,
        policy_files=tuple(policies.files) if policies else (),
    )
    # Workers pay off on whole-repository runs; a run with separate context (the hook,
    # a sub-directory) has few targets and stays here.
    jobs = 1 if context_sources else parallel.jobs_for(options.jobs, len(targets))
    if policies is not None and len(targets) >= GENERATE_CODE_FROM:
        policies.use_generated_code()  # before workers fork: they inherit it
    if jobs > 1:
        from vendorpolicy import sharded

        infos, done = sharded.run(targets, policies, evidence, options, jobs)
    else:
        infos, done = _run_here(targets, context_sources, policies, evidence, options, config)
    return Report(
        evidence=evidence,
        documents=tuple(infos),
        results=tuple(done.kept),
        rules=tuple(r.info for r in policies.rules) if policies else (),
        exit_code=1 if done.failing else 0,
        summary={"documents": len(infos), **done.counts},
        complete=options.keep_all,
        by_vendor=None if options.keep_all else done.by_vendor,
        prerendered=done.prerendered,
    )


def _run_here(
    targets: Sequence[discovery.Source],
    context_sources: Sequence[discovery.Source],
    policies: PolicySet | None,
    evidence: Evidence,
    options: Options,
    config: Config,
) -> tuple[list[DocumentInfo], Finished]:
    """The run in this process."""
    with Progress(sys.stderr if options.progress else None, len(targets)) as progress:
        progress.phase("reading")
        target_files = load_sources(targets, progress.tick)
        memory.keep_until_the_end()  # the parsed documents live until they are judged
        target_entries = [e for f in target_files for e in entries_of(f)]
        cache_file = None
        if options.use_cache and context_sources:
            cache_file = cache.default_location(config.base, options.cache_path)
        context_entries = load_context(context_sources, cache_file, config.base)
        duplicate_ids(target_files, [*target_entries, *context_entries])
        infos = document_infos(target_files)  # before evaluation, which releases document data
        sink = new_sink(infos, evidence, policies, options)
        progress.phase("judging")
        if policies is None:
            for f in target_files:
                sink.seal(f.path, file_results(f))
        else:
            _evaluate(
                policies,
                target_files,
                context_entries,
                options,
                context_sources,
                sink,
                progress.tick,
            )
        return infos, sink.finish()


def new_sink(
    infos: Sequence[DocumentInfo],
    evidence: Evidence,
    policies: PolicySet | None,
    options: Options,
    spools: Mapping[str, Spool] | None = None,
) -> Sink:
    """Loaded rules plus the reserved ones: what JUnit failure texts look remediation up in."""
    from vendorpolicy.reporters.sarif import RESERVED_RULES

    rules = [r.info for r in policies.rules] if policies else []
    seen = {r.id for r in rules}
    catalogue = [*rules, *(r for r in RESERVED_RULES if r.id not in seen)]
    return Sink(infos, evidence, catalogue, options.bodies, options.keep_all, spools)


def judge_files(
    files: Sequence[LoadedFile],
    valid_keys: set[tuple[str, int]],
    judge: Callable[[Document], list[Result]],
    waiver_set: WaiverSet,
    sink: Sink,
    tick: Callable[[], None] | None = None,
) -> dict[str, list[Result]]:
    """Judge every valid document file by file, waive, and seal each file's results; a
    waiver file's results are returned instead: they wait for the notes on what its
    waivers matched, known only when every document has been judged."""
    deferred: dict[str, list[Result]] = {}
    for f in files:
        results = file_results(f)
        for doc in f.documents:
            if (doc.path, doc.index) not in valid_keys or doc.kind == "Policy":
                continue
            results.extend(judge(doc))
            if doc.kind != "Waiver":  # the context and the results keep what they need,
                doc.data = None  # so a large run does not hold every document until the end
        waiver_set.waive(results)
        if any(d.kind == "Waiver" and (d.path, d.index) in valid_keys for d in f.documents):
            deferred[f.path] = results
        else:
            sink.seal(f.path, results)
        if tick is not None:
            tick()
    return deferred


def valid_documents(files: Sequence[LoadedFile]) -> list[Document]:
    """Documents that rules judge (and the context sees): no YAML or schema problem."""
    return [d for f in files for d in f.documents if not d.problems and isinstance(d.data, dict)]


def evaluation_settings(as_of: str) -> engine.Settings:
    nullable = schemas.nullable_paths("Contract") | schemas.nullable_paths("Attestation")
    return engine.Settings(as_of=as_of, nullable=nullable)


def seal_waiver_files(
    deferred: dict[str, list[Result]], notes: Iterable[Result], sink: Sink
) -> None:
    for note in notes:
        if note.path not in deferred:
            raise AssertionError(f"waiver note on {note.path}, which is not a waiver file")
        deferred[note.path].append(note)
    for path in sorted(deferred):
        sink.seal(path, deferred[path])


def _evaluate(
    policies: PolicySet,
    target_files: Sequence[LoadedFile],
    context_entries: Sequence[Entry],
    options: Options,
    context_sources: Sequence[discovery.Source],
    sink: Sink,
    tick: Callable[[], None] | None = None,
) -> None:
    """Judge every valid document, file by file, and seal each file's results."""
    as_of = sink.as_of
    valid_docs = valid_documents(target_files)
    valid_keys = {(d.path, d.index) for d in valid_docs}
    context_valid = [e for e in context_entries if e.valid and e.has_data]
    context = RunContext(
        [((d.path, d.index), d.kind or "", d.vendor, d.mapping) for d in valid_docs]
        + [(e.key, e.kind or "", e.vendor, e.payload) for e in context_valid]
    )
    settings = evaluation_settings(as_of)
    evaluated = {d.id for d in valid_docs if d.id and d.kind != "Policy"}
    staged_waivers = [d for d in valid_docs if d.kind == "Waiver"]
    waiver_docs = staged_waivers + [
        Document(e.path, e.index, e.payload(), SourceMap())
        for e in context_valid
        if e.kind == "Waiver" and e.key not in valid_keys
    ]
    report_paths = {f.path for f in target_files} if context_entries else None
    waiver_set = new_waiver_set(waiver_docs, policies, options, as_of, report_paths)

    def judge(doc: Document) -> list[Result]:
        return engine.evaluate(doc, policies.rules, context, settings)

    deferred = judge_files(target_files, valid_keys, judge, waiver_set, sink, tick)
    # A staged waiver whose targets are only context (pre-commit batches): judge those
    # targets too, so "matches no failure" does not depend on how files were batched.
    shadow = _waiver_target_results(staged_waivers, context_valid, context_sources, judge)
    waiver_set.waive(shadow)
    evaluated |= {r.document for r in shadow if r.document}
    seal_waiver_files(deferred, [*waiver_set.findings, *waiver_set.usage(evaluated)], sink)


def _waiver_target_results(
    staged: Sequence[Document],
    context: Sequence[Entry],
    sources: Sequence[discovery.Source],
    judge: Callable[[Document], list[Result]],
) -> list[Result]:
    patterns = [str(t) for w in staged for t in (w.mapping.get("targets") or [])]
    if not patterns:
        return []
    wanted = {
        e.path
        for e in context
        if e.id and e.kind != "Waiver" and any(fnmatch.fnmatchcase(e.id, p) for p in patterns)
    }
    out: list[Result] = []
    for src in sources:
        if src.display in wanted:
            for doc in load_source(src).documents:
                if not doc.problems and isinstance(doc.data, dict) and doc.kind != "Policy":
                    out.extend(judge(doc))
    return out


def new_waiver_set(
    docs: Sequence[Document],
    policies: PolicySet,
    options: Options,
    as_of: str,
    report_paths: set[str] | None = None,
) -> WaiverSet:
    """The run's waivers judged against its rules, with `max_waiver_days` from the params."""
    limit = policies.params.get("max_waiver_days")
    policy = replace(
        options.waivers, max_waiver_days=int(limit) if isinstance(limit, (int, float)) else None
    )
    return WaiverSet(docs, {r.id for r in policies.rules}, as_of, policy, report_paths)


def outcome_counts(results: Sequence[Result]) -> dict[str, int]:
    counts = {s.value: 0 for s in Status}
    for r in results:
        counts[r.status.value] += 1
    return counts
