"""Command line: click commands fill Options, call the core, print, and exit. Only here.

Exit codes (SPEC §5): 0 nothing at or above the threshold failed; 1 a document or rule
failed; 2 usage or configuration error. Exceptions become exit codes in one place: main().
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from vendorpolicy import __version__, output, reporters
from vendorpolicy.config import Config, find_config, load_config
from vendorpolicy.errors import ConfigError, UsageError, VendorPolicyError
from vendorpolicy.model import Report, Severity
from vendorpolicy.reporters import FORMATS, RenderOptions

SEVERITIES = [s.value for s in Severity]


def _config(path: str | None) -> Config:
    if path is not None:
        return load_config(Path(path))
    return load_config(find_config())


def _policy_dirs(cli: Sequence[str], config: Config) -> tuple[Path, ...]:
    from vendorpolicy.policy import default_policy_dirs

    if cli:
        return tuple(Path(p) for p in cli)
    if config.policies:
        return config.policies
    return tuple(default_policy_dirs())


def _outputs(specs: Sequence[str], config: Config) -> list[tuple[str, Path]]:
    out: list[tuple[str, Path]] = []
    for fmt, path in config.outputs.items():
        out.append((fmt, config.base / path))
    for spec in specs:
        fmt, sep, path = spec.partition("=")
        if not sep or not path:
            raise UsageError(f"--output takes FMT=PATH, got {spec!r}")
        if fmt not in FORMATS:
            raise UsageError(f"--output {spec}: unknown format {fmt!r}; choose from {FORMATS}")
        out = [(f, p) for f, p in out if f != fmt]
        out.append((fmt, Path(path)))
    return out


def _emit(
    report: Report, fmt: str, outputs: list[tuple[str, Path]], opts: RenderOptions, quiet: bool
) -> None:
    file_opts = RenderOptions(color=False, junit_family=opts.junit_family)

    def write(spec: tuple[str, Path]) -> None:
        output.write_atomic(spec[1], reporters.get(spec[0]).chunks(report, file_opts))

    if len(outputs) > 1:  # side by side: most of a large report's time is the kernel's copy
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(len(outputs)) as pool:
            list(pool.map(write, outputs))
    else:
        for spec in outputs:
            write(spec)
    if not quiet:
        for chunk in reporters.get(fmt).chunks(report, opts):
            if isinstance(chunk, str):
                click.echo(chunk, nl=False)
            else:
                for piece in output.chunk_bytes(chunk):
                    click.echo(piece, nl=False)


def _bodies(formats: list[str], junit_family: str) -> tuple[str, ...]:
    """The report bodies the run renders as it goes (see sink.py): JSON and JUnit, the
    two formats that list every result."""
    from vendorpolicy.reporters import json_report, junit

    keys = {"json": json_report.BODY, "junit": junit.body_key(junit_family)}
    return tuple(sorted({keys[f] for f in formats if f in keys}))


def _digest(value: str | None) -> str | None:
    import re

    if value is not None and not re.fullmatch(r"sha256:[0-9a-f]{64}", value):
        raise UsageError(f"--policy-digest {value!r} is not sha256:<64 hex digits>")
    return value


def _as_severity(value: str | None, default: Severity = Severity.LOW) -> Severity:
    if value is None:
        return default
    try:
        return Severity.parse(value)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _color(flag: bool | None) -> bool:
    if flag is not None:
        return flag
    if os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="vendorpolicy")
def cli() -> None:
    """Check IT-outsourcing contracts and vendor attestations against policy."""


def _common_check_options(func: Any) -> Any:
    options = [
        click.argument("paths", nargs=-1, type=click.Path()),
        click.option(
            "--config",
            "config_path",
            type=click.Path(),
            help="Config file (default: .vendorpolicy.yaml found upwards).",
        ),
        click.option(
            "--format",
            "fmt",
            type=click.Choice(FORMATS),
            default=None,
            help="Report format on stdout (default: text).",
        ),
        click.option(
            "--output",
            "outputs",
            multiple=True,
            metavar="FMT=PATH",
            help="Also write a report file (repeatable), written atomically.",
        ),
        click.option(
            "--fail-on",
            type=click.Choice(SEVERITIES),
            default=None,
            help="Lowest severity that fails the run (default: low).",
        ),
        click.option("--quiet", "-q", is_flag=True, help="Print nothing on stdout."),
        click.option("--color/--no-color", default=None, help="Colour (default: on a TTY)."),
        click.option(
            "--junit-family",
            type=click.Choice(["junit10", "rich"]),
            default=None,
            help="junit10 validates against the Jenkins schema; rich adds file/line.",
        ),
        click.option(
            "--jobs",
            "-j",
            type=click.IntRange(min=1),
            default=None,
            help="Worker processes (default: one per CPU; small runs and runs with "
            "separate context use one).",
        ),
    ]
    for opt in reversed(options):
        func = opt(func)
    return func


@cli.command()
@_common_check_options
@click.option(
    "--policies",
    multiple=True,
    type=click.Path(),
    help="Policy directory (repeatable; default: the built-in pack).",
)
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="Override a policy parameter (typed like its default).",
)
@click.option(
    "--as-of",
    default=None,
    metavar="DATE",
    help="Evaluation date YYYY-MM-DD (default: today, UTC).",
)
@click.option(
    "--policy-digest",
    default=None,
    metavar="sha256:…",
    help="Fail (exit 2) unless the policies and parameters hash to this digest.",
)
@click.option("--no-waivers", is_flag=True, help="Ignore every waiver.")
@click.option(
    "--waiver-path",
    "waiver_paths",
    multiple=True,
    metavar="GLOB",
    help="Honour only waivers whose path matches (repeatable).",
)
@click.option(
    "--hook",
    is_flag=True,
    help="pre-commit mode: one line per finding, no report files, uses the cache.",
)
@click.option("--no-cache", is_flag=True, help="Do not use or update the context cache.")
def check(**kw: Any) -> None:
    """Validate documents and evaluate the policy rules (the main job)."""
    _run(kw, validate_only=False)


@cli.command()
@_common_check_options
@click.option("--hook", is_flag=True, help="pre-commit mode: findings only, no report files.")
def validate(**kw: Any) -> None:
    """Check YAML and JSON Schema only (no policy rules)."""
    kw.update(
        policies=(),
        params=(),
        as_of=None,
        policy_digest=None,
        no_waivers=False,
        waiver_paths=(),
        no_cache=False,
    )
    _run(kw, validate_only=True)


def _run(kw: dict[str, Any], validate_only: bool) -> None:
    from vendorpolicy import memory, parallel, runner, waivers

    memory.tune_for_large_runs()

    config = _config(kw["config_path"])
    fmt = kw["fmt"] or (None if kw["hook"] else config.format) or "text"
    outputs = [] if kw["hook"] else _outputs(kw["outputs"], config)
    fail_on = _as_severity(kw["fail_on"] or config.fail_on)
    family = kw["junit_family"] or config.junit_family or "junit10"
    jobs = kw["jobs"] or config.jobs or parallel.default_jobs()
    options = runner.Options(
        paths=tuple(kw["paths"]),
        policy_dirs=() if validate_only else _policy_dirs(kw["policies"], config),
        params=tuple(kw["params"]),
        as_of=kw["as_of"],
        fail_on=fail_on,
        jobs=jobs,
        validate_only=validate_only,
        hook=kw["hook"],
        use_cache=not kw["no_cache"] and config.cache_enabled,
        cache_path=config.cache_path,
        waivers=waivers.WaiverPolicy(
            enabled=config.waivers_enabled and not kw["no_waivers"],
            allowed_paths=tuple(kw["waiver_paths"]) or config.waiver_paths,
        ),
        policy_digest=_digest(kw["policy_digest"]) or config.policy_digest,
        command=("vendorpolicy", *sys.argv[1:]),
        keep_all=False,
        progress=not kw["hook"] and sys.stderr.isatty(),
        bodies=_bodies([f for f, _ in outputs] + ([] if kw["quiet"] else [fmt]), family),
    )
    report = runner.run(options, config)
    opts = RenderOptions(color=_color(kw["color"]), junit_family=family, hook=kw["hook"])
    _emit(report, fmt, outputs, opts, kw["quiet"])
    raise SystemExit(report.exit_code)


@cli.command()
@click.option("--policies", multiple=True, type=click.Path(), help="Policy directory.")
@click.option("--config", "config_path", type=click.Path(), help="Config file.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
def rules(policies: tuple[str, ...], config_path: str | None, fmt: str) -> None:
    """List the loaded rules: id, severity, title, references."""
    from vendorpolicy.policy import load_policies

    config = _config(config_path)
    ps = load_policies(_policy_dirs(policies, config), config.params)
    if fmt == "json":
        rows = [
            {
                "id": r.id,
                "severity": r.info.severity.value,
                "conditional_severity": r.info.conditional_severity,
                "title": r.info.title,
                "kinds": list(r.kinds),
                "references": list(r.info.references),
                "policy": r.info.policy,
            }
            for r in ps.rules
        ]
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    width = max((len(r.id) for r in ps.rules), default=4)
    for r in ps.rules:
        sev = r.info.severity.value + ("*" if r.info.conditional_severity else "")
        click.echo(f"{r.id:<{width}}  {sev:<9} {r.info.title}")
        if r.info.references:
            click.echo(f"{'':<{width}}  {'':<9} refs: {'; '.join(r.info.references)}")
    click.echo(
        f"\n{len(ps.rules)} rules (* = severity raised by conditions); policy digest {ps.digest}"
    )


@cli.command()
@click.argument("rule_id")
@click.option("--policies", multiple=True, type=click.Path(), help="Policy directory.")
@click.option("--config", "config_path", type=click.Path(), help="Config file.")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE")
def explain(
    rule_id: str, policies: tuple[str, ...], config_path: str | None, params: tuple[str, ...]
) -> None:
    """Everything about one rule, with its parameters' values in effect."""
    from vendorpolicy.explain import explain_rule
    from vendorpolicy.policy import load_policies

    config = _config(config_path)
    ps = load_policies(_policy_dirs(policies, config), config.params, params)
    click.echo(explain_rule(ps, rule_id), nl=False)


