"""rpiq.ingest layer: FHIR R4 and DICOM sources -> domain -> store (``docs/fhir-mapping.md``).

::

    importer           files/folders -> one bundle per transaction -> ImportReport
    fhir_bundle        Bundle -> Patients (references, refusal messages, skipped counts)
    fhir_patient       Patient -> identifiers (IssuerRule), PN name, sex, dates
    fhir_resources     Condition, AllergyIntolerance, Medication*, Procedure,
                       FamilyMemberHistory, Device -> ClinicalFacts
    fhir_observations  Observation -> vital signs, measurements, social history, OB/GYN
    fhir_values        codes, dates, quantities; fhir_codes: the code tables
    dicom_files        DICOM Patient module -> Patients
    demo, demo_fhir    the generated demo patients, loaded through the FHIR importer
    report             SourceReport / ImportReport
"""
