"""RPI content trees in DICOM SR documents (or saved C-FIND response identifiers) -> facts.

A data set is read when its root's Content Template Sequence names TID 9007, 9000 or 3802, or,
without one, its root concept name is the root concept of one of them (:func:`rpi_template`).
Its content tree (:func:`~rpiq.encode.content_tree.decode_tree`) is read back row by row into
the facts the FHIR importer would store for the same information (``docs/dicom-mapping.md``):

- TID 9002 row 2 (Medication Type / Used Substance Type / Environmental Factor): a medication,
  substance use or exposure with rows 7/8 (dates), 10 (Ongoing -> status), 12 (quantity) and
  13/14 (coded value); TID 3802 row 28 the same with row 30 (Use Status -> status);
- TID 9003 row 2 and TID 3830 row 1: a procedure with its date, side and comment;
- TID 9004 row 2: a problem with onset, side, site, comment, status and resolution; TID 3829
  (Concern): a problem with the concern's dates, status, severity and comment;
- TID 9005 row 2: a risk factor, or with "Family history of" one family-history fact per
  relative (row 9) with age at occurrence and side of family; TID 3802 row 33 with row 34 the
  same; TID 3802 row 15 the tobacco smoking status; row 16 a drug misuse problem;
- TID 3114 / TID 300 measurements (vital signs) and TID 3802 rows 23/24 (HDL, LDL);
- TID 9001 / TID 9006 numeric, date and coded rows (gynecological / obstetric facts);
- TID 3831 devices; the TID 9007 "Document Title" extension (a previous report).

Each fact's ``source`` is ``<key>/<item path>``: the key is ``sr:<SOP Instance UID>`` (or
``rpi:<TID>`` for an identifier without one) and the path the item's dotted position (``1.3.2``).
Items that carry no fact of their own are counted by reason (:attr:`SrContent.unmapped`): free
text rows, items derived from other rows (drug classes, therapies, procedure modifiers), and
inside TID 9007 the sections of TID 3802 and TID 4301 that repeat TID 9007's own rows. TID 1204
(the language of the content) is no patient information and is not counted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from pydicom.dataset import Dataset

from rpiq.domain import ClinicalFact, Code, DomainError, FactKind, FactStatus, Quantity
from rpiq.encode.content_tree import decode_tree
from rpiq.ingest.fhir_codes import GYNECOLOGICAL_CODES, OBSTETRIC_CODES
from rpiq.templates import _codes as dcm
from rpiq.templates import _source_codes as src
from rpiq.templates._breast_maps import SIDE_BY_LATERALITY
from rpiq.templates._cardiac_maps import STAGE_BY_CONDITION
from rpiq.templates.content import ContentItem, ValueType
from rpiq.templates.tid3114 import VITAL_SIGN_ROWS

ROOT_CONCEPTS: dict[Code, str] = {
    dcm.RELEVANT_PATIENT_INFORMATION: "9007",
    dcm.RELEVANT_PATIENT_INFORMATION_FOR_BREAST_IMAGING: "9000",
    dcm.HISTORY: "3802",
}
ROOT_TEMPLATE_IDS = frozenset(ROOT_CONCEPTS.values())
_MAX_OCCURRENCES = 1000
"""TID 9003 row 9 beyond this is not believed (one fact per earlier occurrence)."""

PROBLEM_STATUS: dict[Code, FactStatus] = {
    dcm.ACTIVE_PROBLEM: FactStatus.ACTIVE,
    dcm.INACTIVE_PROBLEM: FactStatus.INACTIVE,
    dcm.PROBLEM_RESOLVED: FactStatus.RESOLVED,
}
"""CID 3770 Problem Status -> fact status (TID 9004 extension, TID 3829 row 8)."""
USE_STATUS: dict[Code, FactStatus] = {
    dcm.IN_PROGRESS: FactStatus.ACTIVE,
    dcm.SUSPENDED: FactStatus.ON_HOLD,
    dcm.ENDED: FactStatus.COMPLETED,
}
"""CID 3773 Use Status -> fact status (TID 3802 row 30, TID 3831 row 4)."""
ONGOING_STATUS: dict[Code, FactStatus] = {dcm.YES: FactStatus.ACTIVE, dcm.NO: FactStatus.COMPLETED}
"""TID 9002 row 10 Ongoing -> fact status."""

USAGE_KINDS: dict[Code, FactKind] = {
    dcm.MEDICATION_TYPE: FactKind.MEDICATION,
    dcm.USED_SUBSTANCE_TYPE: FactKind.SUBSTANCE_USE,
    dcm.ENVIRONMENTAL_FACTOR: FactKind.ENVIRONMENTAL_EXPOSURE,
}
USAGE_QUANTITIES = frozenset({dcm.DOSAGE, dcm.VOLUME_OF_USE, dcm.RATE_OF_EXPOSURE})
USAGE_VALUES = frozenset(
    {
        dcm.RELATIVE_DOSE_AMOUNT,
        dcm.RELATIVE_AMOUNT_OF_USE,
        dcm.RELATIVE_AMOUNT_OF_EXPOSURE,
        dcm.RELATIVE_DOSE_FREQUENCY,
        dcm.RELATIVE_FREQUENCY_OF_USE,
        dcm.RELATIVE_FREQUENCY_OF_EXPOSURE,
    }
)
PROCEDURE_SECTIONS = frozenset({dcm.PAST_SURGICAL_HISTORY})
DIAGNOSTIC_SECTIONS = frozenset({dcm.RELEVANT_DIAGNOSTIC_TESTS_AND_OR_LABORATORY_DATA})
VITAL_SIGN_SOURCES: dict[Code, Code] = {
    spec.measurement: spec.measurement
    if spec.measurement in spec.sources
    else min(spec.sources, key=lambda code: code.value)
    for spec in VITAL_SIGN_ROWS
}
"""TID 3114 row concept -> the LOINC code the FHIR importer stores for it."""
REPEATED_IN_9007 = frozenset({dcm.GENITOURINARY_HISTORY})
"""Sections of TID 9007 whose content repeats TID 9007's own rows (TID 4301)."""
REPEATED_IN_NESTED_3802 = frozenset(
    {
        dcm.PROBLEM_LIST,
        dcm.HISTORY_OF_MEDICATION_USE_3802,
        dcm.HISTORY_OF_FAMILY_MEMBER_DISEASES,
    }
)
"""Sections of TID 3802 that, inside TID 9007, repeat TID 9007 rows 4, 8 and 9 (its
procedures are read: each occurrence has its date there, TID 9003 gives only the latest)."""
DERIVED_CONCEPTS: dict[Code, str] = {
    dcm.CLASSIFICATION: "drug class",
    dcm.BRAND_NAME: "brand name",
    dcm.PROCEDURE_MODIFIER: "procedure modifier",
    dcm.THERAPY: "therapy",
    dcm.EXTENT: "extent",
}
"""Properties that other rows derive (counted, not read as facts)."""
LATERALITY_BY_BREAST_SIDE: dict[Code, Code] = {
    side: laterality for laterality, side in SIDE_BY_LATERALITY.items()
}
"""TID 9000's DCID 6022 sides -> the CID 244 laterality the FHIR importer stores."""
CONDITION_BY_STAGE: dict[Code, Code] = {stage: code for code, stage in STAGE_BY_CONDITION.items()}
"""CID 3778 Stage (TID 3829 row 10 under kidney disease) -> the staged condition."""


