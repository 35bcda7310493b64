"""A whole-repository run over several worker processes, byte-identical to one process.

Each worker owns a shard of the files (dealt round-robin, which evens out the cost of
contracts and attestations). Phase one: it reads and schema-checks its shard and answers
with the shard's document list and context entries (the small projections
cross-document rules read). The parent hands every answer to every worker, which sees
the same documents, duplicate ids and waivers as a single process would. Phase two:
each worker judges its shard, seals the results into its own spools and answers with
counts, findings, the fragments' places and what each waiver matched. The parent seals
the waiver files last, once every match is counted, as runner._evaluate does.
"""

from __future__ import annotations

import marshal
import sys
from collections import Counter
from collections.abc import Sequence
from itertools import repeat
from typing import Any

from vendorpolicy import discovery, engine, memory, parallel, runner
from vendorpolicy.cache import Entry
from vendorpolicy.context import RunContext
from vendorpolicy.loader import Document, LoadedFile
from vendorpolicy.model import DocumentInfo, Evidence, Result
from vendorpolicy.policy import PolicySet
from vendorpolicy.progress import Progress
from vendorpolicy.sink import Finished, Spool, sealed_from_wire, sealed_to_wire
from vendorpolicy.sourcemap import SourceMap


def _entry_meta(e: Entry) -> tuple[Any, ...]:
    return (e.path, e.index, e.kind, e.id, e.vendor, e.valid, e.id_line)


def _info_tuple(d: DocumentInfo) -> tuple[Any, ...]:
    return (d.path, d.kind, d.id, d.vendor, d.sha256, d.index, d.line)


def _in_order(infos: list[Any], targets: Sequence[discovery.Source]) -> list[Any]:
    """Document tuples (path first) in discovery order, as one process lists them."""
    by_path: dict[str, list[Any]] = {}
    for info in infos:
        by_path.setdefault(info[0], []).append(info)
    return [i for src in targets for i in by_path.pop(src.display, ())]


def _entry(meta: tuple[Any, ...], data: tuple[Any, str | None]) -> Entry:
    path, index, kind, doc_id, vendor, valid, id_line = meta
    return Entry(path, index, kind, doc_id, vendor, valid, id_line, data[0], data[1])


def _answer(entries: Sequence[Entry], infos: Sequence[DocumentInfo]) -> bytes:
    """A shard's phase-one answer: entries without their data, the documents, and the
    data apart (marshalled again), which only the other workers decode."""
    return marshal.dumps(
        (
            [_entry_meta(e) for e in entries],
            [_info_tuple(d) for d in infos],
            marshal.dumps([(e.data, e.raw) for e in entries]),
        )
    )


def _pooled(
    answers: Sequence[bytes | None],
    targets: Sequence[discovery.Source],
    own: tuple[list[Entry], list[DocumentInfo]] | None = None,
    with_data: bool = True,
) -> tuple[list[Entry], list[DocumentInfo]]:
    """The context entries and the documents of every shard, in shard order (documents
    in discovery order, as one process lists them); `own` stands for the None answer."""
    entries: list[Entry] = []
    infos: list[Any] = []
    for blob in answers:
        if blob is None:
            assert own is not None
            entries.extend(own[0])
            infos.extend(_info_tuple(d) for d in own[1])
            continue
        metas, shard_infos, data = marshal.loads(blob)  # noqa: S302 - our own workers
        if with_data:
            pairs = marshal.loads(data)  # noqa: S302 - our own workers
            entries.extend(map(_entry, metas, pairs))
        else:
            entries.extend(map(_entry, metas, repeat((None, None))))
        infos.extend(shard_infos)
    return entries, [DocumentInfo(*d) for d in _in_order(infos, targets)]


def duplicated(entries: Sequence[Entry]) -> set[str]:
    """Ids used by more than one document (as runner.duplicate_ids counts them)."""
    counts = Counter(e.id for e in entries if e.id is not None and e.kind != "Policy")
    return {i for i, n in counts.items() if n > 1}