@cli.command(name="test")
@click.argument("policy_dir", required=False, type=click.Path())
@click.option(
    "--tests",
    "tests",
    multiple=True,
    type=click.Path(),
    help="Test files or directories (default: POLICY_DIR/tests).",
)
@click.option(
    "--require-coverage",
    is_flag=True,
    help="Fail unless every rule has pass and fail cases (and n/a when conditional).",
)
@click.option("--quiet", "-q", is_flag=True, help="Only failures and the verdict.")
def test_cmd(
    policy_dir: str | None, tests: tuple[str, ...], require_coverage: bool, quiet: bool
) -> None:
    """Run policy unit tests (fixtures + expected statuses)."""
    from vendorpolicy.policy import default_policy_dirs
    from vendorpolicy.policytest import coverage_table, run_tests

    dirs = [Path(policy_dir)] if policy_dir else default_policy_dirs()
    run = run_tests(dirs, [Path(t) for t in tests])
    for line in run.failures:
        click.echo(f"FAIL {line}")
    if not quiet:
        click.echo(coverage_table(run))
    gaps = run.coverage_gaps() if require_coverage else []
    for gap in gaps:
        click.echo(f"COVERAGE {gap}")
    ok = not run.failures and not gaps
    click.echo(
        f"{'passed' if ok else 'FAILED'}: {run.cases} case(s), {run.expectations} expectation(s), "
        f"{len(run.failures)} failed" + (f", {len(gaps)} coverage gap(s)" if gaps else "")
    )
    raise SystemExit(0 if ok else 1)


