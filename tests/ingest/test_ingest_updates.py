"""Updates and identity, with hand-written bundles: a changed resource replaces its facts, an
update bundle may carry one Condition of a stored patient, DELETE entries, Patient.link
merges, and patients without id found by their identifiers."""

from __future__ import annotations

from typing import Any

import pytest

from ingest.fhir_json import (
    PATIENT_URL,
    SNOMED,
    bundle,
    concept,
    patient_resource,
    read,
)
from ingest.synthea import row_counts
from rpiq.domain import FactStatus
from rpiq.errors import ImportRefused
from rpiq.ingest.importer import import_documents
from rpiq.ingest.report import ImportReport
from rpiq.store import SqlPatientRepository

JSON = dict[str, Any]
CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"


def condition(condition_id: str, code: str, patient: str = "Patient/p1", **fields: Any) -> JSON:
    resource: JSON = {
        "resourceType": "Condition",
        "id": condition_id,
        "clinicalStatus": {"coding": [{"system": CLINICAL, "code": "active"}]},
        "code": concept(SNOMED, code, f"condition {code}"),
        "subject": {"reference": patient},
        "onsetDateTime": "2020-01-02",
    }
    resource.update(fields)
    return resource


def status(code: str) -> JSON:
    return {"coding": [{"system": CLINICAL, "code": code}]}


def transaction(*resources: JSON, deletes: tuple[str, ...] = ()) -> JSON:
    """A transaction bundle: PUT each resource (fullUrl ``Type/id``), then DELETE each URL."""
    entries: list[JSON] = [
        {
            "fullUrl": f"https://ehr.example.org/fhir/{r['resourceType']}/{r['id']}",
            "resource": r,
            "request": {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"},
        }
        for r in resources
    ]
    entries += [{"request": {"method": "DELETE", "url": url}} for url in deletes]
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


def load(repository: SqlPatientRepository, *documents: JSON) -> ImportReport:
    return import_documents(
        [(f"doc-{n}.json", document) for n, document in enumerate(documents, start=1)],
        repository,
    )


def person(patient_id: str, mrn: str, **fields: Any) -> JSON:
    return patient_resource(
        id=patient_id, identifier=[{"system": "urn:mrn", "value": mrn}], **fields
    )


def facts_by_source(repository: SqlPatientRepository, mrn: str) -> dict[str, FactStatus]:
    (stored,) = repository.find_patients(mrn, None)
    return {fact.source or "": fact.status for fact in stored.facts}


# -- a changed resource replaces its facts ------------------------------------------------


def test_an_update_bundle_with_one_condition_replaces_that_fact_and_keeps_the_others(
    repository: SqlPatientRepository,
) -> None:
    load(
        repository,
        transaction(
            person("p1", "MRN-1"),
            condition("c1", "38341003"),
            condition("c2", "44054006"),
            condition("c3", "195967001"),
        ),
    )
    update = transaction(condition("c2", "44054006", clinicalStatus=status("resolved")))
    report = load(repository, update)
    assert (report.added, report.updated, report.unchanged, report.refused) == (0, 1, 0, ())
    assert facts_by_source(repository, "MRN-1") == {
        "Condition/c1": FactStatus.ACTIVE,
        "Condition/c2": FactStatus.RESOLVED,
        "Condition/c3": FactStatus.ACTIVE,
    }
    (stored,) = repository.find_patients("MRN-1", None)
    assert [fact.source for fact in stored.facts] == [
        "Condition/c1",
        "Condition/c2",
        "Condition/c3",
    ]
    assert stored.name is not None  # the demographics stay those of the stored record
    assert load(repository, update).unchanged == 1


@pytest.mark.parametrize(
    "reference", ["Patient/p1", "https://other.example.org/fhir/Patient/p1/_history/2"]
)
def test_an_update_references_the_stored_patient_relatively_or_absolutely(
    repository: SqlPatientRepository, reference: str
) -> None:
    load(repository, transaction(person("p1", "MRN-1")))
    report = load(repository, transaction(condition("c9", "38341003", reference)))
    assert report.updated == 1
    assert facts_by_source(repository, "MRN-1") == {"Condition/c9": FactStatus.ACTIVE}


@pytest.mark.parametrize("verification", ["entered-in-error", "refuted"])
def test_a_condition_updated_to_entered_in_error_or_refuted_loses_its_fact(
    repository: SqlPatientRepository, verification: str
) -> None:
    load(repository, transaction(person("p1", "MRN-1"), condition("c1", "1"), condition("c2", "2")))
    withdrawn = condition(
        "c1", "1", verificationStatus={"coding": [{"system": VERIFICATION, "code": verification}]}
    )
    report = load(repository, transaction(withdrawn))
    assert report.updated == 1
    assert report.skipped == {f"Condition ({verification})": 1}
    assert facts_by_source(repository, "MRN-1") == {"Condition/c2": FactStatus.ACTIVE}


def test_a_resource_for_a_patient_neither_in_the_bundle_nor_stored_refuses_it_whole(
    repository: SqlPatientRepository,
) -> None:
    load(repository, transaction(person("p1", "MRN-1")))
    counts = row_counts(repository)
    report = load(
        repository, transaction(condition("c1", "1"), condition("c2", "2", "Patient/ghost"))
    )
    assert report.refused == (
        "doc-1.json: Condition/c2: subject 'Patient/ghost' is neither a Patient in this bundle "
        "nor a stored patient",
    )
    assert row_counts(repository) == counts  # c1 of the stored p1 was not written either


# -- DELETE entries ------------------------------------------------------------------------


def test_delete_entries_remove_a_fact_or_a_patient_and_note_what_was_not_stored(
    repository: SqlPatientRepository,
) -> None:
    load(
        repository,
        transaction(person("p1", "MRN-1"), condition("c1", "1"), condition("c2", "2")),
        transaction(person("p2", "MRN-2"), condition("c3", "3", "Patient/p2")),
    )
    report = load(
        repository,
        transaction(
            deletes=(
                "Condition/c2",
                "https://ehr.example.org/fhir/Patient/p2",
                "Condition/never",
                "Patient/never",
            )
        ),
    )
    assert (report.updated, report.deleted, report.refused) == (1, 1, ())
    (line,) = [line for line in report.lines() if line.startswith("loaded")]
    assert "1 deleted" in line
    assert "DELETE Condition/never: not stored" in line
    assert "DELETE Patient/never: not stored" in line
    assert facts_by_source(repository, "MRN-1") == {"Condition/c1": FactStatus.ACTIVE}
    assert repository.find_patients("MRN-2", None) == []
    assert repository.count_patients() == 1
    again = load(repository, transaction(deletes=("Condition/c2", "Patient/p2")))
    assert (again.updated, again.deleted, again.unchanged) == (0, 0, 0)


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        ({"request": {"method": "DELETE", "url": "Condition?code=1"}}, "conditional delete"),
        ({"request": {"method": "DELETE", "url": "urn:uuid:1"}}, "not a Type/id reference"),
        (
            {"resource": {"resourceType": "Condition"}, "request": {"method": "PATCH"}},
            "PATCH entries are not supported",
        ),
    ],
)
def test_deletes_and_patches_rpiq_cannot_apply_refuse_the_bundle(entry: JSON, reason: str) -> None:
    document = transaction(person("p1", "MRN-1"))
    document["entry"].append(entry)
    with pytest.raises(ImportRefused, match=reason):
        read(document)