@dataclass(frozen=True)
class SrContent:
    """What one RPI content tree gave: its root template, the facts, and by reason how many
    items gave no fact."""

    template_id: str
    facts: tuple[ClinicalFact, ...]
    unmapped: tuple[tuple[str, int], ...] = ()


def rpi_template(dataset: Dataset) -> str | None:
    """The RPI root template (``9007``, ``9000``, ``3802``) a data set's content follows."""
    for item in dataset.get("ContentTemplateSequence") or ():
        found = str(item.get("TemplateIdentifier", "")).strip()
        if found in ROOT_TEMPLATE_IDS:
            return found
    names = dataset.get("ConceptNameCodeSequence") or ()
    if not names or "ContentSequence" not in dataset:
        return None
    name = names[0]
    value = str(name.get("CodeValue", "")).strip()
    scheme = str(name.get("CodingSchemeDesignator", "")).strip()
    if not value or not scheme:
        return None
    return ROOT_CONCEPTS.get(Code(value, scheme, "?"))


def document_key(dataset: Dataset, template_id: str) -> str:
    """``sr:<SOP Instance UID>``, or ``rpi:<TID>`` for a response identifier without one."""
    uid = str(dataset.get("SOPInstanceUID", "")).strip()
    return f"sr:{uid}" if uid else f"rpi:{template_id}"


