"""Differential test: the ten Synthea patients imported as transaction bundles, as IPS
documents and as a Bulk Data NDJSON export (made here from the bundles) give the same records
wherever the sources carry the same information.

What "the same information" excludes, precisely:

- **NDJSON vs bundle**: nothing. The export holds exactly the bundles' resources (references
  rewritten ``urn:uuid:`` -> ``Type/id``), so the records are equal field by field, fact
  sources included; only the order of facts differs (the export is grouped by type).
- **IPS vs bundle** (the IPS documents were made by a HAPI FHIR server's ``$summary``):
  - ``source`` of the record and of each fact: the IPS resources carry no ids (HAPI replaced
    them by fresh ``urn:uuid:`` full URLs), so the record is ``fhir:urn:uuid:...`` and a fact
    is ``Condition urn:uuid:...`` instead of ``fhir:Patient/<id>`` and ``Condition/<id>``;
  - medications that are not active: the IPS Medication Summary lists current medications
    only (the bundles also hold stopped MedicationRequests);
  - social history: these documents have no Social History section (no smoking status);
  - devices: no Device section (two bundles have one Device);
  - the IPS "no information about allergies/medications/problems" entries are statements,
    not facts: they are skipped and counted, so they are not in the records at all.
  Everything else (problems with their status and dates, allergies, procedures, vital signs,
  body measurements, demographics and every identifier) must be equal, meanings included.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, replace
from pathlib import Path

from ingest.conftest import MoreRepositories
from ingest.fhir_export import load, write_ndjson
from ingest.test_ingest_synthea import SYNTHEA_IDS
from rpiq.domain import ClinicalFact, FactKind, FactStatus, Patient
from rpiq.ingest.importer import import_fhir
from rpiq.store import SqlPatientRepository

SYNTHEA_SYSTEM = "https://github.com/synthetichealth/synthea"
NOT_IN_THESE_IPS = (FactKind.SOCIAL_HISTORY, FactKind.DEVICE)


def fact_form(fact: ClinicalFact, *, with_source: bool) -> str:
    """A hashable, exact form of a fact (Code equality alone would ignore meanings)."""
    form = asdict(fact if with_source else replace(fact, source=None))
    return json.dumps(form, sort_keys=True, ensure_ascii=False)


def record_form(patient: Patient) -> str:
    """Demographics and identifiers, exactly (qualifiers included), without source or facts."""
    return json.dumps(asdict(replace(patient, facts=(), source=None)), sort_keys=True)


def same_information_as_ips(facts: tuple[ClinicalFact, ...]) -> Counter[str]:
    """The facts an IPS document of these patients carries too (module docstring)."""
    return Counter(
        fact_form(fact, with_source=False)
        for fact in facts
        if fact.kind not in NOT_IN_THESE_IPS
        and not (fact.kind is FactKind.MEDICATION and fact.status is not FactStatus.ACTIVE)
    )


def the_patient(repository: SqlPatientRepository, bundle: Path) -> Patient:
    """The stored patient of one Synthea bundle, found by its Synthea identifier."""
    document = load(bundle)
    (resource,) = (
        entry["resource"]
        for entry in document["entry"]
        if entry["resource"]["resourceType"] == "Patient"
    )
    (PatientID,) = (i["value"] for i in resource["identifier"] if i["system"] == SYNTHEA_SYSTEM)
    (found,) = repository.find_patients(PatientID, SYNTHEA_SYSTEM)
    return found


def test_bundles_ips_documents_and_ndjson_give_the_same_facts(
    synthea_dir: Path,
    tmp_path: Path,
    repository: SqlPatientRepository,
    more_repositories: MoreRepositories,
) -> None:
    bundles = [synthea_dir / f"{sid}-bundle.json" for sid in SYNTHEA_IDS]
    export = write_ndjson((load(path) for path in bundles), tmp_path / "export")
    as_bundles, as_ips, as_ndjson = repository, more_repositories(), more_repositories()
    assert import_fhir(bundles, as_bundles).added == 10
    assert import_fhir([synthea_dir / f"{sid}-ips.json" for sid in SYNTHEA_IDS], as_ips).added == 10
    ndjson = import_fhir([export], as_ndjson)
    assert (ndjson.added, ndjson.refused) == (10, ())

    compared = Counter[str]()
    for bundle in bundles:
        from_bundle = the_patient(as_bundles, bundle)
        from_ips = the_patient(as_ips, bundle)
        from_ndjson = the_patient(as_ndjson, bundle)

        assert from_ndjson.source == from_bundle.source
        assert record_form(from_ndjson) == record_form(from_bundle)
        assert Counter(fact_form(f, with_source=True) for f in from_ndjson.facts) == Counter(
            fact_form(f, with_source=True) for f in from_bundle.facts
        )

        assert (from_ips.source or "").startswith("fhir:urn:uuid:")
        assert record_form(from_ips) == record_form(from_bundle)
        assert same_information_as_ips(from_ips.facts) == same_information_as_ips(from_bundle.facts)
        # The exclusions are about what these IPS documents hold, not a way to hide a loss:
        assert from_ips.facts_of(*NOT_IN_THESE_IPS) == ()
        assert {f.status for f in from_ips.facts_of(FactKind.MEDICATION)} <= {FactStatus.ACTIVE}
        compared.update(fact.kind.value for fact in from_ips.facts)

    assert compared == {
        "vital-sign": 288, "measurement": 173, "procedure": 69, "problem": 61,
        "medication": 9, "allergy": 5,
    }  # fmt: skip


def test_importing_the_ips_after_the_bundle_changes_nothing(
    synthea_dir: Path, repository: SqlPatientRepository
) -> None:
    """An IPS Patient has no id: it is found by its identifiers, and its facts (no ids either)
    are all already stated by the bundle's, so every record stays as it is."""
    bundles = [synthea_dir / f"{sid}-bundle.json" for sid in SYNTHEA_IDS]
    import_fhir(bundles, repository)

    def everything() -> list[dict[str, object]]:
        return [
            asdict(the_patient(repository, bundle))
            for sid, bundle in zip(SYNTHEA_IDS, bundles, strict=True)
        ]

    before = everything()
    report = import_fhir([synthea_dir / f"{sid}-ips.json" for sid in SYNTHEA_IDS], repository)
    assert (report.added, report.updated, report.unchanged, report.refused) == (0, 0, 10, ())
    assert repository.count_patients() == 10
    assert everything() == before


def test_a_bundle_after_the_ips_takes_over_the_provisional_record(
    synthea_dir: Path, repository: SqlPatientRepository, more_repositories: MoreRepositories
) -> None:
    """IPS first (record ``fhir:urn:uuid:...``), then the bundle (``fhir:Patient/<id>``): one
    record remains, the bundle's, with nothing from the IPS duplicated."""
    breast = synthea_dir / "1386506-bundle.json"
    assert import_fhir([synthea_dir / "1386506-ips.json"], repository).added == 1
    report = import_fhir([breast], repository)
    assert (report.added, report.deleted, report.refused) == (1, 1, ())
    assert "merged fhir:urn:uuid:" in report.lines()[0]
    only_bundle = more_repositories()
    import_fhir([breast], only_bundle)
    merged = the_patient(repository, breast)
    expected = the_patient(only_bundle, breast)
    assert repository.count_patients() == 1
    assert merged.source == expected.source
    assert Counter(fact_form(f, with_source=True) for f in merged.facts) == Counter(
        fact_form(f, with_source=True) for f in expected.facts
    )