def test_a_bundle_deleting_a_patient_it_also_writes_is_refused() -> None:
    with pytest.raises(ImportRefused, match="Patient/p1 is both deleted and written"):
        read(transaction(person("p1", "MRN-1"), deletes=("Patient/p1",)))


def test_get_entries_of_a_batch_are_counted_not_read() -> None:
    document = transaction(person("p1", "MRN-1"))
    document["type"] = "batch"
    document["entry"].append({"request": {"method": "GET", "url": "Patient/p1"}})
    assert dict(read(document).skipped) == {"Bundle.entry (GET)": 1}


# -- Patient.link merges --------------------------------------------------------------------


def replaced_by(old: JSON, survivor: str) -> JSON:
    return {**old, "link": [{"other": {"reference": survivor}, "type": "replaced-by"}]}


def test_replaced_by_merges_two_stored_patients_into_the_survivor(
    repository: SqlPatientRepository,
) -> None:
    load(
        repository,
        transaction(person("old", "MRN-OLD"), condition("c-old", "1", "Patient/old")),
        transaction(person("new", "MRN-NEW"), condition("c-new", "2", "Patient/new")),
    )
    report = load(repository, transaction(replaced_by(person("old", "MRN-OLD"), "Patient/new")))
    assert (report.updated, report.deleted, report.refused) == (1, 1, ())
    assert "merged fhir:Patient/old into fhir:Patient/new" in report.lines()[0]
    (survivor,) = repository.find_patients("MRN-OLD", None)
    assert survivor.source == "fhir:Patient/new"
    assert {(i.PatientID, i.IssuerOfPatientID) for i in survivor.identifiers} == {
        ("MRN-NEW", "urn:mrn"),
        ("MRN-OLD", "urn:mrn"),
    }
    assert set(facts_by_source(repository, "MRN-NEW")) == {"Condition/c-new", "Condition/c-old"}
    assert repository.count_patients() == 1


def test_both_patients_of_one_bundle_merge_with_a_replaces_link(
    repository: SqlPatientRepository,
) -> None:
    survivor = person("new", "MRN-NEW")
    survivor["link"] = [{"other": {"reference": "Patient/old"}, "type": "replaces"}]
    report = load(
        repository,
        transaction(
            person("old", "MRN-OLD"),
            survivor,
            condition("c1", "1", "Patient/old"),
            condition("c2", "2", "Patient/new"),
        ),
    )
    assert (report.added, report.deleted) == (1, 0)
    (stored,) = repository.find_patients("MRN-OLD", None)
    assert stored.source == "fhir:Patient/new"
    assert [fact.source for fact in stored.facts] == ["Condition/c1", "Condition/c2"]


