"""FHIR clinical resources -> facts (Condition, AllergyIntolerance, medications, Procedure,
FamilyMemberHistory, Device)."""

from __future__ import annotations

from ingest.fhir_json import LOINC, SNOMED, bundle, concept, only_patient, read, subject
from rpiq.domain import Code, FactKind, FactStatus

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ROLE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
LEFT = Code("7771000", "SCT", "Left")
RIGHT = Code("24028007", "SCT", "Right")


def status(system_suffix: str, code: str) -> dict[str, object]:
    return {
        "coding": [
            {"system": f"http://terminology.hl7.org/CodeSystem/{system_suffix}", "code": code}
        ]
    }


def condition(**fields: object) -> dict[str, object]:
    resource: dict[str, object] = {
        "resourceType": "Condition",
        "id": "c1",
        "clinicalStatus": status("condition-clinical", "active"),
        "verificationStatus": status("condition-ver-status", "confirmed"),
        "code": concept(SNOMED, "254837009", "Malignant neoplasm of breast (disorder)"),
        "subject": subject(),
    }
    resource.update(fields)
    return resource


def test_a_condition_becomes_a_problem_with_dates_site_laterality_and_severity() -> None:
    patient = only_patient(
        condition(
            onsetDateTime="2019-03-14T09:30:00+01:00",
            abatementDateTime="2021-01-01",
            recordedDate="2019-03-15",
            bodySite=[concept(SNOMED, "80248007", "Left breast structure")],
            severity=concept(SNOMED, "6736007", "Moderate"),
            clinicalStatus=status("condition-clinical", "remission"),
        )
    )
    (fact,) = patient.facts
    assert fact.kind is FactKind.PROBLEM
    assert fact.code == Code("254837009", "SCT", "Malignant neoplasm of breast (disorder)")
    assert fact.status is FactStatus.INACTIVE
    assert (fact.started, fact.ended, fact.recorded) == (
        "20190314093000+0100",
        "20210101",
        "20190315",
    )
    assert fact.body_site == Code("80248007", "SCT", "Left breast structure")
    assert fact.laterality == LEFT
    assert fact.severity == Code("6736007", "SCT", "Moderate")
    assert fact.source == "Condition/c1"


def test_refuted_and_entered_in_error_conditions_never_become_facts() -> None:
    parsed = read(
        bundle(
            condition(id="c1", verificationStatus=status("condition-ver-status", "refuted")),
            condition(
                id="c2", verificationStatus=status("condition-ver-status", "entered-in-error")
            ),
            condition(id="c3", clinicalStatus=status("condition-clinical", "resolved")),
            condition(id="c4", code={"text": "uncoded"}),
        )
    )
    (fact,) = parsed.patients[0].facts
    assert (fact.source, fact.status) == ("Condition/c3", FactStatus.RESOLVED)
    skipped = dict(parsed.skipped)
    assert skipped["Condition (refuted)"] == 1
    assert skipped["Condition (entered-in-error)"] == 1
    assert skipped["Condition (no coded concept)"] == 1


def test_an_allergy_keeps_reactions_criticality_and_the_gravest_severity() -> None:
    allergy = {
        "resourceType": "AllergyIntolerance",
        "id": "a1",
        "clinicalStatus": status("allergyintolerance-clinical", "active"),
        "criticality": "high",
        "code": concept(SNOMED, "91936005", "Allergy to penicillin"),
        "patient": subject(),
        "onsetDateTime": "1999",
        "reaction": [
            {"manifestation": [concept(SNOMED, "247472004", "Hives")], "severity": "mild"},
            {"manifestation": [{"text": "Anaphylaxis"}], "severity": "severe"},
        ],
    }
    no_known = {
        "resourceType": "AllergyIntolerance",
        "code": concept(SNOMED, "716186003", "No known allergy"),
        "patient": subject(),
    }
    parsed = read(bundle(allergy, no_known))
    (fact,) = parsed.patients[0].facts
    assert (fact.kind, fact.status, fact.started) == (FactKind.ALLERGY, FactStatus.ACTIVE, "1999")
    assert fact.text == "reaction: Hives, Anaphylaxis; criticality: high"
    assert fact.severity == Code("24484000", "SCT", "Severe")
    assert dict(parsed.skipped)["AllergyIntolerance (no known allergy)"] == 1