def read_sr(dataset: Dataset, template_id: str, key: str) -> SrContent:
    """The facts of an RPI content tree (module docstring)."""
    root = decode_tree(dataset).root
    reader = _Reader(key, nested_3802=template_id == "9007")
    reader.children(root, "1", context=root.concept_name)
    reader.order_occurrences()
    return SrContent(template_id, tuple(reader.facts), tuple(sorted(reader.unmapped.items())))


@dataclass
class _Reader:
    key: str
    nested_3802: bool
    facts: list[ClinicalFact] = field(default_factory=list)
    unmapped: Counter[str] = field(default_factory=Counter)
    _seen: set[ClinicalFact] = field(default_factory=set)
    listed: list[ClinicalFact] = field(default_factory=list)
    """Procedures as TID 3802 lists them: every occurrence, in the source's order."""

    def children(self, item: ContentItem, path: str, context: Code | None) -> None:
        for index, child in enumerate(item.children, start=1):
            self.item(child, f"{path}.{index}", context)

    def item(self, item: ContentItem, path: str, context: Code | None) -> None:
        concept = item.concept_name
        if item.value_type is ValueType.CONTAINER:
            self.container(item, path)
            return
        if concept == dcm.LANGUAGE_OF_CONTENT_ITEM_AND_DESCENDANTS:
            return
        try:
            made = self.fact(item, context)
        except DomainError as exc:
            self.count(f"invalid: {exc}", item)
            return
        if made is None:
            return
        self.add_all(made, path)

    def container(self, item: ContentItem, path: str) -> None:
        concept = item.concept_name
        if concept == dcm.CONCERN:
            self.add_all(_concern(item, self), path)
            return
        if concept in REPEATED_IN_9007 and self.nested_3802:
            self.count("repeated in TID 9007", item, descendants=True)
            return
        if concept in REPEATED_IN_NESTED_3802 and self.nested_3802 and item.template_id is None:
            self.count("repeated in TID 9007", item, descendants=True)
            return
        self.children(item, path, concept)

    def fact(self, item: ContentItem, context: Code | None) -> list[ClinicalFact] | None:
        """The facts of a non-container item, or ``None`` after counting it."""
        handler = _HANDLERS.get((item.value_type, item.concept_name))
        if handler is None:
            handler = _contextual(item, context)
        if handler is None:
            self.count(f"{item.value_type.value} item not mapped", item, descendants=True)
            return None
        return handler(item, context, self)

    def add_all(self, facts: list[ClinicalFact], path: str) -> None:
        """Facts of one item (a second and later one get ``#n`` after the item's path); a
        fact an earlier item already gave is counted, not repeated."""
        for index, fact in enumerate(facts, start=1):
            source = f"{self.key}/{path}" + (f"#{index}" if index > 1 else "")
            if fact in self._seen:
                self.unmapped["repeated in the document"] += 1
            elif not self._date_occurrence(fact, source):
                self.facts.append(replace(fact, source=source))
        self._seen.update(facts)

    def order_occurrences(self) -> None:
        """Put the occurrences of each procedure in the order TID 3802 lists them (TID 9003
        gives the latest first), when that listing has exactly their dates."""
        for identity in {replace(fact, started=None) for fact in self.listed}:
            dates = [f.started for f in self.listed if replace(f, started=None) == identity]
            places = [
                index
                for index, fact in enumerate(self.facts)
                if replace(fact, started=None, source=None) == identity
            ]
            found = [self.facts[index] for index in places]
            if len(places) < 2 or sorted(map(str, dates)) != sorted(
                str(fact.started) for fact in found
            ):
                continue
            for index, started in zip(places, dates, strict=True):
                self.facts[index] = next(f for f in found if f.started == started)
                found.remove(self.facts[index])

    def _date_occurrence(self, fact: ClinicalFact, source: str) -> bool:
        """Whether ``fact`` dates an undated earlier occurrence (TID 9003 row 9) of the same
        procedure, which it then replaces."""
        if fact.kind is not FactKind.PROCEDURE or fact.started is None:
            return False
        undated = replace(fact, started=None)
        for index, known in enumerate(self.facts):
            if known.started is None and replace(known, source=None) == undated:
                self.facts[index] = replace(fact, source=source)
                return True
        return False

    def count(self, reason: str, item: ContentItem, *, descendants: bool = False) -> None:
        self.unmapped[reason] += 1 + (len(item.walk()) if descendants else 0)


Handler = Callable[[ContentItem, "Code | None", _Reader], "list[ClinicalFact] | None"]