def test_a_chain_of_replacements_ends_at_the_last_patient() -> None:
    parsed = read(
        transaction(
            replaced_by(person("a", "A"), "Patient/b"),
            replaced_by(person("b", "B"), "https://ehr.example.org/fhir/Patient/c"),
            person("c", "C"),
            condition("on-a", "1", "Patient/a"),
        )
    )
    (patient,) = parsed.patients
    assert patient.source == "fhir:Patient/c"
    assert [i.PatientID for i in patient.identifiers] == ["C", "A", "B"]
    assert [fact.source for fact in patient.facts] == ["Condition/on-a"]


@pytest.mark.parametrize(
    ("resources", "reason"),
    [
        (
            [
                replaced_by(person("a", "A"), "Patient/b"),
                replaced_by(person("b", "B"), "Patient/a"),
            ],
            "Patient.link cycle",
        ),
        (
            [
                {
                    **person("a", "A"),
                    "link": [
                        {"other": {"reference": "Patient/b"}, "type": "replaced-by"},
                        {"other": {"reference": "Patient/c"}, "type": "replaced-by"},
                    ],
                }
            ],
            "Patient/a is replaced by both Patient/b and Patient/c",
        ),
        (
            [replaced_by(person("a", "A"), "Practitioner/x")],
            "link replaced-by 'Practitioner/x' does not reference a Patient",
        ),
    ],
)
def test_inconsistent_links_refuse_the_bundle(resources: list[JSON], reason: str) -> None:
    with pytest.raises(ImportRefused, match=reason):
        read(transaction(*resources))


def test_a_survivor_neither_in_the_bundle_nor_stored_refuses_the_merge(
    repository: SqlPatientRepository,
) -> None:
    load(repository, transaction(person("old", "MRN-OLD")))
    report = load(repository, transaction(replaced_by(person("old", "MRN-OLD"), "Patient/gone")))
    assert report.refused == (
        "doc-1.json: Patient/old: link replaced-by 'Patient/gone' is neither a Patient in this "
        "bundle nor a stored patient",
    )
    assert repository.find_patients("MRN-OLD", None)[0].source == "fhir:Patient/old"


def test_other_link_types_are_counted_not_followed() -> None:
    seealso = {
        **person("a", "A"),
        "link": [{"other": {"reference": "RelatedPerson/r"}, "type": "seealso"}],
    }
    parsed = read(transaction(seealso))
    assert [p.source for p in parsed.patients] == ["fhir:Patient/a"]
    assert dict(parsed.skipped) == {"Patient.link (seealso)": 1}


# -- patients without id ---------------------------------------------------------------------


def document_bundle(patient: JSON, *resources: JSON) -> JSON:
    """A document bundle: Composition first, the Patient and resources without ids."""
    composition = {"resourceType": "Composition", "subject": {"reference": PATIENT_URL}}
    entries = [{"fullUrl": "urn:uuid:composition", "resource": composition}]
    document = bundle(*resources, patient=patient, bundle_type="document")
    document["entry"] = entries + document["entry"]
    return document


def without_id(resource: JSON) -> JSON:
    return {key: value for key, value in resource.items() if key != "id"}


def test_a_patient_without_id_is_the_stored_patient_holding_its_identifier(
    repository: SqlPatientRepository,
) -> None:
    load(repository, transaction(person("p1", "MRN-1"), condition("c1", "1")))
    document = document_bundle(
        without_id(person("p1", "MRN-1")),
        without_id(condition("c1", "1", PATIENT_URL)),  # the same content as Condition/c1
        without_id(condition("c7", "7", PATIENT_URL)),  # something new
    )
    report = load(repository, document)
    assert (report.added, report.updated, report.skipped) == (0, 1, {"Composition": 1})
    (stored,) = repository.find_patients("MRN-1", None)
    assert stored.source == "fhir:Patient/p1"
    assert [fact.code.value for fact in stored.facts] == ["1", "7"]
    assert stored.facts[1].source == "Condition urn:uuid:00000000-0000-4000-8000-000000000002"
    assert load(repository, document).unchanged == 1


def test_a_patient_without_id_whose_identifiers_two_records_hold_is_refused(
    repository: SqlPatientRepository,
) -> None:
    load(repository, transaction(person("p1", "MRN-1")), transaction(person("p2", "MRN-2")))
    both = without_id(person("x", "MRN-1"))
    both["identifier"].append({"system": "urn:mrn", "value": "MRN-2"})
    (refused,) = load(repository, document_bundle(both)).refused
    assert refused == (
        f"doc-1.json: Patient {PATIENT_URL}: its identifiers are held by 2 stored patients "
        "(fhir:Patient/p1, fhir:Patient/p2); cannot tell which it is"
    )


def test_two_patients_of_one_bundle_cannot_be_one_stored_record(
    repository: SqlPatientRepository,
) -> None:
    load(repository, transaction(person("p1", "MRN-1")))
    twin = {"fullUrl": "urn:uuid:twin", "resource": without_id(person("x", "MRN-1"))}
    document = document_bundle(without_id(person("p1", "MRN-1")))
    document["entry"].append(twin)
    (refused,) = load(repository, document).refused
    assert (
        refused == "doc-1.json: two patients of this bundle are one stored record (fhir:Patient/p1)"
    )
