"""The JSON Schemas in schemas/: well-formed, complete, and right about the canonical examples.

Every schema is loaded into one `referencing.Registry` keyed by file name, which is how
the relative cross-file references (`common.schema.json#/$defs/country`) resolve.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "schemas"
CANONICAL = Path(__file__).resolve().parent / "fixtures" / "canonical"

SCHEMA_FILES = sorted(p.name for p in SCHEMAS.glob("*.schema.json"))
DOCUMENT_KINDS = {
    "Contract": "contract.schema.json",
    "Attestation": "attestation.schema.json",
    "Waiver": "waiver.schema.json",
    "Policy": "policy.schema.json",
}
CONFIG_SCHEMA = "config.schema.json"


# --------------------------------------------------------------------------- loading


class _Yaml12Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core scalars for booleans and no timestamps.

    PyYAML implements YAML 1.1: `NO` becomes False and unquoted dates become
    `datetime.date`. vendorpolicy reads YAML 1.2 core scalars, so the tests do too.
    """


_Yaml12Loader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag not in {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp"}
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def load_yaml(path: Path) -> list[Any]:
    with path.open(encoding="utf-8") as stream:
        return list(yaml.load_all(stream, Loader=_Yaml12Loader))


@cache
def schemas() -> dict[str, dict[str, Any]]:
    return {name: json.loads((SCHEMAS / name).read_text(encoding="utf-8")) for name in SCHEMA_FILES}


@cache
def registry() -> Registry:
    return Registry().with_resources(
        (name, Resource.from_contents(schema)) for name, schema in schemas().items()
    )


@cache
def validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(
        schemas()[name],
        registry=registry(),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def errors(name: str, instance: Any) -> set[tuple[str, str]]:
    """The (JSON path, keyword) of every error, e.g. ("$.vendor.country", "enum")."""
    return {(e.json_path, str(e.validator)) for e in validator(name).iter_errors(instance)}


@cache
def _canonical(file_name: str) -> Any:
    (document,) = load_yaml(CANONICAL / file_name)
    return document


def canonical(file_name: str) -> Any:
    """A fresh deep copy of the single document in a canonical example."""
    return copy.deepcopy(_canonical(file_name))


CANONICAL_DOCUMENTS = sorted(
    p.name for p in CANONICAL.glob("*.yaml") if p.name != "vendorpolicy.yaml"
)


# --------------------------------------------------------------------- well-formed


def test_schema_directory_holds_every_schema() -> None:
    expected = ["common.schema.json", *DOCUMENT_KINDS.values(), CONFIG_SCHEMA]
    assert sorted(expected) == SCHEMA_FILES


@pytest.mark.parametrize("name", SCHEMA_FILES)
def test_schema_is_valid_draft_2020_12(name: str) -> None:
    schema = schemas()[name]
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == name
    assert schema["title"].strip()
    assert schema["description"].strip()


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


@pytest.mark.parametrize("name", SCHEMA_FILES)
def test_every_reference_resolves(name: str) -> None:
    resolver = registry().resolver(base_uri=name)
    for ref in _refs(schemas()[name]):
        assert not ref.startswith(("/", "http")), ref  # relative, next to the file
        resolver.lookup(ref)  # raises if the file or the fragment is missing


# -------------------------------------------------------------- canonical examples


def test_canonical_fixtures_are_the_specification_examples() -> None:
    names = {p.name for p in CANONICAL.iterdir()}
    assert "NOTICE.md" in names
    assert {"contract-full.yaml", "waiver.yaml", "vendorpolicy.yaml"} <= names
    assert len(CANONICAL_DOCUMENTS) >= 8


@pytest.mark.parametrize("file_name", CANONICAL_DOCUMENTS)
def test_canonical_example_validates(file_name: str) -> None:
    documents = load_yaml(CANONICAL / file_name)
    assert documents
    for document in documents:
        schema = DOCUMENT_KINDS[document["kind"]]
        assert errors(schema, document) == set(), file_name


def test_canonical_config_validates() -> None:
    (config,) = load_yaml(CANONICAL / "vendorpolicy.yaml")
    assert errors(CONFIG_SCHEMA, config) == set()


# ---------------------------------------------------------------- table of cases

Mutation = Callable[[Any], None]
Expected = set[tuple[str, str]]


def _walk_to(document: Any, dotted: str) -> tuple[Any, str | int]:
    *parents, last = [int(p) if p.isdigit() else p for p in dotted.split(".")]
    node = document
    for part in parents:
        node = node[part]
    return node, last


def put(dotted: str, value: Any) -> Mutation:
    def mutate(document: Any) -> None:
        node, last = _walk_to(document, dotted)
        node[last] = value

    return mutate


def drop(dotted: str) -> Mutation:
    def mutate(document: Any) -> None:
        node, last = _walk_to(document, dotted)
        del node[last]

    return mutate


def both(*mutations: Mutation) -> Mutation:
    def mutate(document: Any) -> None:
        for mutation in mutations:
            mutation(document)

    return mutate


CONTRACT = "contract-full.yaml"
SOC2 = "attestation-soc2-type2.yaml"
ISO = "attestation-iso27001.yaml"
PENTEST = "attestation-pentest.yaml"
BRIDGE = "attestation-bridge-letter.yaml"
WAIVER = "waiver.yaml"

POLICY: dict[str, Any] = {
    "apiVersion": "vendorpolicy/v1",
    "kind": "Policy",
    "metadata": {"id": "encryption", "title": "Encryption of customer data"},
    "params": {"min_tls_version": "1.2"},
    "definitions": {"sens": "contains(['confidential', 'restricted'], @)"},
    "rules": [
        {
            "id": "ENC-001",
            "title": "Customer data encrypted at rest",
            "severity": "critical",
            "references": ["GDPR Art. 32(1)(a)"],
            "match": {"kind": "Contract", "when": "sens(classification.data_classification)"},
            "check": "security.encryption.at_rest == `true`",
            "at": "security.encryption.at_rest",
            "message": "{{ classification.data_classification }} data must be encrypted at rest",
        }
    ],
}
MINIMAL_CONTRACT: dict[str, Any] = {
    "apiVersion": "vendorpolicy/v1",
    "kind": "Contract",
    "metadata": {"id": "c-1", "vendor": "v"},
    "vendor": {"legal_name": "V GmbH"},
    "dates": {"start": "2026-01-01"},
    "classification": {
        "critical_function": False,
        "data_classification": "public",
        "personal_data": False,
        "special_category_data": False,
        "cardholder_data": False,
    },
    "services": [{"id": "s", "name": "S", "type": "saas"}],
}


def keep(document: Any) -> None:
    """No mutation: the source document as it is."""


def row(kind: str, source: Any, case_id: str, mutate: Mutation, *expected: str) -> Any:
    """A table row: validate `source` (a canonical file name or a document) after `mutate`
    against `kind`'s schema; `expected` lists every error as "JSON-path keyword" (none: valid).
    """
    pairs = {tuple(e.rsplit(" ", 1)) for e in expected}
    return pytest.param(kind, source, mutate, pairs, id=case_id)


def contract(case_id: str, mutate: Mutation, *expected: str) -> Any:
    return row("contract", CONTRACT, case_id, mutate, *expected)


def attestation(source: str, case_id: str, mutate: Mutation, *expected: str) -> Any:
    return row("attestation", source, case_id, mutate, *expected)


def waiver(case_id: str, mutate: Mutation, *expected: str) -> Any:
    return row("waiver", WAIVER, case_id, mutate, *expected)


def policy(case_id: str, mutate: Mutation, *expected: str) -> Any:
    return row("policy", POLICY, case_id, mutate, *expected)


def config(case_id: str, mutate: Mutation, *expected: str) -> Any:
    return row("config", "vendorpolicy.yaml", case_id, mutate, *expected)


TLS = "security.encryption.min_tls_version"
CRITICAL_RAISE = {"level": "critical", "when": "classification.critical_function"}

CASES = [
    # --- unknown keys, x- extensions, labels
    contract(
        "unknown-field",
        put("security.encryption.at_rst", True),
        "$.security.encryption additionalProperties",
    ),
    contract("unknown-top-level-field", put("vendro", {}), "$ additionalProperties"),
    contract(
        "x-keys-accepted",
        both(
            put("x-foo", {"anything": [1, 2]}),
            put("security.x-note", "reviewed"),
            put("services.0.x-cmdb", "CI-42"),
            put("metadata.x-owner", "team"),
        ),
    ),
    contract(
        "labels-free-form-accepted", put("metadata.labels", {"Any Key": "v", "cost_centre": "4711"})
    ),
    contract(
        "labels-values-are-strings",
        put("metadata.labels.cost_centre", 4711),
        "$.metadata.labels.cost_centre type",
    ),
    # --- ISO codes
    contract("country-UK", put("vendor.country", "UK"), "$.vendor.country enum"),
    contract("country-GB-accepted", put("vendor.country", "GB")),
    contract(
        "country-EL-in-list",
        put("data.storage_countries", ["NL", "EL"]),
        "$.data.storage_countries[1] enum",
    ),
    contract(
        "country-lower-case",
        put("subcontractors.1.country", "lt"),
        "$.subcontractors[1].country enum",
    ),
    contract(
        "country-yaml11-false",
        put("vendor.country", False),
        "$.vendor.country type",
        "$.vendor.country enum",
    ),
    contract("currency-bad", put("commercial.currency", "EURO"), "$.commercial.currency enum"),
    contract(
        "currency-withdrawn-HRK", put("commercial.currency", "HRK"), "$.commercial.currency enum"
    ),
    contract("language-upper-case", put("governance.language", "EN"), "$.governance.language enum"),
    # --- dates
    contract("date-2026-02-30", put("dates.start", "2026-02-30"), "$.dates.start format"),
    contract(
        "date-short-form",
        put("dates.signed", "2026-1-5"),
        "$.dates.signed format",
        "$.dates.signed pattern",
    ),
    contract(
        "date-with-time",
        put("exit_plan.last_tested", "2026-06-18T10:00:00Z"),
        "$.exit_plan.last_tested format",
        "$.exit_plan.last_tested pattern",
    ),
    # --- required fields
    contract(
        "missing-personal-data", drop("classification.personal_data"), "$.classification required"
    ),
    contract("missing-services", drop("services"), "$ required"),
    contract("empty-services", put("services", []), "$.services minItems"),
    contract("service-without-type", drop("services.2.type"), "$.services[2] required"),
    contract("missing-legal-name", drop("vendor.legal_name"), "$.vendor required"),
    contract("missing-metadata-vendor", drop("metadata.vendor"), "$.metadata required"),
    row("contract", MINIMAL_CONTRACT, "minimal-contract-accepted", keep),
    # --- enums, sets, types
    contract("bad-enum", put("services.0.type", "hosting"), "$.services[0].type enum"),
    contract("tls-version-as-number", put(TLS, 1.2), f"$.{TLS} type", f"$.{TLS} enum"),
    contract("tls-version-as-string-accepted", put(TLS, "1.3")),
    contract(
        "set-duplicates", put("dpa.clauses", ["instructions"] * 2), "$.dpa.clauses uniqueItems"
    ),
    contract(
        "set-unknown-member",
        put("termination.triggers", ["insolvency", "bankrupt"]),
        "$.termination.triggers[1] enum",
    ),
    contract("negative-count", put("incident.notify_hours", -1), "$.incident.notify_hours minimum"),
    contract("survival-indefinite-accepted", put("confidentiality.survival_years", "indefinite")),
    contract(
        "survival-other-string",
        put("confidentiality.survival_years", "forever"),
        "$.confidentiality.survival_years anyOf",
    ),
    contract("wrong-api-version", put("apiVersion", "vendorpolicy/v2"), "$.apiVersion const"),
    contract("wrong-kind", put("kind", "contract"), "$.kind const"),
    # --- null
    contract(
        "null-on-non-nullable",
        put("security.encryption.at_rest", None),
        "$.security.encryption.at_rest type",
    ),
    contract("null-on-required-date", put("dates.start", None), "$.dates.start type"),
    contract("null-on-dates-end-accepted", put("dates.end", None)),
    contract(
        "null-with-a-meaning-accepted",
        both(
            put("audit.max_per_year", None),
            put("audit.min_notice_days", None),
            put("commercial.liability_cap_multiple", None),
            put("vendor.parent_id", None),
        ),
    ),
    contract(
        "null-not-agreed-accepted",
        both(put("termination.vendor_notice_days", None), put("continuity.rto_hours", None)),
    ),
    # --- attestations: fields required by type
    attestation(SOC2, "soc2-type2-without-period", drop("period"), "$ required"),
    attestation(SOC2, "soc2-type2-without-period-start", drop("period.start"), "$.period required"),
    attestation(SOC2, "soc2-type2-without-tsc", drop("scope.tsc"), "$.scope required"),
    attestation(
        SOC2,
        "soc2-type1-needs-period-end-and-opinion-accepted",
        both(
            put("type", "soc2_type1"),
            drop("period.start"),
            drop("exceptions"),
            drop("subservice_orgs"),
            drop("scope.tsc"),
        ),
    ),
    attestation(
        SOC2,
        "soc2-type1-without-opinion",
        both(put("type", "soc2_type1"), drop("opinion")),
        "$ required",
    ),
    attestation(PENTEST, "pentest-without-findings", drop("findings"), "$ required"),
    attestation(
        PENTEST, "pentest-without-high-open", drop("findings.high_open"), "$.findings required"
    ),
    attestation(ISO, "iso-without-valid-until", drop("valid_until"), "$ required"),
    attestation(ISO, "iso-with-null-valid-until-accepted", put("valid_until", None)),
    attestation(
        ISO, "standard-version-as-number", put("standard_version", 2022), "$.standard_version type"
    ),
    attestation(
        BRIDGE, "bridge-without-covers-until", drop("bridge.covers_until"), "$.bridge required"
    ),
    attestation(BRIDGE, "without-scope-services", drop("scope.services"), "$.scope required"),
    # --- waivers
    waiver("waiver-without-expires", drop("expires"), "$ required"),
    waiver("waiver-empty-targets", put("targets", []), "$.targets minItems"),
    waiver("waiver-pointer-without-slash", put("pointer", "termination"), "$.pointer pattern"),
    waiver(
        "waiver-optional-fields-accepted",
        both(put("pointer", "/termination"), put("risk", "medium")),
    ),
    # --- policies
    policy("policy-accepted", keep),
    policy(
        "policy-rule-unknown-key", put("rules.0.severty", "high"), "$.rules[0] additionalProperties"
    ),
    policy(
        "policy-severity-object-accepted",
        put("rules.0.severity", {"default": "high", "raise": [CRITICAL_RAISE]}),
    ),
    policy("policy-severity-list-accepted", put("rules.0.severity", ["high", CRITICAL_RAISE])),
    policy(
        "policy-severity-bad-level", put("rules.0.severity", "severe"), "$.rules[0].severity anyOf"
    ),
    policy("policy-reserved-VP-id", put("rules.0.id", "VP-SCHEMA"), "$.rules[0].id not"),
    policy("policy-rule-without-title", drop("rules.0.title"), "$.rules[0] required"),
    policy("policy-match-without-kind", drop("rules.0.match.kind"), "$.rules[0].match required"),
    policy(
        "policy-check-list-accepted",
        put("rules.0.check", ["a", {"check": "b", "name": "n", "at": "data.exit"}]),
    ),
    policy(
        "policy-empty-expression", put("rules.0.match.when", ""), "$.rules[0].match.when minLength"
    ),
    policy(
        "policy-bad-definition-name",
        put("definitions.Sens", "@"),
        "$.definitions additionalProperties",
    ),
    policy("policy-tests-key", put("tests", []), "$ additionalProperties"),
    # --- config
    config("config-as-of", put("as_of", "2026-11-22"), "$ additionalProperties"),
    config("config-jobs-zero", put("jobs", 0), "$.jobs minimum"),
    config(
        "config-unknown-output-format",
        put("outputs", {"html": "r.html"}),
        "$.outputs additionalProperties",
    ),
    config("config-bad-digest", put("policy_digest", "sha256:abc"), "$.policy_digest pattern"),
    config(
        "config-all-options-accepted",
        both(
            put("outputs", {"junit": "r.xml", "sarif": "r.sarif"}),
            put("format", "text"),
            put("jobs", 4),
            put("policies", ["policies"]),
            put("junit_family", "rich"),
            put("waivers", {"enabled": True, "paths": ["waivers/**"]}),
            put("cache", {"enabled": False, "path": ".vendorpolicy-cache"}),
            put("policy_digest", "sha256:" + "0" * 64),
        ),
    ),
]


@pytest.mark.parametrize(
    ("kind", "source", "mutate", "expected"),
    CASES,
)
def test_schema_case(kind: str, source: Any, mutate: Mutation, expected: Expected) -> None:
    document = canonical(source) if isinstance(source, str) else copy.deepcopy(source)
    mutate(document)
    assert errors(f"{kind}.schema.json", document) == expected


def test_case_table_is_large_enough() -> None:
    assert len([c for c in CASES if c.values[3]]) >= 15  # rejections
    assert len({c.id for c in CASES}) == len(CASES)


# ---------------------------------------------------------------- schema walking


def _walk(node: Any, where: str, resolver: Any, seen: set[int]) -> Iterator[tuple[str, str, Any]]:
    """Yield (location, property name, property schema) for every declared property.

    Follows `$ref`s (each target once), descends through combinators, items and `$defs`;
    skips `if`/`then`/`else`/`not`, which only constrain properties declared elsewhere.
    """
    if not isinstance(node, dict):
        return
    if "$ref" in node:
        resolved = resolver.lookup(node["$ref"])
        if id(resolved.contents) not in seen:
            seen.add(id(resolved.contents))
            yield from _walk(resolved.contents, f"{where}->{node['$ref']}", resolved.resolver, seen)
    for name, sub in node.get("properties", {}).items():
        yield where, name, sub
        yield from _walk(sub, f"{where}.{name}", resolver, seen)
    for pattern, sub in node.get("patternProperties", {}).items():
        yield from _walk(sub, f"{where}[{pattern}]", resolver, seen)
    for key in ("items", "additionalProperties", "contains"):
        yield from _walk(node.get(key), f"{where}[]", resolver, seen)
    for key in ("prefixItems", "allOf", "anyOf", "oneOf"):
        for index, sub in enumerate(node.get(key, [])):
            yield from _walk(sub, f"{where}/{key}/{index}", resolver, seen)
    for name, sub in node.get("$defs", {}).items():
        yield from _walk(sub, f"{where}#{name}", resolver, seen)


@pytest.mark.parametrize("name", SCHEMA_FILES)
def test_every_property_has_a_description(name: str) -> None:
    undescribed = [
        f"{where}.{prop}"
        for where, prop, sub in _walk(
            schemas()[name], name, registry().resolver(base_uri=name), set()
        )
        if not (isinstance(sub, dict) and str(sub.get("description", "")).strip())
    ]
    assert undescribed == []


def _objects(node: Any, where: str = "$") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        if "properties" in node:
            yield where, node
        for key, value in node.items():
            yield from _objects(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _objects(value, f"{where}/{index}")


@pytest.mark.parametrize("name", SCHEMA_FILES)
def test_every_object_is_closed_but_allows_x_keys(name: str) -> None:
    for where, node in _objects(schemas()[name]):
        if where.endswith(("/if", "/then", "/else")) or "/allOf/" in where:
            continue  # conditional constraints on objects declared elsewhere
        assert node.get("additionalProperties") is False, where
        assert "^x-" in node.get("patternProperties", {}), where


def _null_meanings(node: Any, where: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        if "x-null-means" in node:
            yield where, node["x-null-means"]
        for name, sub in node.get("properties", {}).items():
            yield from _null_meanings(sub, f"{where}.{name}".lstrip("."))
        for key, sub in node.items():
            if key != "properties" and isinstance(sub, (dict, list)):
                yield from _null_meanings(sub, where)
    elif isinstance(node, list):
        for sub in node:
            yield from _null_meanings(sub, where)


def test_null_meanings_are_exactly_the_models() -> None:
    assert dict(_null_meanings(schemas()["contract.schema.json"])) == {
        "dates.end": "open-ended",
        "audit.max_per_year": "no cap",
        "audit.min_notice_days": "no minimum notice",
        "commercial.liability_cap_multiple": "uncapped",
        "vendor.parent_id": "no parent",
    }
    for name in SCHEMA_FILES:
        if name != "contract.schema.json":
            assert dict(_null_meanings(schemas()[name])) == {}, name


def test_fields_with_a_null_meaning_accept_null() -> None:
    properties = schemas()["contract.schema.json"]["properties"]
    for path in ("audit.max_per_year", "audit.min_notice_days", "vendor.parent_id"):
        group, field = path.split(".")
        assert "null" in properties[group]["properties"][field]["type"], path


# ----------------------------------------------------------------------- code lists


def _enum(definition: str) -> list[str]:
    values: list[str] = schemas()["common.schema.json"]["$defs"][definition]["enum"]
    assert len(values) == len(set(values)), definition
    assert values == sorted(values), definition
    return values


def test_country_list_is_the_full_iso_3166_1_list() -> None:
    countries = _enum("country")
    assert len(countries) == 249
    assert {"NO", "GR", "GB", "DE", "NL", "US", "CH", "LT"} <= set(countries)
    assert not {"UK", "EL", "XK", "EU"} & set(countries)
    assert all(re.fullmatch(r"[A-Z]{2}", c) for c in countries)


def test_currency_list_is_iso_4217() -> None:
    currencies = _enum("currency")
    assert {"EUR", "USD", "GBP", "CHF", "JPY", "PLN", "NOK", "ZWG", "XCG"} <= set(currencies)
    assert not {"EURO", "HRK", "DEM", "BTC", "ANG"} & set(currencies)
    assert all(re.fullmatch(r"[A-Z]{3}", c) for c in currencies)


def test_language_list_is_iso_639_1() -> None:
    languages = _enum("language")
    assert {"en", "de", "fr", "nl", "no", "el", "lt"} <= set(languages)
    assert not {"EN", "eng", "sh"} & set(languages)
    assert all(re.fullmatch(r"[a-z]{2}", c) for c in languages)