def _props(item: ContentItem, reader: _Reader) -> dict[Code, ContentItem]:
    """The item's children by concept name (the first of each); derived ones are counted."""
    found: dict[Code, ContentItem] = {}
    for child in item.children:
        concept = child.concept_name
        if concept is None:
            continue
        if concept in DERIVED_CONCEPTS:
            reader.count(f"derived ({DERIVED_CONCEPTS[concept]})", child, descendants=True)
            continue
        found.setdefault(concept, child)
    return found


def _code(props: dict[Code, ContentItem], concept: Code) -> Code | None:
    item = props.get(concept)
    return item.code_value if item is not None else None


def _when(props: dict[Code, ContentItem], concept: Code) -> str | None:
    item = props.get(concept)
    if item is None:
        return None
    return item.datetime or item.date


def _side(props: dict[Code, ContentItem]) -> Code | None:
    side = _code(props, dcm.LATERALITY)
    return LATERALITY_BY_BREAST_SIDE.get(side, side) if side is not None else None


def _text(props: dict[Code, ContentItem], concept: Code) -> str | None:
    item = props.get(concept)
    return item.text if item is not None else None


def _quantity(item: ContentItem | None) -> Quantity | None:
    if item is None or item.numeric is None:
        return None
    try:
        return Quantity(float(item.numeric.value), item.numeric.units)
    except ValueError:
        return None


def _value(item: ContentItem) -> Code:
    if item.code_value is None:
        raise DomainError("CODE item without a value")
    return item.code_value


def _usage(item: ContentItem, context: Code | None, reader: _Reader) -> list[ClinicalFact]:
    """TID 9002 row 2, TID 3802 row 28."""
    props = _props(item, reader)
    status = _code(props, dcm.ONGOING)
    use = _code(props, dcm.STATUS)
    quantity = next((_quantity(props[c]) for c in USAGE_QUANTITIES if c in props), None)
    value = next((props[c].code_value for c in USAGE_VALUES if c in props), None)
    return [
        ClinicalFact(
            USAGE_KINDS[item.concept_name or dcm.MEDICATION_TYPE],
            _value(item),
            status=(ONGOING_STATUS.get(status) if status else None)
            or (USE_STATUS.get(use) if use else None)
            or FactStatus.UNKNOWN,
            started=_when(props, dcm.DATETIME_STARTED),
            ended=_when(props, dcm.DATETIME_ENDED),
            quantity=quantity,
            value_code=value,
        )
    ]


def _procedure(item: ContentItem, context: Code | None, reader: _Reader) -> list[ClinicalFact]:
    """TID 9003 row 2, TID 3830 row 1."""
    props = _props(item, reader)
    latest = ClinicalFact(
        FactKind.PROCEDURE,
        _value(item),
        started=_when(props, dcm.PROCEDURE_DATETIME),
        laterality=_side(props),
        text=_text(props, dcm.COMMENT),
    )
    if context in PROCEDURE_SECTIONS or context in DIAGNOSTIC_SECTIONS:
        reader.listed.append(latest)
    occurrences = _quantity(props.get(dcm.NUMBER_OF_OCCURRENCES))
    earlier = int(occurrences.value) - 1 if occurrences is not None else 0
    return [latest] + [replace(latest, started=None)] * max(0, min(earlier, _MAX_OCCURRENCES))


def _problem(item: ContentItem, context: Code | None, reader: _Reader) -> list[ClinicalFact]:
    """TID 9004 row 2 with its extension rows."""
    props = _props(item, reader)
    status = _code(props, dcm.STATUS)
    return [
        ClinicalFact(
            FactKind.PROBLEM,
            _value(item),
            status=PROBLEM_STATUS.get(status, FactStatus.UNKNOWN) if status else FactStatus.UNKNOWN,
            started=_when(props, dcm.DATETIME_PROBLEM_OBSERVED),
            ended=_when(props, dcm.DATETIME_PROBLEM_RESOLVED),
            laterality=_side(props),
            body_site=_code(props, dcm.FINDING_SITE),
            text=_text(props, dcm.COMMENT),
        )
    ]