def medication_request(**fields: object) -> dict[str, object]:
    resource: dict[str, object] = {
        "resourceType": "MedicationRequest",
        "id": "m1",
        "status": "active",
        "intent": "order",
        "medicationCodeableConcept": concept(RXNORM, "198240", "Tamoxifen 10 MG Oral Tablet"),
        "subject": subject(),
        "authoredOn": "2019-05-01T08:00:00Z",
        "dosageInstruction": [{"text": "1 tablet daily"}],
    }
    resource.update(fields)
    return resource


def test_medication_requests_map_status_code_and_dosage() -> None:
    medication = {
        "resourceType": "Medication",
        "id": "med-1",
        "code": concept(RXNORM, "200033", "carvedilol 25 MG Oral Tablet"),
    }
    parsed = read(
        bundle(
            medication_request(),
            medication_request(id="m2", status="cancelled"),
            medication_request(id="m3", status="entered-in-error"),
            medication,
            medication_request(
                id="m4",
                medicationCodeableConcept=None,
                medicationReference={"reference": "Medication/med-1"},
            ),
            medication_request(
                id="m5",
                medicationCodeableConcept=None,
                medicationReference={"reference": "Medication/nowhere"},
            ),
        )
    )
    facts = parsed.patients[0].facts
    assert [(fact.source, fact.status) for fact in facts] == [
        ("MedicationRequest/m1", FactStatus.ACTIVE),
        ("MedicationRequest/m2", FactStatus.STOPPED),
        ("MedicationRequest/m4", FactStatus.ACTIVE),
    ]
    first = facts[0]
    assert first.code == Code("198240", "RXNORM", "Tamoxifen 10 MG Oral Tablet")
    assert (first.kind, first.started, first.text) == (
        FactKind.MEDICATION,
        "20190501080000+0000",
        "1 tablet daily",
    )
    assert facts[2].code.value == "200033"
    skipped = dict(parsed.skipped)
    assert skipped["MedicationRequest (entered-in-error)"] == 1
    assert skipped["MedicationRequest (medicationReference not found)"] == 1
    assert skipped["Medication"] == 1


def test_medication_statements_use_the_effective_period() -> None:
    statement = {
        "resourceType": "MedicationStatement",
        "id": "s1",
        "status": "completed",
        "medicationCodeableConcept": concept(RXNORM, "617310", "atorvastatin 20 MG Oral Tablet"),
        "subject": subject(),
        "effectivePeriod": {"start": "2010-01", "end": "2015-06-30"},
        "dateAsserted": "2016-01-01",
    }
    not_taken = dict(statement, id="s2", status="not-taken")
    parsed = read(bundle(statement, not_taken))
    (fact,) = parsed.patients[0].facts
    assert (fact.status, fact.started, fact.ended, fact.recorded) == (
        FactStatus.COMPLETED,
        "201001",
        "20150630",
        "20160101",
    )
    assert dict(parsed.skipped)["MedicationStatement (not-taken)"] == 1


def test_a_procedure_gets_its_period_and_the_side_its_body_site_names() -> None:
    procedure = {
        "resourceType": "Procedure",
        "id": "pr1",
        "status": "completed",
        "code": concept(SNOMED, "392021009", "Lumpectomy of breast (procedure)"),
        "subject": subject(),
        "performedPeriod": {
            "start": "2019-04-02T08:00:00+02:00",
            "end": "2019-04-02T10:00:00+02:00",
        },
        "bodySite": [concept(SNOMED, "9846003", "Right kidney structure")],
    }
    not_done = dict(procedure, id="pr2", status="not-done")
    parsed = read(bundle(procedure, not_done))
    (fact,) = parsed.patients[0].facts
    assert (fact.kind, fact.status) == (FactKind.PROCEDURE, FactStatus.COMPLETED)
    assert (fact.started, fact.ended) == ("20190402080000+0200", "20190402100000+0200")
    assert fact.laterality == RIGHT
    assert dict(parsed.skipped)["Procedure (not-done)"] == 1


