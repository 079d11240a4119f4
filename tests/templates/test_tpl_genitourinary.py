"""TID 9007 rows 13 and 14: TID 351 Previous Reports and TID 4301 Genitourinary Patient History,
emitted only when facts exist for them."""

from __future__ import annotations

from tpl_check import errors
from tpl_patients import fact, patient
from tpl_shape import child, concepts, shape

from rpiq.domain import ClinicalFact, Code, FactKind, FactStatus
from rpiq.templates.content import CompositeReference, ContentItem, ValueType
from rpiq.templates.roots import build_root

C, HP = "CONTAINS", "HAS PROPERTIES"
F, P = FactKind, FactStatus
GENITOURINARY, PREVIOUS_REPORTS = "130548", "111549"
FATHER = Code("9947008", "SCT", "Natural father")
FORMER_SMOKER = Code("8517006", "SCT", "Former smoker")
SR_STORAGE = "1.2.840.10008.5.1.4.1.1.88.33"


def _general(*facts: ClinicalFact) -> ContentItem:
    root = build_root("9007", patient(*facts, sex="M"))
    assert errors(root, "9007") == []
    return root


PROSTATE_FACTS = (
    fact(F.PROBLEM, "126906006", "SCT", "Neoplasm of prostate", started="2015", status=P.ACTIVE),
    fact(F.PROBLEM, "314994000", "SCT", "Metastasis from malignant tumor of prostate (disorder)",
         started="2018"),
    fact(F.PROBLEM, "254900004", "SCT", "Carcinoma of prostate", started="2016"),
    fact(F.PROCEDURE, "410006001", "SCT", "Digital examination of rectum", started="2014"),
    fact(F.PROCEDURE, "65575008", "SCT", "Biopsy of prostate", started="2015"),
    fact(F.PROCEDURE, "90470006", "SCT", "Prostatectomy", started="2016"),
    fact(F.MEDICATION, "752884", "RXNORM", "leuprolide acetate 22.5 MG Prefilled Syringe",
         status=P.ACTIVE),
    fact(F.FAMILY_HISTORY, "399068003", "SCT", "Malignant tumor of prostate", relative=FATHER),
    fact(F.SOCIAL_HISTORY, "72166-2", "LN", "Tobacco smoking status", value_code=FORMER_SMOKER),
)  # fmt: skip


def test_genitourinary_history_rows() -> None:
    history = child(_general(*PROSTATE_FACTS), GENITOURINARY)
    assert (history.template_id, history.row) == ("4301", "TID 4301 row 1")
    assert [item.row for item in history.children] == [
        f"TID 4301 row {n}" for n in (3, 6, 9, 14, 17, 23)
    ]
    problems, social, surgery, diagnostics, medications, family = history.children
    concerns = [c.children[0] for c in problems.children]
    assert [c.code_value.value for c in concerns] == ["126906006", "314994000", "254900004"]  # type: ignore[union-attr]
    therapies = [shape(item) for item in problems.children[0].children[1:]]
    assert therapies == [
        (C, "CODE", "277132007", "707266006", ((HP, "CODE", "33999-4", "385651009", ()),)),
        (C, "CODE", "277132007", "90470006", ()),  # prostatectomy, CID 6323
    ]
    assert shape(social)[4] == ((C, "CODE", "365981007", "8517006", ()),)
    assert shape(surgery)[4] == (
        (C, "CODE", "387713003", "90470006", ((HP, "DATETIME", "122146", "2016", ()),)),
    )
    assert shape(diagnostics) == (C, "CONTAINER", "261004008", None, (
        (C, "CODE", "261004008", "410006001", ((HP, "DATETIME", "122146", "2014", ()),)),
        (C, "CODE", "261004008", "65575008", ((HP, "DATETIME", "122146", "2015", ()),)),
    ))  # fmt: skip
    assert shape(medications)[4] == (
        (C, "CODE", "111516", "752884", ((HP, "CODE", "33999-4", "385651009", ()),)),
    )
    assert shape(family)[4] == (
        (C, "CODE", "416471007", "111562", ((HP, "CODE", "408732007", "9947008", ()),)),
    )


def test_no_genitourinary_history_without_genitourinary_facts() -> None:
    root = _general(
        fact(F.SOCIAL_HISTORY, "72166-2", "LN", "Tobacco smoking status", value_code=FORMER_SMOKER),
        fact(F.PROCEDURE, "73761001", "SCT", "Colonoscopy"),
    )
    assert GENITOURINARY not in concepts(root)


def test_previous_reports_reference_stored_instances() -> None:
    title = ("18748-4", "LN", "Diagnostic imaging study")
    root = _general(
        fact(F.PREVIOUS_REPORT, *title, source=f"sop:{SR_STORAGE}/1.2.3.4.5"),
        fact(F.PREVIOUS_REPORT, *title, source="DiagnosticReport/abc"),
    )
    reports = child(root, PREVIOUS_REPORTS)
    assert (reports.template_id, reports.row) == ("351", "TID 351 row 1")
    (report,) = reports.children
    assert report.value_type is ValueType.COMPOSITE
    assert report.composite == CompositeReference(SR_STORAGE, "1.2.3.4.5")
    assert report.concept_name is not None
    assert report.concept_name.value == "18748-4"
    # the report without a stored instance: TID 9007's extension after row 14
    last = root.children[-1]
    assert shape(last) == (C, "CODE", "121144", "18748-4", ())
    assert last.row == "TID 9007 extension: previous report without a stored instance"


def test_malformed_sop_references_are_not_composites() -> None:
    title = ("18748-4", "LN", "Diagnostic imaging study")
    root = _general(
        fact(F.PREVIOUS_REPORT, *title, source="sop:1.2.3"),
        fact(F.PREVIOUS_REPORT, *title, source="sop:1.2.a/1.2"),
        fact(F.PREVIOUS_REPORT, *title, source=f"sop:{SR_STORAGE}/1." + "1" * 70),
    )
    assert PREVIOUS_REPORTS not in concepts(root)
    assert [item.concept_name.value for item in root.children] == ["121049"] + ["121144"] * 3  # type: ignore[union-attr]
