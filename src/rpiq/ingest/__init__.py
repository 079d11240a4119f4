"""rpiq.ingest layer: FHIR R4 and DICOM sources -> domain -> store (``docs/fhir-mapping.md``).

Reading (pure, per resource) is kept apart from writing (one unit of work per transaction)::

    importer           files/folders/stdin -> units -> ImportReport (rpiq import fhir)
    sources            paths, folders, ``-``, gzip; JSON document or NDJSON
    fhir_bundle        Bundle (transaction, batch, collection, searchset, document) -> FhirUnit
    fhir_ndjson        Bulk Data NDJSON export -> one FhirUnit per patient, refused lines
    fhir_mapping       one resource -> its facts (MAPPINGS), one Patient -> PatientDraft
    fhir_references    reference forms (urn:uuid, Type/id, absolute, #contained), index
    fhir_unit          FhirUnit / PatientChange / UnitBuilder (Patient.link folding)
    fhir_merge         a change + the stored record -> the new record (facts by resource)
    fhir_apply         FhirUnit -> ImportRepository.update_patients (identity, DELETE, merges)
    fhir_patient       Patient -> identifiers (issuer map, IssuerRule, qualifiers), PN, dates
    fhir_resources     Condition, AllergyIntolerance, Medication*, Procedure,
                       FamilyMemberHistory, Device -> ClinicalFacts
    fhir_observations  Observation -> vital signs, measurements, social history, OB/GYN
    fhir_values        codes, dates, quantities; fhir_codes: the code tables
    dicom_files        DICOM Patient module -> Patients
    demo, demo_fhir    the generated demo patients, loaded through the FHIR importer
    report             SourceReport / ImportReport
"""