def _concern(item: ContentItem, reader: _Reader) -> list[ClinicalFact]:
    """TID 3829: row 4 Problem with rows 6-9, row 2 noted, row 14 comment."""
    outer = _props(item, reader)
    problem = outer.get(dcm.PROBLEM)
    if problem is None or problem.code_value is None:
        reader.count("Concern without a coded problem", item, descendants=True)
        return []
    props = _props(problem, reader)
    status = _code(props, dcm.STATUS)
    found = [
        ClinicalFact(
            FactKind.PROBLEM,
            problem.code_value,
            status=PROBLEM_STATUS.get(status, FactStatus.UNKNOWN) if status else FactStatus.UNKNOWN,
            started=_when(props, dcm.DATETIME_STARTED),
            ended=_when(props, dcm.DATETIME_PROBLEM_RESOLVED),
            recorded=_when(outer, dcm.DATETIME_CONCERN_NOTED),
            severity=_code(props, dcm.SEVERITY),
            text=_text(outer, dcm.COMMENT),
        )
    ]
    return found + _concern_modifiers(props)


def _concern_modifiers(props: dict[Code, ContentItem]) -> list[ClinicalFact]:
    """TID 3829 rows 5 and 10: the MI type (a condition itself) and the kidney disease stage
    (the staged condition) are problems of their own in the source."""
    found: list[ClinicalFact] = []
    mi_type = _code(props, dcm.TYPE_OF_MYOCARDIAL_INFARCTION)
    if mi_type is not None:
        found.append(ClinicalFact(FactKind.PROBLEM, mi_type))
    stage = _code(props, dcm.STAGE)
    if stage is not None and stage in CONDITION_BY_STAGE:
        found.append(ClinicalFact(FactKind.PROBLEM, CONDITION_BY_STAGE[stage]))
    return found


def _risk_factor(item: ContentItem, context: Code | None, reader: _Reader) -> list[ClinicalFact]:
    """TID 9005 row 2; with "Family history of", one fact per row 9 relative."""
    value = _value(item)
    comment = _text(_props(item, reader), dcm.COMMENT)
    modifier = next(
        (c.code_value for c in item.children if c.concept_name == dcm.RISK_FACTOR_MODIFIER), None
    )
    members = [c for c in item.children if c.concept_name == dcm.FAMILY_MEMBER_WITH_RISK_FACTOR]
    kind = FactKind.FAMILY_HISTORY if modifier == dcm.FAMILY_HISTORY_OF else FactKind.RISK_FACTOR
    if not members and kind is FactKind.RISK_FACTOR:
        return [ClinicalFact(kind, value, text=comment)]
    if not members:
        reader.count("family history without a relative", item)
        return []
    return [_relative_fact(kind, value, member, comment, reader) for member in members]


def _relative_fact(
    kind: FactKind, value: Code, member: ContentItem, comment: str | None, reader: _Reader
) -> ClinicalFact:
    """One relative (TID 9005 row 9) of a risk factor, with rows 10 and 12."""
    relative = _value(member)
    props = _props(member, reader)
    prefix = f"{relative.meaning}: "
    text = comment.removeprefix(prefix) if comment and comment.startswith(prefix) else comment
    return ClinicalFact(
        kind,
        value,
        relative=relative,
        quantity=_quantity(props.get(dcm.AGE_AT_OCCURRENCE)),
        category=_code(props, dcm.SIDE_OF_FAMILY),
        text=text,
    )


def _family_finding(
    item: ContentItem, context: Code | None, reader: _Reader
) -> list[ClinicalFact] | None:
    """TID 3802 row 33 with row 34 (the relative)."""
    relative = _code(_props(item, reader), dcm.SUBJECT_RELATIONSHIP)
    if relative is None:
        reader.count("family history without a relative", item)
        return None
    return [ClinicalFact(FactKind.FAMILY_HISTORY, _value(item), relative=relative)]


def _smoking(item: ContentItem, context: Code | None, reader: _Reader) -> list[ClinicalFact]:
    """TID 3802 row 15: the smoking status answer."""
    return [
        ClinicalFact(
            FactKind.SOCIAL_HISTORY, src.LN_TOBACCO_SMOKING_STATUS, value_code=_value(item)
        )
    ]


def _misuse(item: ContentItem, context: Code | None, reader: _Reader) -> list[ClinicalFact]:
    """TID 3802 row 16: a drug misuse problem."""
    return [ClinicalFact(FactKind.PROBLEM, _value(item))]


def _device(item: ContentItem, context: Code | None, reader: _Reader) -> list[ClinicalFact]:
    """TID 3831 row 1."""
    props = _props(item, reader)
    use = _code(props, dcm.STATUS)
    return [
        ClinicalFact(
            FactKind.DEVICE,
            _value(item),
            status=USE_STATUS.get(use, FactStatus.UNKNOWN) if use else FactStatus.UNKNOWN,
            started=_when(props, dcm.DATETIME_STARTED),
            ended=_when(props, dcm.DATETIME_ENDED),
            text=_text(props, dcm.COMMENT),
        )
    ]


