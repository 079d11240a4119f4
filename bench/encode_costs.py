"""What a response identifier costs to encode, and what one query costs in-process, end to end.

Run from the repository root::

    .venv/bin/python bench/encode_costs.py [--repeats 200] [--facts 12] [--statistic best]

Two tables, medians in microseconds over ``--repeats`` timed calls (after 10 untimed), or the
best call with ``--statistic best`` (steadier on a busy shared machine):

1. **Encoding** one Pending identifier, in the same run: the pydicom path
   (``identifier_dataset`` then ``encode_identifier``, Explicit VR LE) against the direct
   encoder (``rpiq.encode.direct``) in the three transfer syntaxes, the tree encoded afresh
   each time (``encode_direct(..., reuse=False)``); last column: ``encode_response`` for a
   tree it encoded before (only the return keys are written again). Cases: a
   rich patient built here from many facts (``--facts`` of each kind; the default gives TID 9007
   well over 100 content items), and the demo's breast and cardiac patients.
2. **One query in-process** (no network), for every demo patient and the rich patient: its
   steps alone (request parsing, the database lookup on an SQLite file, the content tree, the
   return keys), then the whole ``QueryService.find`` + encoding of the Pending identifier,
   what the server does per C-FIND apart from the DIMSE/PDU layer. *cold*: the content tree is
   built afresh (``root_cache_size=0``, as for a patient not queried lately), by the pydicom
   path (what ``rpiq serve`` did before the direct encoder) or the direct one; *warm*: the same
   query again, the tree and its encoding reused (``RootCache``, and the direct encoder's
   memo of encoded trees).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType

from benchlib import load_average, machine_lines, markdown_table
from pydicom.dataset import Dataset

from rpiq.domain import (
    ClinicalFact,
    Code,
    FactKind,
    FactStatus,
    Patient,
    PatientIdentifier,
    PersonName,
    Quantity,
)
from rpiq.encode.dataset import (
    DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN,
    EXPLICIT_VR_LITTLE_ENDIAN,
    IMPLICIT_VR_LITTLE_ENDIAN,
    encode_identifier,
    identifier_dataset,
)
from rpiq.encode.direct import encode_direct, encode_response
from rpiq.ingest.demo import load_demo
from rpiq.service import query as query_module
from rpiq.service.query import QueryService
from rpiq.service.request import parse_request
from rpiq.service.responses import ResponseIdentifier
from rpiq.service.status import BREAST, CARDIAC, GENERAL, SOPClass
from rpiq.store import SqlPatientRepository, open_repository
from rpiq.templates.roots import build_root

WARMUP = 10
US = 1e6
RICH = ("RPI-RICH-ENC-001", "RPIQ-BENCH")
DEMO_QUERIES: tuple[tuple[str, str, SOPClass], ...] = (
    ("RPI-BREAST-001", "RPIQ-DEMO", BREAST),
    ("RPI-BREAST-001", "RPIQ-DEMO", GENERAL),
    ("RPI-CARDIAC-001", "RPIQ-DEMO", CARDIAC),
    ("RPI-ALLERGY-001", "RPIQ-DEMO", GENERAL),
    ("RPI-OB-001", "RPIQ-DEMO", GENERAL),
    ("RPI-EMPTY-001", "RPIQ-DEMO", GENERAL),
    ("RPI-INTL-001", "RPIQ-DEMO", GENERAL),
    ("RPI-DUP-001", "HOSPITAL-A", GENERAL),
)
CLOCK = datetime(2026, 11, 27, 21, 0, tzinfo=UTC)


STATISTICS: Mapping[str, Callable[[list[float]], float]] = MappingProxyType(
    {
        "median": statistics.median,
        "best": min,  # what a step costs when the process is not descheduled (shared machines)
    }
)


@dataclass(frozen=True)
class Timer:
    """Times steps: ``statistic`` of the timed calls, in µs, after ``WARMUP`` untimed ones."""

    statistic: Callable[[list[float]], float]

    def us(self, step: Callable[[], object], repeats: int) -> float:
        for _ in range(WARMUP):
            step()
        samples = []
        for _ in range(repeats):
            started = time.perf_counter()
            step()
            samples.append(time.perf_counter() - started)
        return self.statistic(samples) * US


def rich_patient(per_kind: int) -> Patient:
    """A long history: ``per_kind`` problems, medications (twice each), procedures, allergies,
    family history entries and vital signs (three readings each), over two decades."""
    facts: list[ClinicalFact] = []
    for index in range(per_kind):
        year = 2000 + index
        facts += [
            ClinicalFact(FactKind.PROBLEM, Code(f"{40000000 + index}", "SCT", f"Problem {index}"),
                         FactStatus.ACTIVE if index % 2 else FactStatus.RESOLVED,
                         started=f"{year}0101"),
            ClinicalFact(FactKind.MEDICATION, Code(f"{300000 + index}", "RXNORM",
                         f"Drug {index} 10 MG Oral Tablet"), FactStatus.ACTIVE,
                         started=f"{year}0201"),
            ClinicalFact(FactKind.MEDICATION, Code(f"{310000 + index}", "RXNORM",
                         f"Drug {index} 20 MG Oral Tablet"), FactStatus.STOPPED,
                         started=f"{year}0301", ended=f"{year + 1}0301"),
            ClinicalFact(FactKind.PROCEDURE, Code(f"{70000000 + index}", "SCT",
                         f"Procedure {index}"), FactStatus.COMPLETED, started=f"{year}0601"),
            ClinicalFact(FactKind.ALLERGY, Code(f"{91000000 + index}", "SCT",
                         f"Allergy to substance {index}"), FactStatus.ACTIVE, started=str(year)),
        ]  # fmt: skip
    vitals = (
        ("8480-6", "Systolic blood pressure", 135.25, "mm[Hg]"),
        ("8867-4", "Heart rate", 72.0, "/min"),
        ("29463-7", "Body weight", 81.5, "kg"),
    )
    facts += [
        ClinicalFact(FactKind.VITAL_SIGN, Code(value, "LN", meaning), FactStatus.COMPLETED,
                     quantity=Quantity(amount + year / 7, Code(unit, "UCUM", unit)),
                     recorded=f"{year}0301")
        for value, meaning, amount, unit in vitals
        for year in (2015, 2019, 2023)
    ]  # fmt: skip
    return Patient(
        (PatientIdentifier(*RICH),),
        PersonName("Rich^Rachel"),
        "19580214",
        "F",
        facts=tuple(facts),
        source="bench:encode-costs",
    )


def request(PatientID: str, IssuerOfPatientID: str) -> Dataset:
    """What a modality sends: Patient ID and Issuer, the Type 2 return keys zero length."""
    ds = Dataset()
    ds.PatientName = ""
    ds.PatientID = PatientID
    ds.IssuerOfPatientID = IssuerOfPatientID
    ds.PatientBirthDate = ""
    ds.PatientSex = ""
    ds.ObservationDateTime = ""
    ds.ValueType = ""
    ds.ConceptNameCodeSequence = []
    ds.ContentSequence = []
    return ds


@dataclass(frozen=True)
class Query:
    label: str
    sop_class: SOPClass
    request: Dataset
    identifier: ResponseIdentifier


def make_query(service: QueryService, PatientID: str, issuer: str, sop: SOPClass) -> Query:
    ds = request(PatientID, issuer)
    pending = next(iter(service.find(sop.uid, ds, lambda: False)))
    if pending.identifier is None:
        raise SystemExit(f"{PatientID}: no match ({pending.status:04X})")
    items = len(pending.identifier.root.walk())
    label = f"{PatientID}, {sop.keyword}, TID {sop.default_root}, {items} items"
    return Query(label, sop, ds, pending.identifier)


def encoding_rows(query: Query, timer: Timer, repeats: int) -> list[list[str]]:
    identifier = query.identifier
    for syntax in (IMPLICIT_VR_LITTLE_ENDIAN, EXPLICIT_VR_LITTLE_ENDIAN):
        if encode_direct(identifier, syntax) != encode_identifier(
            identifier_dataset(identifier), syntax
        ):
            raise SystemExit(f"{query.label}: the two paths disagree")
    explicit = EXPLICIT_VR_LITTLE_ENDIAN
    dataset = identifier_dataset(identifier)
    size = len(encode_response(identifier, explicit))
    to_dataset = timer.us(lambda: identifier_dataset(identifier), repeats // 4 or 1)
    to_bytes = timer.us(lambda: encode_identifier(dataset, explicit), repeats // 4 or 1)

    def direct_us(syntax: str) -> float:
        return timer.us(lambda: encode_direct(identifier, syntax, reuse=False), repeats)

    direct = {
        syntax: direct_us(syntax)
        for syntax in (IMPLICIT_VR_LITTLE_ENDIAN, explicit, DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN)
    }
    again = timer.us(lambda: encode_response(identifier, explicit), repeats)
    pydicom_total = to_dataset + to_bytes
    return [[
        query.label, f"{size:,}", f"{to_dataset:,.0f}", f"{to_bytes:,.0f}",
        f"{pydicom_total:,.0f}", f"{direct[IMPLICIT_VR_LITTLE_ENDIAN]:,.0f}",
        f"{direct[explicit]:,.0f}", f"{direct[DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN]:,.0f}",
        f"{pydicom_total / direct[explicit]:,.0f}x", f"{again:,.0f}",
    ]]  # fmt: skip


def query_row(
    services: tuple[QueryService, QueryService],
    repository: SqlPatientRepository,
    query: Query,
    timer: Timer,
    repeats: int,
) -> list[str]:
    """The steps of one query, then whole queries: ``cold`` builds every content tree afresh
    (``root_cache_size=0``: a patient not queried lately), ``warm`` repeats the same query."""
    cold, warm = services
    ds, sop, explicit = query.request, query.sop_class, EXPLICIT_VR_LITTLE_ENDIAN
    parsed = parse_request(sop, ds)
    (patient,) = repository.find_patients(parsed.PatientID, parsed.IssuerOfPatientID)

    def pending(service: QueryService) -> ResponseIdentifier:
        found = next(iter(service.find(sop.uid, ds, lambda: False)))
        assert found.identifier is not None
        return found.identifier

    keys = query_module._response_keys  # timing one private step
    steps: list[tuple[Callable[[], object], int]] = [
        (lambda: parse_request(sop, ds), repeats),
        (lambda: repository.find_patients(parsed.PatientID, parsed.IssuerOfPatientID), repeats),
        (lambda: build_root(parsed.template.TemplateIdentifier, patient), repeats),
        (lambda: keys(parsed, patient, CLOCK), repeats),
        (lambda: encode_identifier(identifier_dataset(pending(cold)), explicit), repeats // 4 or 1),
        (lambda: encode_response(pending(cold), explicit), repeats),
        (lambda: encode_response(pending(warm), explicit), repeats),
    ]
    return [query.label, *(f"{timer.us(step, count):,.0f}" for step, count in steps)]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeats", type=int, default=200, help="timed calls per step")
    parser.add_argument("--facts", type=int, default=12, help="rich patient: facts per kind")
    parser.add_argument("--statistic", choices=sorted(STATISTICS), default="median")
    args = parser.parse_args(argv)
    timer = Timer(STATISTICS[args.statistic])
    started = time.perf_counter()
    header = machine_lines()
    with (
        tempfile.TemporaryDirectory(prefix="rpiq-bench-") as folder,
        open_repository(f"sqlite:///{Path(folder) / 'encode.db'}") as repository,
    ):
        if not load_demo(repository).ok:
            raise SystemExit("the demo data did not load")
        repository.save_patients([rich_patient(args.facts)])
        service = QueryService(repository, 1, clock=lambda: CLOCK)
        cold = QueryService(repository, 1, clock=lambda: CLOCK, root_cache_size=0)
        rich = [make_query(service, *RICH, sop) for sop in (GENERAL, CARDIAC)]
        demo = [make_query(service, *case) for case in DEMO_QUERIES]
        encoding = [row for query in (*rich, demo[1], demo[2]) for row in encoding_rows(
            query, timer, args.repeats)]  # fmt: skip
        queries = [
            query_row((cold, service), repository, query, timer, args.repeats)
            for query in (*demo, *rich)
        ]
    print("\n".join([*header, f"- load average at end: {load_average()}"]))
    print(f"- run time {time.perf_counter() - started:.0f} s, --repeats {args.repeats}, "
          f"--facts {args.facts}, --statistic {args.statistic}")  # fmt: skip
    print()
    print(f"Encoding one Pending identifier ({args.statistic} µs; pydicom in Explicit VR LE):")
    print()
    print(markdown_table(ENCODING_HEADERS, encoding))
    print()
    print(f"One query in-process ({args.statistic} µs):")
    print()
    print(markdown_table(QUERY_HEADERS, queries))
    return 0


ENCODING_HEADERS = (
    "identifier", "bytes (explicit)", "pydicom: tree to Dataset", "pydicom: Dataset to bytes",
    "pydicom total", "direct implicit", "direct explicit", "direct deflated",
    "pydicom / direct explicit", "direct explicit, tree encoded before",
)  # fmt: skip
QUERY_HEADERS = (
    "query", "parse request", "db lookup", "content tree", "return keys",
    "cold: find + pydicom encode", "cold: find + direct encode", "warm: find + direct encode",
)  # fmt: skip


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
