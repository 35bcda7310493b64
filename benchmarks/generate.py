#!/usr/bin/env python3
"""Deterministic generator of a synthetic contracts repository for the benchmark.

    python benchmarks/generate.py N OUTDIR [--seed S] [--invalid-share F]

writes N contracts in the canonical model (shared/contract-model.md) with their
vendors' attestations (about one per contract), about 1 % waivers and a
`.vendorpolicy.yaml` (roots: contracts, attestations, waivers):

    OUTDIR/.vendorpolicy.yaml
    OUTDIR/contracts/<vendor>/<contract-id>.yaml
    OUTDIR/attestations/<vendor or subcontractor>/<attestation-id>.yaml
    OUTDIR/waivers/<waiver-id>.yaml
    OUTDIR/manifest.json        what was generated and planted (not a YAML document)

About N/5 vendors (a skewed number of contracts each, some vendors grouped under a
`parent_id`), contracts of varied size (2-6 services, 0-4 subcontractors, 2-10
service levels, a few minimal contracts with only the required fields) and
classification, and a planted share of violations across the rule groups of
shared/rule-catalog.md, both in contracts (~10 % of them) and in vendors'
evidence (stale SOC 2 reports, ISO 27001:2013, open pen-test findings, ...).
Every other contract is meant to pass every rule that applies to it at the
evaluation date AS_OF with the built-in pack's default parameters.

Deterministic: the same N, seed and invalid share give byte-identical files
(one `random.Random(seed)`, no clock: every date is relative to AS_OF, which the
benchmark passes to `vendorpolicy check --as-of`). YAML is written as text in the
block style of tests/fixtures/canonical/ (quoted dates, country codes and
versions), not with yaml.dump. Every document is schema-valid unless
`--invalid-share` asks for a share of contracts with one schema error each.
"""

from __future__ import annotations

import argparse
import calendar
import json
import random
import re
import sys
import textwrap
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

# Bump when the output changes for the same arguments (run.py also hashes this file).
GENERATOR_VERSION = "1"
AS_OF = "2026-11-22"
TODAY = date(2026, 11, 22)
DEFAULT_SEED = 20261122
CUSTOMER = "Nordhaven Bank AG"

# --------------------------------------------------------------------------------------
# A small YAML writer: block style like a person writes it, with explicit quoting hints.
# --------------------------------------------------------------------------------------


class Q(str):
    """A string that is always double-quoted (dates, country codes, versions)."""


class Folded(str):
    """Long text, written as a folded block scalar (`>-`)."""


class Flow(list[Any]):
    """A short list written in flow style: `["NL", "DE"]`."""


@dataclass
class Note:
    """A value with a trailing `# comment`."""

    value: Any
    comment: str


_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9 ,.()'/&+@_-]*\Z")
_RESERVED = {"true", "false", "null", "yes", "no", "on", "off", "y", "n", "~"}


def _scalar(v: Any) -> str:
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, Q):
        return json.dumps(str(v), ensure_ascii=False)
    s = str(v)
    if _PLAIN.match(s) and not s.endswith(" ") and s.lower() not in _RESERVED:
        return s
    return json.dumps(s, ensure_ascii=False)


def _folded(text: str, indent: int) -> list[str]:
    pad = " " * indent
    return [pad + line for line in textwrap.wrap(text, width=max(40, 88 - indent))]


def _emit_map(d: dict[str, Any], indent: int, out: list[str], sections: bool = False) -> None:
    pad = " " * indent
    for i, (k, raw) in enumerate(d.items()):
        value, comment = (raw.value, raw.comment) if isinstance(raw, Note) else (raw, None)
        tail = f"  # {comment}" if comment else ""
        block = isinstance(value, dict) or (isinstance(value, list) and not isinstance(value, Flow))
        if sections and i > 2 and block and value:
            out.append("")
        if isinstance(value, dict):
            if not value:
                out.append(f"{pad}{k}: {{}}{tail}")
            else:
                out.append(f"{pad}{k}:{tail}")
                _emit_map(value, indent + 2, out)
        elif isinstance(value, list):
            if not value:
                out.append(f"{pad}{k}: []{tail}")
            elif isinstance(value, Flow):
                out.append(f"{pad}{k}: [{', '.join(_scalar(x) for x in value)}]{tail}")
            else:
                out.append(f"{pad}{k}:{tail}")
                _emit_seq(value, indent + 2, out)
        elif isinstance(value, Folded):
            out.append(f"{pad}{k}: >-{tail}")
            out.extend(_folded(value, indent + 2))
        else:
            out.append(f"{pad}{k}: {_scalar(value)}{tail}")


def _emit_seq(items: list[Any], indent: int, out: list[str]) -> None:
    pad = " " * indent
    for raw in items:
        value, comment = (raw.value, raw.comment) if isinstance(raw, Note) else (raw, None)
        if isinstance(value, dict):
            sub: list[str] = []
            _emit_map(value, indent + 2, sub)
            sub[0] = f"{pad}- {sub[0][indent + 2 :]}"
            out.extend(sub)
        elif isinstance(value, Folded):
            out.append(f"{pad}- >-")
            out.extend(_folded(value, indent + 2))
        else:
            tail = f"  # {comment}" if comment else ""
            out.append(f"{pad}- {_scalar(value)}{tail}")


def to_yaml(doc: dict[str, Any], header: list[str], sections: bool = False) -> str:
    out = [f"# {h}" if h else "#" for h in header]
    _emit_map(doc, 0, out, sections=sections)
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------------------
# Reference data
# --------------------------------------------------------------------------------------

EEA = [
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
    "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS",
    "LI", "NO",
]  # fmt: skip
EEA_SET = frozenset(EEA)
ADEQUACY = frozenset(
    ["AD", "AR", "CA", "FO", "GG", "IL", "IM", "JP", "JE", "NZ", "KR", "CH", "GB", "US", "UY"]
)

LEGAL_FORMS = {
    "NL": "B.V.", "DE": "GmbH", "FR": "SAS", "IE": "Limited", "LU": "S.A.", "BE": "NV",
    "ES": "S.L.", "IT": "S.r.l.", "PL": "Sp. z o.o.", "SE": "AB", "DK": "ApS", "FI": "Oy",
    "AT": "GmbH", "PT": "Lda", "CZ": "s.r.o.", "GB": "Ltd", "CH": "AG", "US": "Inc.",
    "IN": "Private Limited", "NO": "AS", "LT": "UAB", "RO": "S.R.L.", "EE": "OU", "LV": "SIA",
    "BG": "EOOD", "GR": "S.A.", "HR": "d.o.o.", "SK": "s.r.o.", "SI": "d.o.o.", "HU": "Kft.",
    "CA": "Inc.", "PH": "Inc.", "SG": "Pte. Ltd.", "RS": "d.o.o.", "MA": "SARL", "ZA": "(Pty) Ltd",
}  # fmt: skip
REGISTRY = {
    "NL": "KvK {d8}", "DE": "HRB {d6}", "FR": "RCS Paris {d3} {d3} {d3}", "IE": "CRO {d6}",
    "LU": "RCS B{d6}", "BE": "KBO 0{d3}.{d3}.{d3}", "GB": "Companies House {d8}",
    "US": "EIN {d2}-{d7}", "IN": "CIN U72200MH20{d2}PTC{d6}", "CH": "CHE-{d3}.{d3}.{d3}",
    "SE": "Org.nr {d6}-{d4}", "PL": "KRS {d10}",
}  # fmt: skip

FIRST = [
    "Helix", "Nordlicht", "Quillon", "Arcadia", "Borealis", "Cobalt", "Meridian", "Vantage",
    "Sylvan", "Orion", "Kestrel", "Lumen", "Tessera", "Altair", "Brightwater", "Cedar",
    "Delphi", "Ember", "Fjord", "Granite", "Harbor", "Iris", "Juniper", "Kairos",
    "Lighthouse", "Marble", "Nimbus", "Obsidian", "Pinnacle", "Quartz", "Riverbend",
    "Saffron", "Tundra", "Umbra", "Vela", "Willow", "Xylem", "Yarrow", "Zephyr", "Atlas",
    "Beacon", "Citadel", "Dune", "Evergreen", "Falcon", "Glacier", "Heron", "Indigo",
    "Jasper", "Keystone", "Larch", "Mistral", "Northwind", "Opal", "Polaris", "Redwood",
    "Solstice", "Tidewater", "Upland", "Verity",
]  # fmt: skip
SECOND = [
    "Cloud", "Data", "Digital", "Systems", "Networks", "Software", "Infra", "Compute",
    "Logic", "Secure", "Bridge", "Core", "Stack", "Grid", "Signal", "Vector", "Pulse",
    "Matrix", "Sphere", "Works", "Labs", "Tech", "Link", "Wave", "Byte", "Forge", "Point",
    "Path", "Scale", "Shift", "Nexus", "Axis", "Flow", "Gate", "Hub", "Line", "Port",
    "Mesh", "Sync", "Ops",
]  # fmt: skip
SUB_WORDS = [
    "Euro", "Nordic", "Atlantic", "Alpine", "Baltic", "Central", "Continental", "Danube",
    "Delta", "Eastern", "Iberian", "Metro", "Northern", "Pan", "Prime", "Rhine", "Southern",
    "Union", "Western", "Summit", "Harbour", "Crown", "Capital", "Civic", "Coastal",
    "Orbit", "Vista", "Sterling", "Pioneer", "Horizon",
]  # fmt: skip

# city, country, for subcontractor entities
CITIES = [
    ("Amsterdam", "NL"), ("Frankfurt", "DE"), ("Dublin", "IE"), ("Paris", "FR"),
    ("Brussels", "BE"), ("Luxembourg", "LU"), ("Vienna", "AT"), ("Stockholm", "SE"),
    ("Copenhagen", "DK"), ("Helsinki", "FI"), ("Madrid", "ES"), ("Lisbon", "PT"),
    ("Porto", "PT"), ("Milan", "IT"), ("Warsaw", "PL"), ("Krakow", "PL"), ("Gdansk", "PL"),
    ("Brno", "CZ"), ("Vilnius", "LT"), ("Tallinn", "EE"), ("Riga", "LV"), ("Bucharest", "RO"),
    ("Cluj", "RO"), ("Sofia", "BG"), ("Athens", "GR"), ("Oslo", "NO"), ("Zagreb", "HR"),
    ("Bratislava", "SK"), ("Ljubljana", "SI"), ("Budapest", "HU"), ("Munich", "DE"),
    ("Rotterdam", "NL"), ("Lyon", "FR"), ("Barcelona", "ES"),
]  # fmt: skip
CITIES_NON_EEA = [
    ("London", "GB"), ("Leeds", "GB"), ("Zurich", "CH"), ("Geneva", "CH"), ("Ashburn", "US"),
    ("Austin", "US"), ("Toronto", "CA"), ("Pune", "IN"), ("Bangalore", "IN"), ("Chennai", "IN"),
    ("Manila", "PH"), ("Singapore", "SG"), ("Belgrade", "RS"), ("Casablanca", "MA"),
    ("Cape Town", "ZA"),
]  # fmt: skip
# key, name part, reported by the vendor's SOC 2 as carve-out?
SUB_KINDS = [
    ("colo", "Colocation", True), ("noc", "NOC Services", False),
    ("dev", "Software Development Centre", False), ("support", "Support Services", False),
    ("cloud", "Cloud Infrastructure", True), ("soc", "Security Operations", False),
    ("print", "Print and Mail Services", False), ("data", "Data Services", False),
    ("backup", "Backup Services", True),
]  # fmt: skip