def _report_title(item: ContentItem, context: Code | None, reader: _Reader) -> list[ClinicalFact]:
    """The TID 9007 extension: a previous report known by its title."""
    return [ClinicalFact(FactKind.PREVIOUS_REPORT, _value(item))]


def _assessment(item: ContentItem, context: Code | None, reader: _Reader) -> list[ClinicalFact]:
    """TID 3114: its measurements (rows 2-9 and added ones) are its NUM children."""
    found: list[ClinicalFact] = []
    for child in item.children:
        fact = _measurement(child, FactKind.VITAL_SIGN) if child.concept_name else None
        if fact is None:
            reader.count(f"{child.value_type.value} item not mapped", child, descendants=True)
        else:
            found.append(fact)
    return found


def _measurement(item: ContentItem, kind: FactKind) -> ClinicalFact | None:
    quantity = _quantity(item)
    if quantity is None or item.concept_name is None:
        return None
    code = VITAL_SIGN_SOURCES.get(item.concept_name, item.concept_name)
    return ClinicalFact(kind, code, quantity=quantity, started=item.observation_datetime)


def _history_kind(code: Code, context: Code | None) -> FactKind:
    if code.value in OBSTETRIC_CODES:
        return FactKind.OBSTETRIC
    if code.value in GYNECOLOGICAL_CODES or context == dcm.GYNECOLOGICAL_HISTORY:
        return FactKind.GYNECOLOGICAL
    return FactKind.OBSTETRIC


def _history_row(item: ContentItem, context: Code | None, reader: _Reader) -> list[ClinicalFact]:
    """TID 9001 / 9006 rows: a count, age, date or coded answer."""
    code = item.concept_name
    if code is None:
        raise DomainError("item without a concept name")
    props = _props(item, reader)
    kind = _history_kind(code, context)
    fact = ClinicalFact(
        kind,
        code,
        quantity=_quantity(item),
        value_code=item.code_value,
        started=item.date or item.datetime or item.observation_datetime,
    )
    found = [fact]
    for child in props.values():  # TID 9001 row 20 under row 19
        found.extend(_history_row(child, context, reader))
    return found


def _contextual(item: ContentItem, context: Code | None) -> Handler | None:
    """Handlers chosen by the enclosing section rather than the item's concept name."""
    if context in PROCEDURE_SECTIONS and item.value_type is ValueType.CODE:
        return _procedure
    if context in DIAGNOSTIC_SECTIONS:
        if item.value_type is ValueType.CODE:
            return _procedure
        if item.value_type is ValueType.NUM:
            return _lab
    if context in (dcm.GYNECOLOGICAL_HISTORY, dcm.OBSTETRIC_HISTORY) and item.value_type in (
        ValueType.NUM,
        ValueType.DATE,
        ValueType.CODE,
    ):
        return _history_row
    return None


def _lab(item: ContentItem, context: Code | None, reader: _Reader) -> list[ClinicalFact] | None:
    """TID 3802 rows 23/24: HDL and LDL cholesterol."""
    fact = _measurement(item, FactKind.MEASUREMENT)
    return [fact] if fact is not None else None


_HANDLERS: dict[tuple[ValueType, Code | None], Handler] = {
    **{(ValueType.CODE, concept): _usage for concept in USAGE_KINDS},
    (ValueType.CODE, dcm.PREVIOUS_PROCEDURE): _procedure,
    (ValueType.CODE, dcm.INDICATED_PROBLEM): _problem,
    (ValueType.CODE, dcm.RISK_FACTOR): _risk_factor,
    (ValueType.CODE, dcm.FAMILY_HISTORY_OF_CLINICAL_FINDING): _family_finding,
    (ValueType.CODE, dcm.TOBACCO_SMOKING_BEHAVIOR): _smoking,
    (ValueType.CODE, dcm.DRUG_MISUSE_BEHAVIOR): _misuse,
    (ValueType.CODE, dcm.MEDICAL_DEVICE_USED): _device,
    (ValueType.CODE, dcm.DOCUMENT_TITLE): _report_title,
    (ValueType.CODE, dcm.PATIENT_STATUS_OR_EVENT): _assessment,
}