def family_history(relationship: dict[str, object], **fields: object) -> dict[str, object]:
    resource: dict[str, object] = {
        "resourceType": "FamilyMemberHistory",
        "id": "f1",
        "status": "completed",
        "patient": subject(),
        "relationship": relationship,
        "condition": [
            {
                "code": concept(SNOMED, "254837009", "Malignant neoplasm of breast"),
                "onsetAge": {
                    "value": 52,
                    "unit": "a",
                    "system": "http://unitsofmeasure.org",
                    "code": "a",
                },
            }
        ],
    }
    resource.update(fields)
    return resource


def test_family_history_maps_relatives_to_cid_7451_one_fact_per_condition() -> None:
    two_conditions = [
        {"code": concept(SNOMED, "22298006", "Myocardial infarction")},
        {"code": concept(SNOMED, "38341003", "Hypertension")},
    ]
    parsed = read(
        bundle(
            family_history(concept(ROLE, "MTH", "mother")),
            family_history(concept(ROLE, "FTH", "father"), id="f2", condition=two_conditions),
            family_history(
                concept(ROLE, "SIB", "sibling"),
                id="f3",
                sex=concept("http://hl7.org/fhir/administrative-gender", "female", "Female"),
            ),
            family_history(concept(ROLE, "FAMMEMB", "family member"), id="f4"),
            family_history(concept(ROLE, "MTH", "mother"), id="f5", condition=[]),
        )
    )
    facts = parsed.patients[0].facts
    assert all(fact.kind is FactKind.FAMILY_HISTORY for fact in facts)
    relatives = [(fact.source, fact.code.value, fact.relative) for fact in facts]
    assert relatives == [
        ("FamilyMemberHistory/f1", "254837009", Code("65656005", "SCT", "Natural mother")),
        ("FamilyMemberHistory/f2", "22298006", Code("9947008", "SCT", "Natural father")),
        ("FamilyMemberHistory/f2", "38341003", Code("9947008", "SCT", "Natural father")),
        ("FamilyMemberHistory/f3", "254837009", Code("73678001", "SCT", "Natural sister")),
        ("FamilyMemberHistory/f4", "254837009", Code("FAMMEMB", "V3-ROLECODE", "family member")),
    ]
    assert facts[0].text == "onset at age 52 a"
    assert dict(parsed.skipped)["FamilyMemberHistory (no condition)"] == 1


def test_a_device_of_the_patient_becomes_a_device_fact() -> None:
    device = {
        "resourceType": "Device",
        "id": "d1",
        "status": "active",
        "type": concept(SNOMED, "72506001", "Implantable defibrillator, device (physical object)"),
        "patient": subject(),
    }
    unattached = {"resourceType": "Device", "id": "d2", "type": device["type"]}
    parsed = read(bundle(device, unattached))
    (fact,) = parsed.patients[0].facts
    assert (fact.kind, fact.status, fact.code.value) == (
        FactKind.DEVICE,
        FactStatus.ACTIVE,
        "72506001",
    )
    assert dict(parsed.skipped)["Device (no patient)"] == 1


def test_observation_codes_keep_their_loinc_scheme() -> None:
    smoking = {
        "resourceType": "Observation",
        "id": "o1",
        "status": "final",
        "category": [
            concept(
                "http://terminology.hl7.org/CodeSystem/observation-category", "survey", "Survey"
            )
        ],
        "code": concept(LOINC, "72166-2", "Tobacco smoking status"),
        "subject": subject(),
        "effectiveDateTime": "2020-01-01",
        "valueCodeableConcept": concept(SNOMED, "8517006", "Former smoker"),
    }
    (fact,) = only_patient(smoking).facts
    assert (fact.kind, fact.code, fact.status) == (
        FactKind.SOCIAL_HISTORY,
        Code("72166-2", "LN", "Tobacco smoking status"),
        FactStatus.COMPLETED,
    )
    assert fact.value_code == Code("8517006", "SCT", "Former smoker")
    assert fact.started == "20200101"