BUSINESS_UNITS = [
    ("payments", "payments platform"), ("retail", "retail banking channels"),
    ("corporate", "corporate banking platform"), ("treasury", "treasury and markets systems"),
    ("technology", "group technology estate"), ("operations", "back-office operations"),
    ("hr", "HR and payroll processes"), ("finance", "group finance and reporting"),
    ("risk", "risk and compliance systems"), ("wealth", "wealth management platform"),
    ("cards", "card issuing and acquiring"), ("lending", "mortgage and lending platform"),
]  # fmt: skip
OWNER_ROLES = [
    "Head of Payments Infrastructure", "Head of Workplace Services", "CIO Retail Banking",
    "Head of IT Vendor Management", "Head of Core Banking Transformation", "Chief Data Officer",
    "Head of Cyber Defence", "Head of HR Operations", "Head of Treasury Technology",
    "Head of Digital Channels", "Head of Infrastructure and Operations", "Head of Group Finance IT",
]  # fmt: skip
CUSTOMER_ENTITIES = [
    CUSTOMER, CUSTOMER, CUSTOMER, "Nordhaven Bank AG, Amsterdam Branch",
    "Nordhaven Asset Management S.A.", "Nordhaven Leasing GmbH", "Nordhaven Payments B.V.",
]  # fmt: skip
LANGUAGES = ["en", "en", "en", "de", "nl", "fr", "en", "it", "es", "pl", "sv"]
CURRENCIES = [("EUR", 80), ("GBP", 6), ("CHF", 5), ("SEK", 3), ("USD", 4), ("PLN", 2)]
FX_RATES = {"EUR": 1.0, "GBP": 1.16, "CHF": 1.06, "SEK": 0.088, "USD": 0.93, "PLN": 0.23}

# Service catalogue per vendor profile: id, name, type, description template ({bu}).
SERVICES: dict[str, list[tuple[str, str, str, str]]] = {
    "cloud": [
        ("hosting", "Managed private cloud hosting", "managed_service",
         "Dedicated virtualised compute, storage and network for the {bu} in two availability "
         "zones, operated 24x7 by the vendor."),
        ("dbaas", "Managed PostgreSQL platform", "paas",
         "Highly available database clusters with point-in-time recovery for the {bu}."),
        ("kubernetes", "Managed Kubernetes platform", "paas",
         "Container platform with cluster lifecycle management, patching and monitoring."),
        ("compute", "Infrastructure as a service", "iaas",
         "Virtual machines and block storage in the vendor's European regions."),
        ("object-storage", "Object storage", "iaas",
         "S3-compatible object storage with versioning and replication across sites."),
        ("backup", "Backup and restore", "managed_service",
         "Daily backups with 35-day retention and quarterly restore tests for the {bu}."),
        ("colocation", "Colocation and remote hands", "data_centre",
         "Rack space, power and remote-hands service in two data centres."),
        ("dr-site", "Disaster-recovery site", "iaas",
         "Warm standby capacity for the {bu} in a separate region."),
        ("monitoring", "Observability and monitoring", "saas",
         "Metrics, logs and alerting for the hosted workloads, with 13 months of retention."),
    ],
    "saas": [
        ("crm", "Customer relationship management", "saas",
         "Multi-tenant CRM for the {bu}, including case management and campaign tools."),
        ("hr-suite", "HR and payroll suite", "saas",
         "Core HR, payroll and time management for the bank's employees."),
        ("kyc-screening", "KYC and sanctions screening", "saas",
         "Screening of customers and payments against sanctions and PEP lists."),
        ("collaboration", "Collaboration suite", "saas",
         "E-mail, calendars, chat and document collaboration for all staff."),
        ("document-management", "Document management", "saas",
         "Records management and e-signature for contracts and customer files."),
        ("analytics", "Analytics workspace", "saas",
         "Self-service reporting and dashboards over data extracts of the {bu}."),
        ("ticketing", "IT service management tool", "saas",
         "Incident, problem and change management workflows for IT operations."),
        ("integration", "Integration platform", "paas",
         "Managed API gateway and message broker connecting the {bu} to partners."),
    ],
    "managed": [
        ("service-desk", "First-line service desk", "service_desk",
         "24x7 multilingual service desk for employees, by phone, chat and portal."),
        ("workplace", "Managed workplace", "managed_service",
         "Provisioning, patching and support of laptops and mobile devices."),
        ("soc", "Security operations centre", "managed_service",
         "Round-the-clock monitoring, triage and response for security events."),
        ("network-ops", "Network operations", "network",
         "Operation of the LAN, WLAN and data-centre network, including change management."),
        ("wan", "Managed WAN", "network",
         "SD-WAN connectivity between branches, offices and the data centres."),
        ("mainframe-ops", "Mainframe operations", "managed_service",
         "Operation, capacity management and batch scheduling of the mainframe estate."),
        ("patching", "Server patch management", "managed_service",
         "Monthly and emergency patching of the Windows and Linux server estate."),
        ("backup-ops", "Backup operations", "managed_service",
         "Operation and monitoring of the enterprise backup platform."),
    ],
    "appdev": [
        ("corebank-engineering", "Core-banking engineering", "application_development",
         "Design, development and testing of new services for the {bu}."),
        ("sap-ams", "SAP application management", "application_maintenance",
         "Second- and third-line support and minor enhancements of the SAP landscape."),
        ("legacy-ams", "Legacy application maintenance", "application_maintenance",
         "Corrective and adaptive maintenance of the in-house applications of the {bu}."),
        ("mobile-app", "Mobile banking app development", "application_development",
         "Feature development and release management of the iOS and Android apps."),
        ("data-platform", "Data platform engineering", "application_development",
         "Development of data pipelines and the reporting data model for the {bu}."),
        ("testing", "Test automation services", "other",
         "Regression test automation and test environment management."),
        ("architecture-advisory", "Architecture advisory", "consulting",
         "Architecture reviews and decision records for the programme board."),
        ("l2-support", "Second-line application support", "application_maintenance",
         "Incident analysis and fixes for the business applications of the {bu}."),
    ],
    "consulting": [
        ("security-advisory", "Security advisory", "consulting",
         "Security architecture reviews and threat modelling for the {bu}."),
        ("regulatory-advisory", "Regulatory advisory", "consulting",
         "Support with DORA and EBA outsourcing requirements, register and reporting."),
        ("cloud-migration", "Cloud migration programme", "consulting",
         "Planning and execution support for moving the {bu} to the cloud."),
        ("automation", "Process automation", "application_development",
         "Robotic process automation and workflow tooling for back-office teams."),
        ("training", "Training services", "other",
         "Instructor-led and e-learning training for IT and business staff."),
        ("pmo", "Programme management office", "consulting",
         "Planning, reporting and risk management for the transformation portfolio."),
    ],
    "payments": [
        ("card-processing", "Card processing", "saas",
         "Authorisation, clearing and settlement of debit and credit card transactions."),
        ("payments-gateway", "Payments gateway", "saas",
         "E-commerce acceptance with tokenisation and 3-D Secure for the {bu}."),
        ("hsm-hosting", "HSM hosting", "managed_service",
         "Hosted hardware security modules for PIN and key management."),
        ("fraud-detection", "Fraud detection", "saas",
         "Real-time transaction scoring and case management for fraud analysts."),
        ("tokenisation", "Tokenisation service", "paas",
         "Vaulting and tokenisation of primary account numbers."),
        ("instant-payments", "Instant payments hub", "saas",
         "SEPA Instant Credit Transfer connectivity and liquidity monitoring."),
    ],
}  # fmt: skip

# profile -> weight, sector word in the legal name, home countries, P(CIF), P(personal data),
#            P(cardholder data), class weights (public, internal, confidential, restricted)
PROFILES: dict[str, tuple[float, str, list[str], float, float, float, list[int]]] = {
    "cloud": (0.22, "Services", ["NL", "DE", "IE", "FR", "SE", "LU", "US", "GB"],
              0.45, 0.65, 0.05, [2, 18, 40, 40]),
    "saas": (0.22, "Software", ["DE", "NL", "FR", "IE", "US", "GB", "DK", "FI"],
             0.25, 0.75, 0.03, [3, 27, 45, 25]),
    "managed": (0.18, "Solutions", ["DE", "NL", "PL", "CZ", "PT", "BE", "AT", "RO"],
                0.40, 0.55, 0.02, [2, 28, 45, 25]),
    "appdev": (0.18, "Technologies", ["IN", "PL", "RO", "PT", "DE", "NL", "ES", "LT"],
               0.30, 0.45, 0.02, [5, 40, 40, 15]),
    "consulting": (0.12, "Consulting", ["DE", "NL", "GB", "FR", "CH", "BE", "IE", "LU"],
                   0.10, 0.35, 0.00, [10, 50, 35, 5]),
    "payments": (0.08, "Payments", ["NL", "DE", "BE", "LU", "IE", "GB", "US", "FR"],
                 0.60, 0.90, 0.70, [0, 5, 35, 60]),
}  # fmt: skip
# Extra delivery locations typical of a profile (offshore, follow-the-sun).
FOOTPRINT_EXTRA = {
    "cloud": ["DE", "NL", "IE", "FR", "SE", "FI", "US", "GB", "CH"],
    "saas": ["IE", "DE", "NL", "US", "GB", "IN", "PL"],
    "managed": ["PL", "CZ", "PT", "RO", "IN", "PH", "LT", "ES"],
    "appdev": ["IN", "PL", "RO", "UA", "PT", "RS", "LT", "BG"],
    "consulting": ["DE", "NL", "GB", "IN", "ES", "FR"],
    "payments": ["NL", "DE", "BE", "IE", "GB", "LU", "LT"],
}

INFRA_TYPES = {"iaas", "paas", "saas", "managed_service", "data_centre", "network"}
DEV_TYPES = {"application_development", "application_maintenance", "consulting"}
ALL_TRIGGERS = [
    "breach_law_or_contract", "impediment_to_performance", "material_change",
    "security_weakness", "regulator_instruction", "unauthorised_subcontracting",
    "subcontracting_change_objected", "insolvency", "change_of_control",
]  # fmt: skip
DPA_CLAUSES = [
    "instructions", "confidentiality", "security_art32", "subprocessing",
    "data_subject_rights", "assist_art32_36", "delete_or_return", "audit_information",
]  # fmt: skip
BREACH_CONTENT = ["nature", "categories_and_counts", "contact_point", "consequences", "measures"]
KT_DELIVERABLES = [
    "runbooks", "architecture", "configuration", "source_code", "data_dictionary", "training",
]  # fmt: skip
DATA_TYPES = [
    "customer identification data", "account and payment transaction data",
    "authentication logs", "contact details", "employee records", "device identifiers",
    "support tickets and call recordings", "credit assessment data", "payroll data",
]  # fmt: skip
SUBJECTS = [
    "retail customers", "corporate customer representatives", "bank employees",
    "prospective customers", "contractors", "beneficiaries of payments",
]  # fmt: skip
AUDITORS = [
    ("Lindqvist & Maas Assurance LLP", "AICPA Peer Review Program"),
    ("Harcourt Byrne Assurance LLP", "AICPA Peer Review Program"),
    ("Vermeer Audit Partners LLP", "AICPA Peer Review Program"),
    ("Castellan Attest Services LLP", "AICPA Peer Review Program"),
]
CERT_BODIES = [
    ("Certivo Certification B.V.", "RvA (Raad voor Accreditatie)"),
    ("Normwerk Zertifizierung GmbH", "DAkkS"),
    ("Certania Ireland Limited", "INAB"),
    ("Qualiscope Certification SAS", "COFRAC"),
]
PENTEST_FIRMS = [
    "Redline Offensive Security GmbH", "Bastion Red Team B.V.", "Kerberos Labs Ltd",
    "Nightjar Security Oy", "Ironclad Testing S.L.",
]  # fmt: skip
QSAS = ["Paladin QSA Services Ltd", "Cardwise Compliance B.V.", "Vaultline QSA GmbH"]
CUECS = [
    "The customer reviews the access rights of its own administrators quarterly.",
    "The customer manages its encryption keys in its own key management service.",
    "The customer notifies the vendor of leavers with access within one business day.",
    "The customer approves changes to its own tenant configuration.",
    "The customer restricts network access to its tenant to approved address ranges.",
]  # fmt: skip


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


