"""An import unit: what one bundle, or one patient of an NDJSON export, says about patient
records, before it meets the database (:mod:`rpiq.ingest.fhir_apply` writes it).

Parsing (:mod:`~rpiq.ingest.fhir_bundle`, :mod:`~rpiq.ingest.fhir_ndjson`) feeds a
:class:`UnitBuilder` with Patient resources (:class:`PatientDraft`), the facts of each clinical
resource under the patient it references (:class:`ResourceFacts`), and DELETE requests. The
builder folds Patient.link merges and yields a :class:`FhirUnit`: one :class:`PatientChange`
per patient record the unit touches.

A patient is named inside a unit by its *ref*: ``Patient/<id>``, or the entry's ``fullUrl``
when the Patient has no id (IPS documents). Its record's source is ``fhir:<ref>``. A resource
may reference a Patient that is not in the unit (``Patient/<id>`` of an update bundle or an
incremental export): the change then has no ``patient`` and applies to the stored record.

Patient.link: ``replaced-by`` on the old Patient (or ``replaces`` on the surviving one) folds
the old patient into the survivor: its resources and identifiers join the survivor's change,
and its stored record is merged into the survivor's and deleted. Chains (A replaced-by B
replaced-by C) fold into the last one; a cycle refuses the unit. ``refer`` and ``seealso``
links are counted as skipped.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from rpiq.domain import ClinicalFact, Patient, PatientIdentifier
from rpiq.ingest.fhir_values import FhirFormatError

MERGE_LINKS = frozenset({"replaced-by", "replaces"})


@dataclass(frozen=True)
class ResourceFacts:
    """The facts one clinical resource yields; none when it is skipped (entered-in-error, ...).

    ``key`` (``Condition/123``) is the resource's identity: its facts replace every fact an
    earlier version of it gave, so a resource updated to entered-in-error removes its fact.
    A resource without id has no key: its facts are added unless an identical fact (every
    field but ``source``) is already in the record."""

    key: str | None
    facts: tuple[ClinicalFact, ...]


@dataclass(frozen=True)
class PatientDraft:
    """A Patient resource of the unit: the record's demographics and identifiers (no facts).

    ``links``: (type, ref of the other Patient). ``by_identifiers``: the Patient has no id,
    so its stored record is found by its identifiers."""

    ref: str
    label: str
    patient: Patient
    links: tuple[tuple[str, str], ...] = ()
    by_identifiers: bool = False


@dataclass(frozen=True)
class PatientChange:
    """Everything a unit says about one patient record.

    ``patient`` is ``None`` when the unit holds no Patient resource for it (the record must
    be stored); ``mention`` then names the resource that needs it. ``absorbed`` are the refs
    of patients merged into this one (their stored records are merged in and deleted)."""

    ref: str
    label: str
    patient: Patient | None = None
    by_identifiers: bool = False
    resources: tuple[ResourceFacts, ...] = ()
    absorbed: tuple[str, ...] = ()
    absorbed_identifiers: tuple[PatientIdentifier, ...] = ()
    mention: str | None = None

    @property
    def source(self) -> str:
        """The source of the record this change targets, unless identifiers find another."""
        return source_of(self.ref)


@dataclass(frozen=True)
class FhirUnit:
    """One transaction: the patient changes, the patients and resources deleted (refs,
    ``Patient/<id>`` and ``Type/<id>``), and what was left out, by ``Type (reason)``.
    ``resources`` counts the resources read (for throughput figures); ``container`` says
    what the unit came from in messages (``bundle``, ``export``)."""

    location: str
    changes: tuple[PatientChange, ...] = ()
    deleted_patients: tuple[str, ...] = ()
    deleted_resources: tuple[str, ...] = ()
    skipped: tuple[tuple[str, int], ...] = ()
    resources: int = 0
    container: str = "bundle"


def source_of(ref: str) -> str:
    """The record source of a patient ref: ``fhir:Patient/<id>`` or ``fhir:<fullUrl>``."""
    return f"fhir:{ref}"


@dataclass
class UnitBuilder:
    """Collects one unit; :meth:`build` folds the links. Raises :class:`FhirFormatError`
    (the caller adds the location) for what makes the unit inconsistent."""

    location: str
    skipped: Counter[str] = field(default_factory=Counter)
    resources: int = 0
    container: str = "bundle"
    _patients: dict[str, PatientDraft] = field(default_factory=dict)
    _facts: dict[str, list[ResourceFacts]] = field(default_factory=dict)
    _mentions: dict[str, str] = field(default_factory=dict)
    _deleted_patients: list[str] = field(default_factory=list)
    _deleted_resources: list[str] = field(default_factory=list)

    def add_patient(self, draft: PatientDraft) -> None:
        if draft.ref in self._patients:
            raise FhirFormatError(f"{draft.ref} appears twice")
        self._patients[draft.ref] = draft

    def add_resource(self, owner: str, facts: ResourceFacts, mention: str) -> None:
        """The facts of one resource about the patient ``owner`` (a ref); ``mention`` says
        which resource referenced it how (for the message when that patient is unknown)."""
        self._facts.setdefault(owner, []).append(facts)
        self._mentions.setdefault(owner, mention)

    def delete(self, local: str) -> None:
        """A DELETE of ``Type/id``: a Patient record, or the facts of a resource."""
        target = self._deleted_patients if local.startswith("Patient/") else self._deleted_resources
        if local not in target:
            target.append(local)

    def build(self) -> FhirUnit:
        survivors = self._survivors()
        groups: dict[str, list[str]] = {}
        for ref in [*self._patients, *self._facts]:
            members = groups.setdefault(survivors.get(ref, ref), [])
            if ref not in members:
                members.append(ref)
        changes = tuple(self._change(final, members) for final, members in groups.items())
        both = sorted(
            {source_of(ref) for ref in groups} & set(map(source_of, self._deleted_patients))
        )
        if both:
            raise FhirFormatError(f"{both[0].removeprefix('fhir:')} is both deleted and written")
        return FhirUnit(
            location=self.location,
            changes=changes,
            deleted_patients=tuple(self._deleted_patients),
            deleted_resources=tuple(self._deleted_resources),
            skipped=tuple(sorted(self.skipped.items())),
            resources=self.resources,
            container=self.container,
        )

    def _change(self, final: str, members: list[str]) -> PatientChange:
        draft = self._patients.get(final)
        absorbed = tuple(ref for ref in members if ref != final)
        return PatientChange(
            ref=final,
            label=draft.label if draft is not None else final,
            patient=draft.patient if draft is not None else None,
            by_identifiers=draft.by_identifiers if draft is not None else False,
            resources=tuple(facts for ref in members for facts in self._facts.get(ref, [])),
            absorbed=absorbed,
            absorbed_identifiers=tuple(
                identifier
                for ref in absorbed
                if ref in self._patients
                for identifier in self._patients[ref].patient.identifiers
            ),
            mention=None if draft is not None else self._mentions.get(final),
        )

    def _survivors(self) -> dict[str, str]:
        """Each merged patient ref -> the ref of the patient that finally survives it."""
        direct: dict[str, str] = {}
        for draft in self._patients.values():
            for kind, other in draft.links:
                if kind not in MERGE_LINKS:
                    self.skipped[f"Patient.link ({kind})"] += 1
                    continue
                old, new = (draft.ref, other) if kind == "replaced-by" else (other, draft.ref)
                if direct.setdefault(old, new) != new:
                    raise FhirFormatError(f"{old} is replaced by both {direct[old]} and {new}")
                self._mentions.setdefault(new, f"{draft.label}: link {kind} {other!r}")
        return {ref: _follow(ref, direct) for ref in direct}


def _follow(ref: str, direct: dict[str, str]) -> str:
    seen = [ref]
    while ref in direct:
        ref = direct[ref]
        if ref in seen:
            raise FhirFormatError(f"Patient.link cycle: {' -> '.join([*seen, ref])}")
        seen.append(ref)
    return ref
