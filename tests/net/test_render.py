"""The text form of a response identifier (``rpiq query --format text``)."""

from __future__ import annotations

from pydicom.dataset import Dataset

from rpiq.net.render import format_code, render_identifier


def _code(value: str, scheme: str, meaning: str, version: str | None = None) -> Dataset:
    item = Dataset()
    item.CodeValue = value
    item.CodingSchemeDesignator = scheme
    if version:
        item.CodingSchemeVersion = version
    item.CodeMeaning = meaning
    return item


def _item(relationship: str, value_type: str, name: Dataset, **values: object) -> Dataset:
    item = Dataset()
    item.RelationshipType = relationship
    item.ValueType = value_type
    item.ConceptNameCodeSequence = [name]
    for keyword, value in values.items():
        setattr(item, keyword, value)
    return item


def _number(value: str, units: Dataset) -> Dataset:
    measured = Dataset()
    measured.NumericValue = value
    measured.MeasurementUnitsCodeSequence = [units]
    return measured


def ee_example() -> Dataset:
    """The PS3.17 Annex EE response identifier (Breast Imaging SOP class), abridged."""
    identifier = Dataset()
    identifier.PatientName = "Doe^Jane"
    identifier.PatientID = "MR975311"
    identifier.PatientBirthDate = "19541106"
    identifier.PatientSex = "F"
    identifier.ObservationDateTime = "20021114124623"
    identifier.ValueType = "CONTAINER"
    identifier.ConceptNameCodeSequence = [
        _code("111511", "DCM", "Relevant Patient Information for Breast Imaging")
    ]
    template = Dataset()
    template.MappingResource = "DCMR"
    template.TemplateIdentifier = "9000"
    identifier.ContentTemplateSequence = [template]
    procedure = _item(
        "CONTAINS",
        "CODE",
        _code("111531", "DCM", "Previous Procedure"),
        ConceptCodeSequence=[_code("287572003", "SCT", "Cyst aspiration")],
        ContentSequence=[
            _item(
                "HAS PROPERTIES",
                "DATETIME",
                _code("122146", "DCM", "Procedure DateTime"),
                DateTime="19990825",
            )
        ],
    )
    identifier.ContentSequence = [
        _item(
            "CONTAINS",
            "NUM",
            _code("121033", "DCM", "Subject Age"),
            MeasuredValueSequence=[_number("48", _code("a", "UCUM", "Year", "1.4"))],
        ),
        _item(
            "CONTAINS",
            "CONTAINER",
            _code("111513", "DCM", "Relevant Previous Procedures"),
            ContinuityOfContent="SEPARATE",
            ContentSequence=[procedure],
        ),
        _item("CONTAINS", "TEXT", _code("121106", "DCM", "Comment"), TextValue="well"),
        _item("CONTAINS", "NUM", _code("11977-6", "LN", "Para"), MeasuredValueSequence=[]),
    ]
    return identifier


def test_return_keys_then_an_indented_content_tree() -> None:
    assert render_identifier(ee_example()) == [
        "PatientName: Doe^Jane",
        "PatientID: MR975311",
        "PatientBirthDate: 19541106",
        "PatientSex: F",
        "ObservationDateTime: 20021114124623",
        "ContentTemplate: DCMR 9000",
        '1 CONTAINER (111511, DCM, "Relevant Patient Information for Breast Imaging")',
        '  1.1 CONTAINS NUM (121033, DCM, "Subject Age") = 48 (a, UCUM [1.4], "Year")',
        '  1.2 CONTAINS CONTAINER (111513, DCM, "Relevant Previous Procedures")',
        '    1.2.1 CONTAINS CODE (111531, DCM, "Previous Procedure") = '
        '(287572003, SCT, "Cyst aspiration")',
        '      1.2.1.1 HAS PROPERTIES DATETIME (122146, DCM, "Procedure DateTime") = 19990825',
        '  1.3 CONTAINS TEXT (121106, DCM, "Comment") = "well"',
        '  1.4 CONTAINS NUM (11977-6, LN, "Para") = (no value)',
    ]


def test_empty_return_keys_are_shown_as_empty() -> None:
    identifier = Dataset()
    identifier.PatientID = "X"
    identifier.IssuerOfPatientID = ""
    assert render_identifier(identifier) == ["PatientID: X", "IssuerOfPatientID: (empty)"]


def test_long_code_value_is_shown_when_there_is_no_code_value() -> None:
    code = Dataset()
    code.LongCodeValue = "a-code-value-longer-than-sixteen"
    code.CodingSchemeDesignator = "99X"
    code.CodeMeaning = "Long"
    assert format_code(code) == '(a-code-value-longer-than-sixteen, 99X, "Long")'