def add_months(d: date, n: int) -> date:
    y, m = divmod(d.month - 1 + n, 12)
    y += d.year
    m += 1
    return date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


def month_end(d: date) -> date:
    return date(d.year, d.month, calendar.monthrange(d.year, d.month)[1])


def qd(d: date | None) -> Q | None:
    return None if d is None else Q(d.isoformat())


def qc(codes: list[str]) -> Flow:
    return Flow(Q(c) for c in codes)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def uniq(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


@dataclass
class Sub:
    id: str
    name: str
    country: str
    processing: list[str]
    kind: str
    carve_out: bool
    cif_uses: int = 0


@dataclass
class Vendor:
    key: str
    base: str  # "Helix Cloud"
    legal_name: str
    country: str
    profile: str
    parent_id: str | None
    group: str
    lei: str | None
    national_id: str | None
    dpf: bool
    attested_entities: list[str]
    footprint: list[str]
    soc2: bool
    services: dict[str, None] = field(default_factory=dict)
    locations: dict[str, None] = field(default_factory=dict)
    subs: dict[str, Sub] = field(default_factory=dict)
    chd: bool = False
    needs_pentest: bool = False
    any_cif: bool = False
    any_sens: bool = False
    contract_ids: list[str] = field(default_factory=list)


@dataclass
class Ctx:
    """Applicability flags of one contract (the predicates of the rule catalogue)."""

    cif: bool
    pd: bool
    proc: bool
    sens: bool
    nonpub: bool
    chd: bool
    subc: bool
    restricted: bool
    dev: bool
    has_subs: bool
    has_levels: bool
    active: bool = True  # active() of the catalogue: start <= AS_OF <= end (or no end)
    future: bool = False  # starts after AS_OF


# --------------------------------------------------------------------------------------
# Planted violations (contract level): name, applies(ctx, doc), mutate(doc, ctx) -> rules
# --------------------------------------------------------------------------------------


def _security_rules(c: Ctx) -> list[str]:
    rules = []
    if c.sens or c.pd or c.chd:
        rules.append("ENC-001")
    if c.nonpub:
        rules += ["ENC-002", "SEC-001", "SEC-004"]
    if c.restricted:
        rules.append("ENC-003")
    if c.sens or c.cif or c.chd:
        rules += ["SEC-002", "SEC-005"]
    if c.cif:
        rules.append("SEC-006")
    rules.append("SEC-007")
    if c.chd:
        rules.append("ATT-008")
    return sorted(rules)


def _set(doc: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    node: Any = doc
    for p in parents:
        node = node[int(p)] if isinstance(node, list) else node[p]
    node[last] = value


def _plant_storage_outside_eea(doc: dict[str, Any], c: Ctx) -> list[str]:
    doc["data"]["storage_countries"] = qc([*doc["data"]["storage_countries"], "US"])
    if c.pd:  # a lawful transfer basis, so that only the localisation rule fails
        doc["data"]["transfers"].append(
            {"country": Q("US"), "mechanism": "scc_2021_914", "tia_completed": True}
        )
    return ["LOC-002"]


def _plant_sub_outside_eea(doc: dict[str, Any], c: Ctx) -> list[str]:
    for k in doc["subcontractors"]:
        if k["data_access"]:
            k["country"] = Q("IN")
            k["processing_countries"] = qc(["IN"])
            return ["LOC-004", "LOC-005"] if c.pd else ["LOC-005"]
    return []


def _plant_ineligible_sub(doc: dict[str, Any], c: Ctx) -> list[str]:
    closed = [s["id"] for s in doc["services"] if not s["subcontracting_allowed"]]
    sub = doc["subcontractors"][0]
    sub["services"] = Flow([*sub["services"], closed[0]])
    return ["SUB-002"]


def _plant_low_availability(doc: dict[str, Any], c: Ctx) -> list[str]:
    for lvl in doc["service_levels"]:
        if lvl["metric"] == "availability":
            lvl["target"] = 99.0
    return ["SLA-002"]


def _plant_drop(path: str, *drop: str) -> Any:
    def mutate(doc: dict[str, Any], c: Ctx) -> list[str]:
        *parents, last = path.split(".")
        node = doc
        for p in parents:
            node = node[p]
        kept = [x for x in node[last] if x not in drop]
        node[last] = Flow(kept) if isinstance(node[last], Flow) else kept
        return []

    return mutate


def _plant(path: str, value: Any) -> Any:
    def mutate(doc: dict[str, Any], c: Ctx) -> list[str]:
        _set(doc, path, value)
        return []

    return mutate


def _has_closed_service(doc: dict[str, Any]) -> bool:
    return any(not s.get("subcontracting_allowed", True) for s in doc["services"])


def _has_data_sub(doc: dict[str, Any]) -> bool:
    return any(k["data_access"] for k in doc.get("subcontractors", []))


def _availability(doc: dict[str, Any]) -> bool:
    return any(lvl["metric"] == "availability" for lvl in doc.get("service_levels", []))


def _no_security(doc: dict[str, Any], c: Ctx) -> list[str]:
    del doc["security"]
    return _security_rules(c)


def _dd_after_signature(doc: dict[str, Any], c: Ctx) -> list[str]:
    signed = date.fromisoformat(doc["dates"]["signed"])
    doc["due_diligence"]["completed"] = qd(signed + timedelta(days=21))
    return []


def _register_incomplete(doc: dict[str, Any], c: Ctx) -> list[str]:
    doc["vendor"].pop("lei", None)
    doc["vendor"].pop("national_id", None)
    return []


def _workforce(doc: dict[str, Any], c: Ctx) -> list[str]:
    doc["workforce"] = {
        "affected_employees": 14,
        "change_plan": False,
        "employee_rep_consultation": True,
    }
    return []


ALWAYS = lambda c, d: True  # noqa: E731

# name, applies(ctx, doc), mutate(doc, ctx) -> extra rules, rules
VIOLATIONS: list[tuple[str, Any, Any, list[str]]] = [
    ("tls_1_1", lambda c, d: c.nonpub,
     _plant("security.encryption.min_tls_version", Q("1.1")), ["ENC-002"]),
    ("no_encryption_in_transit", lambda c, d: c.nonpub,
     _plant("security.encryption.in_transit", False), ["ENC-002"]),
    ("no_encryption_at_rest", lambda c, d: c.sens or c.pd or c.chd,
     _plant("security.encryption.at_rest", False), ["ENC-001"]),
    ("provider_managed_keys", lambda c, d: c.restricted,
     _plant("security.encryption.key_control", "provider_managed"), ["ENC-003"]),
    ("storage_outside_eea", lambda c, d: c.sens, _plant_storage_outside_eea, []),
    ("short_location_notice", ALWAYS, _plant("data.location_change_notice_days", 30),
     ["LOC-003"]),
    ("art49_transfer", lambda c, d: c.pd,
     lambda d, c: d["data"]["transfers"].append(
         {"country": Q("IN"), "mechanism": "art49_derogation", "tia_completed": False}) or [],
     ["LOC-004"]),
    ("subcontractor_outside_eea", lambda c, d: c.sens and _has_data_sub(d),
     _plant_sub_outside_eea, []),
    ("vendor_owns_data", lambda c, d: c.nonpub, _plant("data.owner", "vendor"), ["IPC-001"]),
    ("ai_training_use", lambda c, d: c.pd or c.sens, _plant("data.vendor_use", "ai_training"),
     ["IPC-002"]),
    ("ip_unspecified", lambda c, d: c.dev, _plant("ip.deliverables_owner", "unspecified"),
     ["IPC-003"]),
    ("short_confidentiality", lambda c, d: c.nonpub, _plant("confidentiality.survival_years", 2),
     ["IPC-004"]),
    ("missing_regulatory_trigger", ALWAYS, _plant_drop("termination.triggers",
     "security_weakness"), ["EXT-001"]),
    ("short_vendor_notice", ALWAYS, _plant("termination.vendor_notice_days", 90), ["EXT-002"]),
    ("short_transition", lambda c, d: c.cif, _plant("termination.transition_period_days", 90),
     ["EXT-003"]),
    ("slow_data_return", lambda c, d: c.nonpub, _plant("data.exit.return_within_days", 90),
     ["EXT-004"]),
    ("stale_exit_plan", lambda c, d: c.cif, _plant("exit_plan.last_tested", Q("2024-05-14")),
     ["EXT-005"]),
    ("capped_audits", lambda c, d: c.cif, _plant("audit.max_per_year", 1), ["AUD-003"]),
    ("no_onsite_audit", lambda c, d: c.cif, _plant("audit.onsite", False), ["AUD-001"]),
    ("no_regulator_access", ALWAYS, _plant("audit.regulator_right", False), ["AUD-002"]),
    ("low_availability", lambda c, d: _availability(d), _plant_low_availability, []),
    ("no_remedy", lambda c, d: c.has_levels and not c.cif,
     _plant("service_levels.0.remedy", "none"), ["SLA-003"]),
    ("quarterly_reporting", ALWAYS, _plant("governance.reporting_interval_days", 90),
     ["SLA-004"]),
    ("no_escalation", ALWAYS, _plant("governance.escalation_procedure", False), ["SLA-005"]),
    ("ineligible_subcontracting", lambda c, d: c.has_subs and _has_closed_service(d),
     _plant_ineligible_sub, []),
    ("short_subprocessor_notice",
     lambda c, d: c.subc and d["subcontracting"]["authorisation"] == "prior_general",
     _plant("subcontracting.change_notice_days", 14), ["SUB-003"]),
    ("no_flow_down", lambda c, d: c.subc, _plant("subcontracting.flow_down", False),
     ["SUB-005"]),
    ("slow_incident_notice", lambda c, d: c.nonpub or c.cif,
     _plant("incident.notify_hours", 72), ["INC-001"]),
    ("breach_notice_content", lambda c, d: c.proc,
     _plant_drop("incident.breach_notice_content", "consequences", "measures"), ["INC-002"]),
    ("incident_assistance_billed", ALWAYS,
     _plant("incident.assistance_cost", "time_and_materials"), ["INC-003"]),
    ("stale_bcp_test", lambda c, d: c.cif, _plant("continuity.last_test_date", Q("2025-03-01")),
     ["BCM-001"]),
    ("rto_too_long", lambda c, d: c.cif, _plant("continuity.rto_hours", 24), ["BCM-002"]),
    ("no_remote_mfa", lambda c, d: c.nonpub, _plant("security.mfa.remote", False), ["SEC-001"]),
    ("biennial_pentest", lambda c, d: c.sens or c.cif or c.chd,
     _plant("security.pentest.interval_months", 24), ["SEC-002"]),
    ("slow_critical_patching", lambda c, d: c.nonpub, _plant("security.patch_days.critical", 60),
     ["SEC-004"]),
    ("no_segmentation", lambda c, d: c.sens or c.chd or c.cif,
     _plant("security.network_segmentation", False), ["SEC-005"]),
    ("no_tlpt", lambda c, d: c.cif, _plant("security.tlpt_participation", False), ["SEC-006"]),
    ("missing_security_section", ALWAYS, _no_security, []),
    ("price_cap_above_policy", ALWAYS, _plant("commercial.price_increase_cap_pct", 8),
     ["COM-002"]),
    ("exit_fees_unspecified", ALWAYS, _plant("commercial.exit_fees", "unspecified"),
     ["COM-003"]),
    ("low_liability_cap", lambda c, d: c.sens or c.pd or c.cif,
     _plant("commercial.liability_cap_multiple", 0.5), ["COM-004"]),
    ("substitutability_not_assessed", lambda c, d: c.cif,
     _plant("dependency.substitutability", "not_assessed"), ["CON-001"]),
    ("kt_without_configuration", ALWAYS,
     _plant_drop("knowledge_transfer.deliverables", "configuration"), ["KT-001"]),
    ("no_exit_knowledge_transfer", lambda c, d: c.cif,
     _plant("termination.exit_knowledge_transfer", False), ["KT-002"]),
    ("no_retained_smes", lambda c, d: c.cif, _plant("customer.retained_sme_count", 0),
     ["KT-003"]),
    ("short_key_personnel_notice", ALWAYS, _plant("personnel.key_change_notice_days", 14),
     ["PER-001"]),
    ("slow_offboarding", lambda c, d: c.sens or c.pd or c.chd,
     _plant("personnel.offboarding_notice_hours", 72), ["PER-002"]),
    ("no_workforce_plan", ALWAYS, _workforce, ["PER-003"]),
    ("due_diligence_after_signature", ALWAYS, _dd_after_signature, ["DUE-001"]),
    ("stale_review", ALWAYS,
     _plant("due_diligence.last_review", Q(add_months(TODAY, -30).isoformat())), ["DUE-002"]),
    ("register_incomplete", ALWAYS, _register_incomplete, ["DUE-003"]),
    ("dpa_particulars_missing", lambda c, d: c.proc, _plant("dpa.data_subject_categories", []),
     ["DPA-001"]),
    ("dpa_clauses_missing", lambda c, d: c.proc,
     _plant_drop("dpa.clauses", "subprocessing", "audit_information"), ["DPA-002"]),
    ("no_pci_matrix", lambda c, d: c.chd, _plant("security.pci_responsibility_matrix", False),
     ["ATT-008"]),
]  # fmt: skip

# Violations a waiver may cover (rule, JSON pointer or None).
WAIVABLE = {
    "short_vendor_notice": ("EXT-002", "/termination"),
    "price_cap_above_policy": ("COM-002", "/commercial"),
    "short_location_notice": ("LOC-003", "/data"),
    "quarterly_reporting": ("SLA-004", None),
    "short_key_personnel_notice": ("PER-001", "/personnel"),
    "biennial_pentest": ("SEC-002", "/security/pentest"),
    "capped_audits": ("AUD-003", "/audit"),
    "tls_1_1": ("ENC-002", "/security/encryption"),
    "storage_outside_eea": ("LOC-002", None),
    "stale_review": ("DUE-002", None),
    "slow_offboarding": ("PER-002", None),
    "exit_fees_unspecified": ("COM-003", None),
}

# Vendor-level planted problems in the vendor's evidence: name -> rules it should trigger
# on the vendor's contracts where they apply.
VENDOR_VIOLATIONS = {
    "stale_soc2": ["ATT-002"],
    "bridged_soc2": ["ATT-002"],
    "soc2_type1_only": ["ATT-003"],
    "qualified_opinion": ["ATT-005"],
    "iso_2013": ["ATT-006"],
    "expired_iso": ["ATT-006"],
    "pentest_open_high": ["SEC-003"],
    "tsc_without_confidentiality": ["ATT-004"],
    "pci_aoc_3_2_1": ["ATT-008"],
}

# Schema errors for --invalid-share.
INVALID_KINDS = [
    "country_uk",
    "tls_float",
    "unknown_field",
    "missing_classification_field",
    "impossible_date",
    "bad_service_type",
]


# --------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------


class Generator:
    def __init__(self, n: int, outdir: Path, seed: int, invalid_share: float) -> None:
        self.n = n
        self.out = outdir
        self.seed = seed
        self.rng = random.Random(seed)
        self.bad_rng = random.Random(seed + 1)  # --invalid-share decisions only
        self.invalid_share = invalid_share
        self.ids: set[str] = set()  # metadata.id of every document: unique across the repository
        self.vendor_keys: set[str] = set()
        self.sub_ids: set[str] = set()
        self.subs_eea: list[Sub] = []
        self.subs_any: list[Sub] = []
        self.group_cif: dict[str, int] = {}
        self.group_cap: dict[str, int] = {}
        # parent group -> its CIF contracts (id, active, future), for CON-002
        self.group_critical: dict[str, list[tuple[str, bool, bool]]] = {}
        self.carved: dict[str, Sub] = {}
        self.planted: dict[str, list[dict[str, Any]]] = {}
        self.vendor_planted: dict[str, dict[str, Any]] = {}
        self.invalid: dict[str, str] = {}
        self.minimal: list[str] = []
        self.paths: dict[str, str] = {}  # contract id -> relative path
        self.contract_vendor: dict[str, str] = {}
        self.sample: str | None = None
        self.counts: dict[str, int] = {}
        self.lines: list[int] = []

    # ---- small random helpers ----------------------------------------------------------

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def pick(self, seq: list[Any]) -> Any:
        return seq[self.rng.randrange(len(seq))]

    def digits(self, n: int) -> str:
        return "".join(str(self.rng.randrange(10)) for _ in range(n))

    def lei(self) -> str:
        alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        body = self.pick(["7245", "5299", "2138", "5493", "9845", "3912", "8156", "6354"]) + "00"
        body += "".join(self.pick(list(alnum)) for _ in range(12))
        num = int("".join(str(int(ch, 36)) for ch in body + "00"))
        return f"{body}{98 - num % 97:02d}"

    def national_id(self, country: str) -> str:
        template = REGISTRY.get(country, "Reg. {d8}")
        return re.sub(r"\{d(\d+)\}", lambda m: self.digits(int(m.group(1))), template)

    def past(self, lo: int, hi: int) -> date:
        return TODAY - timedelta(days=self.rng.randint(lo, hi))

    # ---- vendors -------------------------------------------------------------------------

    def make_vendors(self) -> list[Vendor]:
        count = max(1, round(self.n / 5))
        pairs = len(FIRST) * len(SECOND)
        bases = [
            f"{FIRST[p // len(SECOND)]} {SECOND[p % len(SECOND)]}"
            for p in self.rng.sample(range(pairs), min(count, pairs))
        ]
        if count > pairs:  # "Helix Nordic Cloud": three-word names
            triples = pairs * len(SUB_WORDS)
            for p in self.rng.sample(range(triples), min(count - pairs, triples)):
                a, w = p % pairs, p // pairs
                bases.append(f"{FIRST[a // len(SECOND)]} {SUB_WORDS[w]} {SECOND[a % len(SECOND)]}")
        while len(bases) < count:
            bases.append(f"{bases[len(bases) % (pairs or 1)]} {len(bases)}")
        profiles = list(PROFILES)
        weights = [PROFILES[p][0] for p in profiles]
        vendors = []
        for i, base in enumerate(bases):
            profile = self.rng.choices(profiles, weights)[0]
            _, sector, homes, *_ = PROFILES[profile]
            country = self.pick(homes)
            key = slug(base)
            if key in self.vendor_keys:
                key = f"{key}-{slug(sector)}-{i}"
            self.vendor_keys.add(key)
            region = {"US": "International", "GB": "UK", "IN": "India", "CH": "Schweiz"}.get(
                country, "Europe"
            )
            legal_name = f"{base} {sector} {region} {LEGAL_FORMS.get(country, 'Ltd')}"
            attested = []
            if self.chance(0.15):
                other = self.pick([c for c in ("DE", "IE", "NL", "FR") if c != country])
                attested = [f"{base} {sector} {other} {LEGAL_FORMS[other]}"]
            extra = FOOTPRINT_EXTRA[profile]
            footprint = uniq([country, *self.rng.sample(extra, self.rng.randint(1, 3))])
            has_lei = self.chance(0.85)
            vendors.append(
                Vendor(
                    key=key,
                    base=base,
                    legal_name=legal_name,
                    country=country,
                    profile=profile,
                    parent_id=None,
                    group=key,
                    lei=self.lei() if has_lei else None,
                    national_id=self.national_id(country)
                    if (not has_lei or self.chance(0.6))
                    else None,
                    dpf=country == "US" or (self.chance(0.2) and "US" in footprint),
                    attested_entities=attested,
                    footprint=footprint,
                    soc2=self.chance(0.75) or profile in ("cloud", "payments"),
                )
            )
        # parent groups: ~20 % of vendors in groups of 2-4
        grouped = self.rng.sample(range(count), round(count * 0.2)) if count >= 4 else []
        i = 0
        while i + 1 < len(grouped):
            size = self.rng.randint(2, 4)
            members = [vendors[j] for j in grouped[i : i + size]]
            parent = f"{slug(members[0].base.split()[0])}-holdings"
            while parent in self.vendor_keys:
                parent = f"{parent}-{len(self.vendor_keys)}"
            self.vendor_keys.add(parent)
            for v in members:
                v.parent_id = parent
                v.group = parent
            # ~3 % of groups may exceed the critical-contract limit (CON-002)
            self.group_cap[parent] = 6 if self.chance(0.03) else 3
            i += size
        return vendors

    # ---- subcontractor entities ----------------------------------------------------------

    def new_sub(self, eea: bool) -> Sub:
        city, country = self.pick(CITIES if eea or self.chance(0.6) else CITIES_NON_EEA)
        kind, kind_name, carve = self.pick(SUB_KINDS)
        word = self.pick(SUB_WORDS)
        sid = slug(f"{word} {kind} {city}")
        if sid in self.sub_ids or sid in self.vendor_keys:
            sid = f"{sid}-{len(self.sub_ids)}"
        self.sub_ids.add(sid)
        name = f"{word} {kind_name} {city} {LEGAL_FORMS.get(country, 'Ltd')}"
        processing = [country]
        if self.chance(0.25):
            near = [c for _, c in (CITIES if country in EEA_SET else CITIES_NON_EEA)]
            processing = uniq([country, self.pick(near)])
        sub = Sub(sid, name, country, processing, kind, carve)
        if country in EEA_SET and all(c in EEA_SET for c in processing):
            self.subs_eea.append(sub)
        self.subs_any.append(sub)
        return sub

    def pick_sub(self, eea: bool, cif: bool, taken: set[str]) -> Sub:
        pool = self.subs_eea if eea else self.subs_any
        if pool and self.chance(0.75):
            for _ in range(6):
                sub = self.pick(pool)
                if sub.id not in taken and (not cif or sub.cif_uses < 5):
                    return sub
        return self.new_sub(eea)

    # ---- contracts -----------------------------------------------------------------------

    def allowed(self, v: Vendor, sens: bool, k: int) -> list[str]:
        fp = [c for c in v.footprint if c in EEA_SET] if sens else list(v.footprint)
        if not fp:
            fp = self.rng.sample(["IE", "NL", "DE", "FR", "SE"], 2)
        return self.rng.sample(fp, min(k, len(fp)))

    def contract(self, v: Vendor) -> tuple[dict[str, Any], Ctx]:
        r = self.rng
        _, _, _, p_cif, p_pd, p_chd, class_w = PROFILES[v.profile]
        cap = self.group_cap.get(v.group, 3)
        cif = self.chance(p_cif) and self.group_cif.get(v.group, 0) < cap
        dc = r.choices(["public", "internal", "confidential", "restricted"], class_w)[0]
        if cif and dc in ("public", "internal") and self.chance(0.8):
            dc = self.pick(["confidential", "restricted"])
        chd = dc in ("confidential", "restricted") and self.chance(p_chd)
        pd = dc != "public" and (chd or self.chance(p_pd))
        sens = dc in ("confidential", "restricted")
        if cif:
            self.group_cif[v.group] = self.group_cif.get(v.group, 0) + 1

        catalog = SERVICES[v.profile]
        n_svc = r.choices([2, 3, 4, 5, 6], [30, 30, 20, 12, 8])[0]
        chosen = r.sample(catalog, min(n_svc, len(catalog)))
        bu_key, bu = self.pick(BUSINESS_UNITS)

        # dates
        term = self.pick([36, 48, 60, 60, 84])
        if self.chance(0.05):  # starts after the evaluation date
            start = add_months(date(TODAY.year, TODAY.month, 1), r.randint(1, 8))
        else:
            start = TODAY - timedelta(days=r.randint(20, term * 30 - 40))
            start = date(start.year, start.month, 1 if self.chance(0.7) else 15)
        end: date | None = add_months(start, term) - timedelta(days=1)
        if self.chance(0.04):  # ended before the evaluation date
            end = TODAY - timedelta(days=r.randint(10, 300))
            start = add_months(end + timedelta(days=1), -term)
        open_ended = self.chance(0.1)
        if open_ended:
            end = None
        signed = start - timedelta(days=r.randint(10, 90))
        completed = signed - timedelta(days=r.randint(20, 150))
        risk_assessment = completed + timedelta(days=r.randint(0, (signed - completed).days))

        cid = f"{v.key}-{chosen[0][0]}-{start.year}"
        if cid in self.ids:
            cid = f"{cid}-{len(v.contract_ids) + 1}"
        while cid in self.ids:
            cid += "x"
        self.ids.add(cid)

        metadata: dict[str, Any] = {"id": cid, "vendor": v.key}
        title = f"{chosen[0][1]} for the {bu}"
        if self.chance(0.9):
            metadata["title"] = title
        if self.chance(0.7):
            labels: dict[str, Any] = {"business_unit": bu_key}
            if self.chance(0.6):
                labels["register_of_information_ref"] = Q(
                    f"ROI-{start.year}-{r.randint(1, 9999):04d}"
                )
            metadata["labels"] = labels
        classification = {
            "critical_function": cif,
            "data_classification": dc,
            "personal_data": pd,
            "special_category_data": pd and self.chance(0.06),
            "cardholder_data": chd,
        }
        svc_cif_only = cif and self.chance(0.1)  # CIF only through a service flag
        if svc_cif_only:
            classification["critical_function"] = False

        minimal = self.chance(0.03)
        if minimal:
            doc = {
                "apiVersion": "vendorpolicy/v1",
                "kind": "Contract",
                "metadata": {"id": cid, "vendor": v.key},
                "vendor": {"legal_name": v.legal_name},
                "dates": {"start": qd(start)},
                "classification": classification,
                "services": [
                    {"id": s[0], "name": s[1], "type": s[2]} for s in chosen[: r.randint(1, 2)]
                ],
            }
            if svc_cif_only:
                doc["services"][0]["critical_function"] = True
            for s in doc["services"]:
                v.services[s["id"]] = None
            ctx = Ctx(
                cif,
                pd,
                False,
                sens,
                dc != "public",
                chd,
                False,
                dc == "restricted",
                False,
                False,
                False,
                active=start <= TODAY,
                future=start > TODAY,
            )
            self.minimal.append(cid)
            return doc, ctx

        # subcontracting
        n_subs = r.choices([0, 1, 2, 3, 4], [35, 25, 20, 12, 8])[0]
        subc = n_subs > 0 or self.chance(0.3)
        svc_ids = [s[0] for s in chosen]
        open_ids = []
        if subc:
            open_ids = [sid for sid in svc_ids if self.chance(0.6)] or [svc_ids[0]]

        services = []
        for i, (sid, name, stype, desc) in enumerate(chosen):
            s_cif = cif and (i == 0 or self.chance(0.3))
            services.append(
                {
                    "id": sid,
                    "name": name,
                    "description": Folded(desc.format(bu=bu)),
                    "type": stype,
                    "critical_function": s_cif,
                    "subcontracting_allowed": sid in open_ids,
                    "delivery_countries": qc(self.allowed(v, sens, r.randint(1, 2))),
                }
            )
            v.services[sid] = None

        levels = self.service_levels(services, cif)

        storage = self.allowed(v, sens, r.randint(1, 2))
        processing = uniq([*storage, *self.allowed(v, sens, r.randint(0, 1))])
        backup = self.allowed(v, sens, 1)
        dr = [c for c in self.allowed(v, sens, 2) if c != storage[0]] or backup

        subs: list[dict[str, Any]] = []
        taken: set[str] = set()
        for _ in range(n_subs):
            data_access = self.chance(0.5)
            sub = self.pick_sub(eea=sens and data_access, cif=cif, taken=taken)
            taken.add(sub.id)
            if cif:
                sub.cif_uses += 1
            v.subs[sub.id] = sub
            subs.append(
                {
                    "id": sub.id,
                    "name": sub.name,
                    "country": Q(sub.country),
                    "processing_countries": qc(sub.processing),
                    "services": Flow(r.sample(open_ids, r.randint(1, min(2, len(open_ids))))),
                    "data_access": data_access,
                    "dpf_certified": sub.country == "US",
                }
            )

        # transfers: a lawful basis for every non-EEA personal-data location (LOC-004)
        transfers: list[dict[str, Any]] = []
        if pd:
            need: dict[str, bool] = {}  # country -> covered by adequacy
            for c in [*storage, *processing, *backup]:
                need.setdefault(c, c in ADEQUACY and (c != "US" or v.dpf))
            for k in subs:
                if k["data_access"]:
                    for c in [k["country"], *k["processing_countries"]]:
                        ok = c in ADEQUACY and (c != "US" or k["dpf_certified"])
                        need[c] = need.get(c, True) and ok
            for c, covered in need.items():
                if c not in EEA_SET and not covered:
                    transfers.append(
                        {
                            "country": Q(c),
                            "mechanism": self.pick(["scc_2021_914", "scc_2021_914", "bcr"]),
                            "tia_completed": True,
                        }
                    )
            if self.chance(0.15):
                transfers.append(
                    {
                        "country": Note(
                            Q(self.pick(["CH", "GB"])),
                            "third-line support, only with the bank's case-by-case approval",
                        ),
                        "mechanism": "adequacy",
                        "tia_completed": True,
                    }
                )
        for c in [*storage, *processing]:
            v.locations[c] = None

        annual = self.pick([60, 120, 250, 400, 750, 1200, 1850, 3000, 4800]) * 1000
        annual += r.randint(0, 40) * 1000
        currency = r.choices([c for c, _ in CURRENCIES], [w for _, w in CURRENCIES])[0]
        dev = any(s["type"] in DEV_TYPES for s in services)
        owner = r.choices(["customer", "joint", "vendor"], [60, 15, 25])[0]
        licence = "perpetual_irrevocable" if owner != "vendor" or dev else "term_limited"
        escrow = owner == "vendor" and self.chance(0.5)
        deliverables = ["runbooks", "architecture", "configuration"]
        deliverables += [d for d in KT_DELIVERABLES[3:] if self.chance(0.4)]
        if owner == "vendor" and not escrow and "source_code" not in deliverables:
            deliverables.insert(3, "source_code")
        deliverables = [d for d in KT_DELIVERABLES if d in deliverables]
        proc = False

        vendor: dict[str, Any] = {"legal_name": v.legal_name}
        if v.lei:
            vendor["lei"] = Q(v.lei)
        if v.national_id:
            vendor["national_id"] = Q(v.national_id)
        vendor["country"] = Q(v.country)
        vendor["parent_id"] = v.parent_id
        vendor["dpf_certified"] = v.dpf
        vendor["attested_entities"] = list(v.attested_entities)

        role = self.pick(OWNER_ROLES)
        doc: dict[str, Any] = {
            "apiVersion": "vendorpolicy/v1",
            "kind": "Contract",
            "metadata": metadata,
            "vendor": vendor,
            "customer": {
                "entity": self.pick(CUSTOMER_ENTITIES),
                "owner_role": role,
                "retained_sme_count": r.randint(1, 6) if cif else r.randint(0, 3),
            },
            "dates": {
                "signed": qd(signed),
                "start": qd(start),
                "end": qd(end),
                "auto_renewal": open_ended or self.chance(0.3),
            },
            "classification": classification,
            "services": services,
            "service_levels": levels,
            "governance": {
                "reporting_interval_days": self.pick([7, 14, 30, 30, 31]),
                "review_meeting_interval_months": self.pick([1, 1, 3, 3, 2]),
                "escalation_procedure": True,
                "material_change_notification": True,
                "contacts": {
                    "customer": f"{self.pick(['Vendor Manager', 'Service Owner', 'Head of Sourcing'])}, {CUSTOMER}",  # noqa: E501
                    "vendor": f"{self.pick(['Service Delivery Manager', 'Account Director', 'Engagement Lead'])}, {v.base}",  # noqa: E501
                },
                "language": Q(self.pick(LANGUAGES)),
            },
            "data": {
                "storage_countries": qc(storage),
                "processing_countries": qc(processing),
                "backup_countries": qc(backup),
                "location_change_notice_days": self.pick([90, 120, 180, 180]),
                "owner": "customer",
                "vendor_use": "service_only",
                "transfers": transfers,
                "exit": {
                    "return_format": self.pick(
                        [
                            Folded(
                                "Database dumps in the native format and CSV extracts of "
                                "all tables, each with a SHA-256 manifest"
                            ),
                            "CSV and JSON exports with a data dictionary",
                            "VM images (OVF) and object storage exports",
                            "Git bundles of all repositories and an export of the wiki",
                        ]
                    ),
                    "return_within_days": self.pick([14, 30, 30, 21]),
                    "access_on_insolvency": True,
                    "deletion_certificate": True,
                },
            },
        }
        if pd:
            role_v = r.choices(["processor", "controller", "joint_controller"], [85, 10, 5])[0]
            proc = role_v == "processor"
            dpa: dict[str, Any] = {"vendor_role": role_v}
            dpa["subject_matter"] = f"{chosen[0][1]} for the {bu}"
            dpa["duration"] = "Term of the agreement plus the exit transition period"
            dpa["nature_purpose"] = Folded(
                f"{self.pick(['Storage and processing', 'Operation and support', 'Hosting and backup'])}"  # noqa: E501
                f" of personal data on the bank's documented instructions for the {bu}"
            )
            dpa["data_types"] = r.sample(DATA_TYPES, r.randint(1, 4))
            dpa["data_subject_categories"] = r.sample(SUBJECTS, r.randint(1, 3))
            dpa["clauses"] = list(DPA_CLAUSES) if proc or self.chance(0.5) else []
            doc["dpa"] = dpa
        elif self.chance(0.7):
            doc["dpa"] = {
                "vendor_role": "not_applicable",
                "subject_matter": "No personal data is processed under this agreement",
                "duration": "Not applicable",
                "nature_purpose": "Not applicable",
                "data_types": [],
                "data_subject_categories": [],
                "clauses": [],
            }
        restricted = dc == "restricted"
        key_control = (
            self.pick(["customer_managed", "byok", "hyok", "byok"])
            if restricted
            else self.pick(["provider_managed", "provider_managed", "byok", "customer_managed"])
        )
        standards = ["iso27001"] + (["soc2"] if v.soc2 else []) + (["pci_dss"] if chd else [])
        doc["security"] = {
            "encryption": {
                "at_rest": True,
                "in_transit": True,
                "min_tls_version": Q(self.pick(["1.2", "1.2", "1.3"])),
                "key_control": key_control,
            },
            "mfa": {
                "privileged": True,
                "remote": True,
                "all_users": sens or chd or self.chance(0.5),
            },
            "network_segmentation": True,
            "tlpt_participation": cif or self.chance(0.2),
            "training_participation": True,
            "pentest": {
                "interval_months": self.pick([6, 12, 12]),
                "independent": True,
                "results_shared": True,
            },
            "patch_days": {"critical": self.pick([7, 14, 14, 30]), "high": self.pick([30, 60, 90])},
            "pci_acknowledgement": chd,
            "pci_responsibility_matrix": chd,
            "standards": Flow(standards),
        }
        doc["incident"] = {
            "notify_hours": self.pick([1, 4, 4, 12, 24]),
            "breach_notify_hours": self.pick([12, 24, 24]),
            "breach_notice_content": list(BREACH_CONTENT),
            "vulnerability_notification": True,
            "assistance_cost": self.pick(["no_additional_cost", "ex_ante_fixed"]),
        }
        doc["continuity"] = {
            "bcp_required": True,
            "test_interval_months": self.pick([6, 12, 12]),
            "last_test_date": qd(self.past(10, 330)) if cif else qd(self.past(10, 700)),
            "rto_hours": self.pick([1, 2, 4]) if cif else self.pick([4, 8, 24, 48]),
            "rpo_hours": self.pick([0.25, 0.5, 1]) if cif else self.pick([1, 4, 24]),
            "dr_countries": qc(dr),
            "dr_separate_site": True if cif else self.chance(0.6),
        }
        relies = self.chance(0.6)
        doc["audit"] = {
            "customer_right": True,
            "onsite": True if cif else self.chance(0.5),
            "regulator_right": True,
            "authority_cooperation": True,
            "max_per_year": None if cif else self.pick([None, 1, 2]),
            "min_notice_days": self.pick([None, 10, 20, 30]) if cif else self.pick([30, 45, 60]),
            "scope_frequency_defined": True if cif else self.chance(0.6),
            "relies_on_certifications": relies,
            "cert_scope_extension_right": relies or self.chance(0.3),
        }
        if subc:
            general = self.chance(0.7)
            doc["subcontracting"] = {
                "permitted": True,
                "authorisation": "prior_general" if general else "prior_specific",
                "change_notice_days": self.pick([30, 60, 90]) if general else None,
                "objection_right": True,
                "flow_down": True,
                "vendor_remains_liable": True,
                "audit_rights_flow_down": True,
            }
        else:
            doc["subcontracting"] = {
                "permitted": False,
                "authorisation": "none",
                "change_notice_days": None,
                "objection_right": False,
                "flow_down": False,
                "vendor_remains_liable": True,
                "audit_rights_flow_down": False,
            }
        doc["subcontractors"] = subs
        triggers = {
            "breach_law_or_contract",
            "material_change",
            "security_weakness",
            "regulator_instruction",
            "insolvency",
        }
        if subc:
            triggers |= {"unauthorised_subcontracting", "subcontracting_change_objected"}
        if self.chance(0.7):
            triggers.add("impediment_to_performance")
        if self.chance(0.6):
            triggers.add("change_of_control")
        doc["termination"] = {
            "customer_notice_days": self.pick([30, 90, 90, 180]),
            "vendor_notice_days": self.pick([180, 270, 365, 365]),
            "for_convenience_customer": True if end is None else self.chance(0.8),
            "triggers": [t for t in ALL_TRIGGERS if t in triggers],
            "transition_period_days": self.pick([180, 270, 365]) if cif else self.pick([90, 180]),
            "transition_assistance": True,
            "exit_knowledge_transfer": True,
        }
        substitutability = (
            self.pick(["easy", "difficult", "difficult", "not_substitutable"])
            if cif
            else self.pick(["easy", "difficult", "not_assessed"])
        )
        doc["exit_plan"] = {
            "documented": True if cif else self.chance(0.5),
            "last_tested": qd(self.past(15, 330))
            if cif
            else self.pick([None, qd(self.past(100, 900))]),
            "alternative_provider_identified": True
            if substitutability == "not_substitutable"
            else self.chance(0.7),
            "reintegration_possible": self.pick(["easy", "difficult", "not_possible"]),
        }
        doc["dependency"] = {"substitutability": substitutability}
        doc["ip"] = {
            "deliverables_owner": owner,
            "licence_to_customer": licence,
            "escrow": escrow,
        }
        doc["confidentiality"] = {
            "clause": True,
            "personnel_commitments": True,
            "survival_years": self.pick([5, 7, 10, Q("indefinite")]),
        }
        doc["commercial"] = {
            "governing_law": Q(self.pick(["DE", "DE", "NL", "LU", "IE", "FR", "GB", "CH"])),
            "currency": Q(currency),
            "annual_value": annual,
            "pricing_model": self.pick(
                ["fixed", "time_and_materials", "consumption", "per_unit", "mixed"]
            ),
            "price_increase_cap_pct": self.pick([2, 3, 3, 4, 5, 2.5]),
            "indexation": self.pick(["none", "cpi_capped", "fixed_schedule", "fx_adjusted"]),
            "change_control": True,
            "benchmarking_right": annual * FX_RATES[currency] >= 900_000 or self.chance(0.5),
            "exit_fees": self.pick(["none", "fixed", "included"]),
            "transition_assistance_pricing": self.pick(["rate_card", "fixed", "included"]),
            "liability_cap_multiple": self.pick([None, 1, 1.5, 2, 3]),
            "insurance_cyber_eur": self.pick([5, 10, 20, 25, 50]) * 1_000_000
            if cif
            else self.pick([None, 1_000_000, 2_000_000, 5_000_000]),
        }
        doc["personnel"] = {
            "key_personnel": r.sample(
                [
                    "Service Delivery Manager",
                    "Lead Platform Architect",
                    "Engagement Partner",
                    "Security Officer",
                    "Delivery Lead",
                    "Technical Account Manager",
                ],
                r.randint(1, 3),
            ),
            "key_change_notice_days": self.pick([30, 45, 60, 90]),
            "screening": True,
            "offboarding_notice_hours": self.pick([4, 8, 24]),
        }
        doc["knowledge_transfer"] = {"plan": True, "deliverables": deliverables}
        affected = 0 if self.chance(0.8) else r.randint(2, 120)
        doc["workforce"] = {
            "affected_employees": affected,
            "change_plan": affected > 0,
            "employee_rep_consultation": affected > 0,
        }
        doc["due_diligence"] = {
            "completed": qd(completed),
            "risk_assessment": qd(risk_assessment),
            "last_review": qd(self.past(10, 330)) if cif else qd(self.past(10, 650)),
            "conflict_of_interest_checked": True,
        }
        if affected == 0 and self.chance(0.25):  # people drop sections that do not apply
            del doc["workforce"]
        # a few comments, as people leave them
        if doc["classification"]["critical_function"] and self.chance(0.4):
            doc["classification"]["critical_function"] = Note(
                True, "critical or important function (DORA Art. 3(22)), see the register"
            )
        if self.chance(0.2):
            t = doc["termination"]
            t["vendor_notice_days"] = Note(t["vendor_notice_days"], "clause 21.2 of the MSA")
        ctx = Ctx(
            cif,
            pd,
            proc,
            sens,
            dc != "public",
            chd,
            subc,
            restricted,
            dev,
            bool(subs),
            bool(levels),
            active=start <= TODAY and (end is None or end >= TODAY),
            future=start > TODAY,
        )
        return doc, ctx

    def service_levels(self, services: list[dict[str, Any]], cif: bool) -> list[dict[str, Any]]:
        r = self.rng
        levels: list[dict[str, Any]] = []

        def level(sid: str, metric: str, target: Any, unit: str, remedy: str) -> None:
            levels.append(
                {
                    "service_id": sid,
                    "metric": metric,
                    "target": target,
                    "unit": unit,
                    "period": self.pick(["monthly", "monthly", "quarterly"]),
                    "remedy": remedy,
                }
            )

        remedies = [
            "service_credit",
            "service_credit",
            "corrective_action_plan",
            "termination_right",
        ]
        options: dict[str, list[str]] = {}
        for s in services:
            if s["type"] in INFRA_TYPES:
                options[s["id"]] = [
                    "availability",
                    "incident_response_time",
                    "incident_resolution_time",
                    "rto",
                    "rpo",
                    "patch_compliance",
                ]
            elif s["type"] == "service_desk":
                options[s["id"]] = [
                    "incident_response_time",
                    "customer_satisfaction",
                    "incident_resolution_time",
                ]
            else:
                options[s["id"]] = [
                    "throughput",
                    "customer_satisfaction",
                    "incident_resolution_time",
                    "other",
                ]
        # one level per service, then extra ones up to 2-10 in all (CIF may add two below)
        extra = r.randint(max(2, len(services)), 10) - len(services) - (2 if cif else 0)
        chosen = {sid: [r.choice(opts)] for sid, opts in options.items()}
        for _ in range(max(0, extra)):
            sid = r.choice(list(options))
            left = [m for m in options[sid] if m not in chosen[sid]]
            if left:
                chosen[sid].append(r.choice(left))
        for s in services:
            for metric in chosen[s["id"]]:
                level(s["id"], metric, *self.target(metric, cif), self.pick(remedies))
        if cif:
            first = services[0]["id"]
            if not any(x["metric"] == "availability" and x["target"] >= 99.9 for x in levels):
                level(first, "availability", self.pick([99.9, 99.95]), "percent", "service_credit")
            if not any(
                x["metric"] in ("patch_compliance", "security_incident_count") for x in levels
            ):
                if self.chance(0.5):
                    level(first, "security_incident_count", 0, "count", "corrective_action_plan")
                else:
                    level(first, "patch_compliance", 98, "percent", "corrective_action_plan")
            if not any(
                x["remedy"] in ("corrective_action_plan", "termination_right") for x in levels
            ):
                levels[-1]["remedy"] = "corrective_action_plan"
        return levels

    def target(self, metric: str, cif: bool) -> tuple[Any, str]:
        pick = self.pick
        if metric == "availability":
            return (
                pick([99.9, 99.95, 99.99]) if cif else pick([99.5, 99.7, 99.8, 99.9])
            ), "percent"
        if metric == "incident_response_time":
            return (
                (pick([15, 30, 60]), "minutes") if self.chance(0.7) else (pick([1, 2, 4]), "hours")
            )
        if metric == "incident_resolution_time":
            return pick([4, 8, 24]), "hours"
        if metric == "rto":
            return pick([1, 2, 4]), "hours"
        if metric == "rpo":
            return pick([5, 15, 30, 60]), "minutes"
        if metric == "patch_compliance":
            return pick([95, 98, 99]), "percent"
        if metric == "throughput":
            return pick([20, 40, 80, 150]), "count"
        if metric == "customer_satisfaction":
            return pick([4, 4.2, 4.5]), "score"
        return pick([5, 10]), "days"

    # ---- planting ------------------------------------------------------------------------

    def plant(self, cid: str, doc: dict[str, Any], ctx: Ctx) -> None:
        n = 1 if self.chance(0.8) else 2
        used: list[str] = []
        for _ in range(n):
            for _ in range(20):
                name, applies, mutate, rules = self.pick(VIOLATIONS)
                if name not in used and applies(ctx, doc):
                    break
            else:
                continue
            try:
                extra = mutate(doc, ctx)
            except (KeyError, IndexError):  # the section was removed by an earlier plant
                continue
            used.append(name)
            self.planted.setdefault(cid, []).append(
                {"kind": name, "rules": sorted(set(rules) | set(extra))}
            )

    # ---- attestations --------------------------------------------------------------------

    def attestations(self, v: Vendor, problem: str | None) -> list[tuple[str, dict[str, Any]]]:
        r = self.rng
        services = Flow(v.services)
        locations = qc(sorted(v.locations) or [v.country])
        entity = v.legal_name
        docs: list[tuple[str, dict[str, Any]]] = []

        def att_id(stem: str) -> str:
            aid = f"{v.key}-{stem}"
            while aid in self.ids:
                aid += "-b"
            self.ids.add(aid)
            return aid

        def envelope(aid: str, title: str, subject: str, atype: str) -> dict[str, Any]:
            return {
                "apiVersion": "vendorpolicy/v1",
                "kind": "Attestation",
                "metadata": {"id": aid, "vendor": v.key, "title": title},
                "subject_entity": subject,
                "type": atype,
            }

        latest_soc2: str | None = None
        if v.soc2:
            months_back = r.randint(1, 10)
            if problem == "stale_soc2":
                months_back = 16
            elif problem == "bridged_soc2":
                months_back = 13
            end = month_end(add_months(TODAY, -months_back))
            history = r.choices([0, 1, 2], [40, 40, 20])[0]
            auditor, peer = self.pick(AUDITORS)
            for h in range(history, -1, -1):
                p_end = month_end(add_months(end, -12 * h))
                length = 12 if self.chance(0.85) else 6
                p_start = add_months(p_end + timedelta(days=1), -length)
                issued = min(p_end + timedelta(days=r.randint(20, 60)), TODAY - timedelta(days=2))
                atype = "soc2_type1" if problem == "soc2_type1_only" and h == 0 else "soc2_type2"
                aid = att_id(f"{'soc2t1' if atype == 'soc2_type1' else 'soc2'}-{p_end.year}")
                doc = envelope(
                    aid,
                    f"SOC 2 {'Type I' if atype == 'soc2_type1' else 'Type II'}"
                    f" report, {p_start:%d %b %Y} - {p_end:%d %b %Y}",
                    entity,
                    atype,
                )
                doc["issuer"] = {
                    "name": auditor,
                    "kind": "cpa_firm",
                    "accredited": True,
                    "accreditation_body": peer,
                }
                doc["issued"] = qd(issued)
                doc["valid_until"] = None
                if atype == "soc2_type1":
                    doc["period"] = {"end": qd(p_end)}
                else:
                    doc["period"] = {"start": qd(p_start), "end": qd(p_end)}
                doc["standard_version"] = Q("2017")
                tsc = ["security", "availability", "confidentiality"]
                if h == 0 and problem == "tsc_without_confidentiality":
                    tsc = ["security", "availability"]
                tsc += [t for t in ("processing_integrity", "privacy") if self.chance(0.3)]
                doc["scope"] = {"services": services, "locations": locations, "tsc": Flow(tsc)}
                qualified = h == 0 and problem == "qualified_opinion"
                doc["opinion"] = "qualified" if qualified else "unmodified"
                if atype == "soc2_type2":
                    doc["exceptions"] = 3 if qualified else r.choice([0, 0, 0, 1, 2])
                    orgs = []
                    for sub in sorted(v.subs.values(), key=lambda s: s.id)[:6]:
                        orgs.append(
                            {
                                "name": sub.name,
                                "id": sub.id,
                                "method": "carve_out" if sub.carve_out else "inclusive",
                            }
                        )
                        if sub.carve_out:
                            self.carved[sub.id] = sub
                    doc["subservice_orgs"] = orgs
                    doc["cuecs"] = r.sample(CUECS, r.randint(1, 3))
                docs.append((aid, doc))
                latest_soc2 = aid
            bridge = problem == "bridged_soc2" or (months_back >= 6 and self.chance(0.3))
            if bridge and problem != "stale_soc2" and latest_soc2:
                aid = att_id(f"bridge-{TODAY.year}")
                doc = envelope(
                    aid,
                    f"Bridge letter for the SOC 2 report {latest_soc2}",
                    entity,
                    "bridge_letter",
                )
                doc["issuer"] = {
                    "name": f"{entity}, Office of the CISO",
                    "kind": "vendor_management",
                    "accredited": False,
                }
                doc["issued"] = qd(self.past(5, 40))
                doc["scope"] = {"services": services, "locations": locations}
                doc["bridge"] = {
                    "for_attestation": latest_soc2,
                    "covers_until": qd(TODAY + timedelta(days=r.randint(20, 90))),
                }
                docs.append((aid, doc))

        if not v.soc2 or self.chance(0.45) or problem in ("iso_2013", "expired_iso"):
            body, acc = self.pick(CERT_BODIES)
            subject = v.attested_entities[0] if v.attested_entities else entity
            issued = self.past(30, 1000)
            valid = add_months(issued, 36) - timedelta(days=1)
            version = "2022"
            if problem == "iso_2013":
                version = "2013"
            elif problem == "expired_iso":
                issued = add_months(TODAY, -38)
                valid = add_months(issued, 36) - timedelta(days=1)
            aid = att_id(f"iso27001-{issued.year}")
            doc = envelope(
                aid,
                f"ISO/IEC 27001:{version} certificate "
                f"{slug(v.base)[:4].upper()}-ISMS-{r.randint(100, 9999)}",
                subject,
                "iso27001",
            )
            doc["issuer"] = {
                "name": body,
                "kind": "accredited_cb",
                "accredited": True,
                "accreditation_body": acc,
            }
            doc["issued"] = qd(issued)
            doc["valid_until"] = qd(valid)
            doc["standard_version"] = Q(version)
            doc["scope"] = {"services": services, "locations": locations}
            docs.append((aid, doc))
            if v.profile == "cloud" and self.chance(0.3):
                for std in ("iso27017", "iso27018"):
                    aid = att_id(f"{std}-{issued.year}")
                    doc = envelope(aid, f"ISO/IEC {std[3:]} certificate", subject, std)
                    doc["issuer"] = {"name": body, "kind": "accredited_cb", "accredited": True}
                    doc["issued"] = qd(issued)
                    doc["valid_until"] = qd(valid)
                    doc["standard_version"] = Q("2015" if std == "iso27017" else "2019")
                    doc["scope"] = {"services": services}
                    docs.append((aid, doc))

        if v.needs_pentest or self.chance(0.5) or problem == "pentest_open_high":
            firm = self.pick(PENTEST_FIRMS)
            end = self.past(20, 300)
            history = r.choices([0, 1, 2], [30, 45, 25])[0]
            for h in range(history, -1, -1):
                p_end = add_months(end, -12 * h)
                p_start = p_end - timedelta(days=r.randint(10, 30))
                aid = att_id(f"pentest-{p_end.year}")
                doc = envelope(
                    aid, f"Independent penetration test, {p_end:%B %Y}", entity, "pentest_letter"
                )
                doc["issuer"] = {
                    "name": firm,
                    "kind": "pentest_firm",
                    "accredited": True,
                    "accreditation_body": "CREST",
                }
                doc["issued"] = qd(p_end + timedelta(days=r.randint(5, 15)))
                doc["period"] = {"start": qd(p_start), "end": qd(p_end)}
                scope = (
                    list(services)
                    if h == 0
                    else r.sample(list(services), max(1, len(services) // 2))
                )
                doc["scope"] = {"services": Flow(scope), "locations": locations}
                doc["pentest"] = {"independent": True}
                high = 2 if h == 0 and problem == "pentest_open_high" else 0
                doc["findings"] = {"critical_open": 0, "high_open": high}
                docs.append((aid, doc))

        if v.chd:
            issued = self.past(20, 300)
            version = "3.2.1" if problem == "pci_aoc_3_2_1" else "4.0.1"
            aid = att_id(f"pci-aoc-{issued.year}")
            doc = envelope(
                aid,
                f"PCI DSS v{version} Attestation of Compliance (service provider)",
                entity,
                "pci_dss_aoc",
            )
            doc["issuer"] = {
                "name": self.pick(QSAS),
                "kind": "qsa",
                "accredited": True,
                "accreditation_body": "PCI SSC",
            }
            doc["issued"] = qd(issued)
            doc["valid_until"] = qd(add_months(issued, 12) - timedelta(days=1))
            doc["standard_version"] = Q(version)
            doc["scope"] = {"services": services, "locations": locations}
            docs.append((aid, doc))

        if self.chance(0.08):
            issued = self.past(30, 600)
            aid = att_id(f"csa-star-{issued.year}")
            doc = envelope(aid, "CSA STAR Level 2 certification", entity, "csa_star_l2")
            doc["issuer"] = {
                "name": self.pick(CERT_BODIES)[0],
                "kind": "accredited_cb",
                "accredited": True,
            }
            doc["issued"] = qd(issued)
            doc["valid_until"] = qd(add_months(issued, 36) - timedelta(days=1))
            doc["standard_version"] = Q("4.0.12")
            doc["scope"] = {"services": services, "locations": locations}
            docs.append((aid, doc))
        return docs

    def vendor_problem(self, v: Vendor) -> str:
        """One evidence problem that a rule sees on at least one of the vendor's contracts."""
        applies = {
            "stale_soc2": v.soc2,  # ATT-002: every contract of a vendor with a SOC 2 report
            "bridged_soc2": v.soc2,
            "qualified_opinion": v.soc2,  # ATT-005
            "soc2_type1_only": v.soc2 and v.any_cif,  # ATT-003: critical functions
            "tsc_without_confidentiality": v.soc2 and v.any_sens,  # ATT-004: SENS
            "iso_2013": True,  # ATT-006: every contract of a vendor with an ISO certificate
            "expired_iso": True,
            "pentest_open_high": v.needs_pentest,  # SEC-003: SENS, CIF or CHD
            "pci_aoc_3_2_1": v.chd,  # ATT-008
        }
        return str(self.pick(sorted(k for k, ok in applies.items() if ok)))

    def sub_attestation(self, sub: Sub) -> tuple[str, dict[str, Any]]:
        body, acc = self.pick(CERT_BODIES)
        issued = self.past(30, 900)
        aid = f"{sub.id}-iso27001-{issued.year}"
        while aid in self.ids:
            aid += "-b"
        self.ids.add(aid)
        doc = {
            "apiVersion": "vendorpolicy/v1",
            "kind": "Attestation",
            "metadata": {
                "id": aid,
                "vendor": sub.id,
                "title": f"ISO/IEC 27001:2022 certificate of {sub.name}",
            },
            "subject_entity": sub.name,
            "type": "iso27001",
            "issuer": {
                "name": body,
                "kind": "accredited_cb",
                "accredited": True,
                "accreditation_body": acc,
            },
            "issued": qd(issued),
            "valid_until": qd(add_months(issued, 36) - timedelta(days=1)),
            "standard_version": Q("2022"),
            "scope": {
                "services": Flow([sub.kind, "remote-hands"] if sub.kind == "colo" else [sub.kind]),
                "locations": qc(sub.processing),
            },
        }
        return aid, doc

    # ---- invalid documents ---------------------------------------------------------------

    def corrupt(self, doc: dict[str, Any]) -> str:
        kind = self.bad_rng.choice(INVALID_KINDS)
        if kind == "country_uk" and "data" in doc:
            doc["data"]["storage_countries"] = Flow([*doc["data"]["storage_countries"], "UK"])
        elif kind == "tls_float" and "security" in doc:
            doc["security"]["encryption"]["min_tls_version"] = 1.2
        elif kind == "unknown_field" and "data" in doc:
            doc["data"]["storage_country"] = doc["data"].pop("storage_countries")
        elif kind == "missing_classification_field":
            del doc["classification"]["cardholder_data"]
        elif kind == "bad_service_type":
            doc["services"][0]["type"] = "saas_platform"
        else:
            kind = "impossible_date"
            doc["dates"]["start"] = Q("2026-02-30")
        return kind

    # ---- output --------------------------------------------------------------------------

    def write(self, rel: str, text: str) -> None:
        path = self.out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.counts["files"] = self.counts.get("files", 0) + 1

    def contract_header(self, doc: dict[str, Any]) -> list[str]:
        title = doc["metadata"].get("title") or doc["metadata"]["id"]
        return [
            title,
            f"Vendor: {doc['vendor']['legal_name']}",
            f"Synthetic benchmark data (benchmarks/generate.py, seed {self.seed}), "
            "not a real agreement.",
        ]

    def run(self) -> dict[str, Any]:
        vendors = self.make_vendors()
        # contracts per vendor: one each, the rest skewed (a few large vendors)
        weights = [self.rng.lognormvariate(0, 1.0) for _ in vendors]
        per_vendor = [1] * len(vendors)
        for i in self.rng.choices(range(len(vendors)), weights, k=max(0, self.n - len(vendors))):
            per_vendor[i] += 1
        # ~4 % of vendors get a problem in their evidence, chosen once their contracts are
        # known, among the problems that some rule would see on one of those contracts
        flagged = {v.key for v in vendors if self.chance(0.04)}

        att_types: dict[str, int] = {}
        for v, count in zip(vendors, per_vendor, strict=True):
            if count == 0:
                continue
            for _ in range(count):
                doc, ctx = self.contract(v)
                cid = doc["metadata"]["id"]
                if cid not in self.minimal and self.chance(0.10):
                    self.plant(cid, doc, ctx)
                if ctx.cif:
                    self.group_critical.setdefault(v.group, []).append(
                        (cid, ctx.active, ctx.future)
                    )
                v.chd |= ctx.chd
                v.needs_pentest |= ctx.sens or ctx.cif or ctx.chd
                v.any_cif |= ctx.cif
                v.any_sens |= ctx.sens
                if "data" in doc:
                    for c in doc["data"]["storage_countries"]:
                        v.locations[c] = None
                if self.invalid_share and self.bad_rng.random() < self.invalid_share:
                    self.invalid[cid] = self.corrupt(doc)
                elif (
                    self.sample is None
                    and ctx.cif
                    and ctx.has_subs
                    and cid not in self.planted
                    and cid not in self.minimal
                    and v.soc2
                    and v.key not in flagged
                    and self.group_cap.get(v.group, 3) <= 3
                ):
                    self.sample = cid
                rel = f"contracts/{v.key}/{cid}.yaml"
                text = to_yaml(doc, self.contract_header(doc), sections=True)
                self.lines.append(text.count("\n"))
                self.write(rel, text)
                self.paths[cid] = rel
                self.contract_vendor[cid] = v.key
                v.contract_ids.append(cid)
            problem = self.vendor_problem(v) if v.key in flagged else None
            if problem:
                self.vendor_planted[v.key] = {
                    "kind": problem,
                    "rules": VENDOR_VIOLATIONS[problem],
                    "contracts": list(v.contract_ids),
                }
            for aid, doc in self.attestations(v, problem):
                att_types[doc["type"]] = att_types.get(doc["type"], 0) + 1
                self.write(f"attestations/{v.key}/{aid}.yaml", to_yaml(doc, []))
        for sid in sorted(self.carved):
            aid, doc = self.sub_attestation(self.carved[sid])
            att_types["iso27001 (subcontractor)"] = att_types.get("iso27001 (subcontractor)", 0) + 1
            self.write(f"attestations/{sid}/{aid}.yaml", to_yaml(doc, []))
        waivers = self.waivers()
        self.write(".vendorpolicy.yaml", CONFIG)
        return self.manifest(vendors, att_types, waivers)

    def waivers(self) -> int:
        candidates = [
            (cid, p["kind"])
            for cid, plants in self.planted.items()
            for p in plants
            if p["kind"] in WAIVABLE and cid not in self.invalid
        ]
        want = max(1, round(self.n * 0.01))
        chosen = self.rng.sample(candidates, min(want, len(candidates)))
        for i, (cid, kind) in enumerate(chosen, 1):
            rule, pointer = WAIVABLE[kind]
            vendor = self.contract_vendor[cid]
            wid = f"W-2026-{i:04d}"
            approved = self.past(10, 300)  # valid: expires after AS_OF, within 365 days
            expires = TODAY + timedelta(days=self.rng.randint(7, 365 - (TODAY - approved).days))
            if self.chance(0.1):  # expired: VP-WAIVER reports it, the finding comes back
                approved = self.past(200, 500)
                expires = approved + timedelta(days=self.rng.randint(60, 180))
            targets = [cid] if self.chance(0.85) else [f"{vendor}-*"]
            doc: dict[str, Any] = {
                "apiVersion": "vendorpolicy/v1",
                "kind": "Waiver",
                "metadata": {
                    "id": wid,
                    "vendor": vendor,
                    "title": f"Accepted deviation from {rule} until renegotiation",
                },
                "rule": rule,
                "targets": Flow(targets),
            }
            if pointer and self.chance(0.5):
                doc["pointer"] = pointer
            doc["justification"] = Folded(
                f"Deviation from {rule} accepted until the next amendment of the agreement; "
                "compensating controls are documented in the risk register and reviewed "
                "by the vendor management office every quarter."
            )
            doc["approved_by"] = self.pick(
                [
                    "ciso@nordhaven-bank.example",
                    "cro@nordhaven-bank.example",
                    "head-of-sourcing@nordhaven-bank.example",
                ]
            )
            doc["approved_on"] = qd(approved)
            doc["expires"] = qd(expires)
            if self.chance(0.7):
                doc["risk"] = self.pick(["low", "medium", "medium", "high"])
            doc["ticket"] = f"GRC-{self.rng.randint(1000, 9999)}"
            self.write(f"waivers/{wid}.yaml", to_yaml(doc, [f"Waiver of {rule} for {targets[0]}"]))
        return len(chosen)

    def manifest(
        self, vendors: list[Vendor], att_types: dict[str, int], waivers: int
    ) -> dict[str, Any]:
        affected = set(self.planted) | set(self.minimal)
        for vp in self.vendor_planted.values():
            affected |= set(vp["contracts"])
        # CON-002 counts the active critical contracts of a group (a contract that has
        # not started yet counts itself too) and fails every critical contract of the
        # group, ended ones included, when they are more than 3
        group_planted = {}
        for group, members in sorted(self.group_critical.items()):
            active = sum(1 for _, is_active, _ in members if is_active)
            over = [cid for cid, _, is_future in members if active + (1 if is_future else 0) > 3]
            if over:
                group_planted[group] = {
                    "kind": "vendor_concentration",
                    "rules": ["CON-002"],
                    "contracts": over,
                }
        for gp in group_planted.values():
            affected |= set(gp["contracts"])
        contracts = len(self.paths)
        full = sorted(
            n for cid, n in zip(self.paths, self.lines, strict=True) if cid not in self.minimal
        )
        manifest = {
            "generator_version": GENERATOR_VERSION,
            "n": self.n,
            "seed": self.seed,
            "as_of": AS_OF,
            "invalid_share": self.invalid_share,
            "counts": {
                "files": self.counts.get("files", 0),
                "documents": self.counts.get("files", 0) - 1,  # minus .vendorpolicy.yaml
                "contracts": contracts,
                "contracts_minimal": len(self.minimal),
                "contracts_with_planted_violations": len(self.planted),
                "contracts_affected_by_vendor_problems": len(
                    {c for vp in self.vendor_planted.values() for c in vp["contracts"]}
                ),
                "contracts_in_concentrated_groups": len(
                    {c for gp in group_planted.values() for c in gp["contracts"]}
                ),
                "contracts_expected_clean": contracts - len(affected | set(self.invalid)),
                "contracts_invalid": len(self.invalid),
                "attestations": sum(att_types.values()),
                "attestations_by_type": dict(sorted(att_types.items())),
                "waivers": waivers,
                "vendors": sum(1 for v in vendors if v.contract_ids),
                "vendor_groups": len({v.parent_id for v in vendors if v.parent_id}),
                "subcontractors": len(self.subs_any),
                "lines_per_full_contract": {
                    "min": full[0] if full else 0,
                    "median": full[len(full) // 2] if full else 0,
                    "max": full[-1] if full else 0,
                },
            },
            "sample_contract": self.paths.get(self.sample or "", next(iter(self.paths.values()))),
            "planted": dict(sorted(self.planted.items())),
            "vendor_planted": dict(sorted(self.vendor_planted.items())),
            "group_planted": group_planted,
            "minimal": sorted(self.minimal),
            "invalid": dict(sorted(self.invalid.items())),
        }
        (self.out / "manifest.json").write_text(
            json.dumps(manifest, indent=1, sort_keys=False) + "\n", encoding="utf-8"
        )
        return manifest


CONFIG = (
    "# Settings of the synthetic benchmark repository (benchmarks/generate.py).\n"
    f"# Evaluate with --as-of {AS_OF}: every date in the documents is relative to it.\n"
    "roots:\n  - contracts\n  - attestations\n  - waivers\n"
    'exclude:\n  - "**/drafts/**"\n'
    "params:\n"
    "  fx_rates:  # EUR per unit: the portfolio mixes currencies (CON-002, COM-002)\n"
    + "".join(f"    {k}: {v}\n" for k, v in FX_RATES.items())
)


def generate(
    n: int, outdir: Path, seed: int = DEFAULT_SEED, invalid_share: float = 0.0
) -> dict[str, Any]:
    """Write the repository into `outdir` (which should be empty) and return the manifest."""
    outdir.mkdir(parents=True, exist_ok=True)
    return Generator(n, outdir, seed, invalid_share).run()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("n", type=int, help="number of contracts")
    ap.add_argument("outdir", type=Path)
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument(
        "--invalid-share",
        type=float,
        default=0.0,
        help="share of contracts with one schema error each (default 0)",
    )
    args = ap.parse_args(argv)
    if args.n < 1:
        ap.error("N must be at least 1")
    if not 0.0 <= args.invalid_share <= 1.0:
        ap.error("--invalid-share must be between 0 and 1")
    if args.outdir.exists() and any(args.outdir.iterdir()):
        ap.error(f"{args.outdir} is not empty")
    m = generate(args.n, args.outdir, args.seed, args.invalid_share)
    c = m["counts"]
    print(
        f"{args.outdir}: {c['documents']} documents: {c['contracts']} contracts "
        f"({c['contracts_minimal']} minimal, {c['contracts_with_planted_violations']} with planted "
        f"violations, {c['contracts_affected_by_vendor_problems']} affected by vendor evidence "
        f"problems, {c['contracts_invalid']} invalid), {c['attestations']} attestations, "
        f"{c['waivers']} waivers; {c['vendors']} vendors",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