@cli.command()
@click.argument(
    "kind",
    type=click.Choice(
        ["Contract", "Attestation", "Waiver", "Policy", "Config"], case_sensitive=False
    ),
)
def schema(kind: str) -> None:
    """Print the JSON Schema of a document kind (for editors)."""
    from vendorpolicy import schemas

    name = {k.lower(): k for k in schemas.SCHEMA_FILES}[kind.lower()]
    click.echo(json.dumps(schemas.schema_for(name), indent=2, ensure_ascii=False))


@cli.command()
@click.argument("directory", required=False, default=".", type=click.Path(file_okay=False))
def init(directory: str) -> None:
    """Scaffold a contracts repository that passes `vendorpolicy check` at once."""
    from vendorpolicy.scaffold import init_repository

    created = init_repository(Path(directory))
    for path in created:
        click.echo(f"created {path}")
    click.echo(f"\nnext: cd {directory} && vendorpolicy check")


def main(argv: list[str] | None = None) -> int:
    """Entry point: every exception becomes an exit code here and nowhere else."""
    try:
        cli.main(args=argv, prog_name="vendorpolicy", standalone_mode=False)
    except SystemExit as exc:
        return int(exc.code or 0) if not isinstance(exc.code, str) else 2
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 2
    except click.ClickException as exc:
        exc.show()
        return 2
    except ConfigError as exc:
        kind = "usage error" if isinstance(exc, UsageError) else "configuration error"
        click.echo(f"vendorpolicy: {kind}: {exc}", err=True)
        return 2
    except VendorPolicyError as exc:
        click.echo(f"vendorpolicy: error: {exc}", err=True)
        return exc.exit_code
    except BrokenPipeError:
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if os.environ.get("VENDORPOLICY_DEBUG"):
            raise
        click.echo(
            f"vendorpolicy: internal error: {type(exc).__name__}: {exc} "
            "(set VENDORPOLICY_DEBUG=1 for the traceback and please report it)",
            err=True,
        )
        return 2
    return 0