def run(
    targets: Sequence[discovery.Source],
    policies: PolicySet | None,
    evidence: Evidence,
    options: runner.Options,
    jobs: int,
) -> tuple[list[DocumentInfo], Finished]:
    shards = parallel.shards(targets, jobs)
    spools = [{b: Spool() for b in options.bodies} for _ in shards]
    counts = parallel.counters(len(shards))  # files done per worker, for the progress line
    progress = Progress(sys.stderr if options.progress else None, len(targets))
    lazy = len(targets) > runner.LAZY_POSITIONS_FROM
    mine: list[LoadedFile] = []  # a worker's own files (each worker has its own copy)

    def read(index: int) -> bytes:
        for src in shards[index]:
            mine.append(runner.load_source(src, lazy))
            counts[index] += 1
        memory.keep_until_the_end()
        own.append(([e for f in mine for e in runner.entries_of(f)], runner.document_infos(mine)))
        return _answer(*own[0])

    own: list[tuple[list[Entry], list[DocumentInfo]]] = []  # a worker's own, kept as objects
    pooled: list[bytes] = []

    def pool(answers: list[bytes]) -> list[bytes]:
        """To each worker the other shards' answers, as they are: the workers wait
        meanwhile (this process reads its copy later, and not the documents' data)."""
        pooled.extend(answers)
        counts[:] = [0] * len(counts)
        progress.phase("judging")
        return [
            marshal.dumps([a if j != i else None for j, a in enumerate(answers)])
            for i in range(len(answers))
        ]

    def judge_shard(index: int, message: bytes) -> bytes:
        others_answers = marshal.loads(message)  # noqa: S302 - from our parent
        entries, infos = _pooled(others_answers, targets, own[0])
        runner.duplicate_ids(mine, entries)
        sink = runner.new_sink(infos, evidence, policies, options, spools[index])
        if policies is None:
            for f in mine:
                sink.seal(f.path, runner.file_results(f))
            return marshal.dumps((sealed_to_wire(sink), {}, [], []))
        valid_docs = runner.valid_documents(mine)
        valid_keys = {(d.path, d.index) for d in valid_docs}
        own_paths = {f.path for f in mine}
        dups = duplicated(entries)
        others = [
            e
            for e in entries
            if e.path not in own_paths and e.valid and e.has_data and e.id not in dups
        ]
        context = RunContext(
            [((d.path, d.index), d.kind or "", d.vendor, d.mapping) for d in valid_docs]
            + [(e.key, e.kind or "", e.vendor, e.payload) for e in others]
        )
        waiver_set = runner.new_waiver_set(
            [d for d in valid_docs if d.kind == "Waiver"]
            + [Document(e.path, e.index, e.payload(), SourceMap()) for e in others
               if e.kind == "Waiver"],
            policies,
            options,
            evidence.as_of,
        )  # fmt: skip
        settings = runner.evaluation_settings(evidence.as_of)

        def judge(doc: Document) -> list[Result]:
            return engine.evaluate(doc, policies.rules, context, settings)

        def tick() -> None:
            counts[index] += 1

        deferred = runner.judge_files(mine, valid_keys, judge, waiver_set, sink, tick)
        evaluated = sorted({d.id for d in valid_docs if d.id and d.kind != "Policy"})
        return marshal.dumps(
            (
                sealed_to_wire(sink),
                {p: [r.as_tuple() for r in rs] for p, rs in deferred.items()},
                waiver_set.matched,
                evaluated,
            )
        )

    progress.phase("reading")
    with progress:
        watch = progress.watching(lambda: sum(counts))
        answers = parallel.two_phase(len(shards), read, judge_shard, pool, watch)
    entries, infos = _pooled(pooled, targets, with_data=False)  # (ids are what it needs)
    sink = runner.new_sink(infos, evidence, policies, options)
    deferred: dict[str, list[Result]] = {}
    matched: list[int] = []
    evaluated: set[str] = set()
    for index, blob in enumerate(answers):
        sealed, shard_deferred, shard_matched, shard_evaluated = marshal.loads(blob)  # noqa: S302
        sink.merge(sealed_from_wire(sealed), spools[index])
        for path, rows in shard_deferred.items():
            deferred[path] = [Result.from_tuple(t) for t in rows]
        matched = [
            a + b for a, b in zip(matched or [0] * len(shard_matched), shard_matched, strict=True)
        ]
        evaluated.update(shard_evaluated)
    if policies is not None:
        # The waiver files again, with their positions, for the notes on each waiver.
        waiver_files = [runner.load_source(s) for s in targets if s.display in deferred]
        runner.duplicate_ids(waiver_files, entries)
        waiver_set = runner.new_waiver_set(
            [d for d in runner.valid_documents(waiver_files) if d.kind == "Waiver"],
            policies,
            options,
            evidence.as_of,
        )
        waiver_set.add_counts(matched or [0] * len(waiver_set.in_force))
        notes = [*waiver_set.findings, *waiver_set.usage(evaluated)]
        runner.seal_waiver_files(deferred, notes, sink)
    return infos, sink.finish()
