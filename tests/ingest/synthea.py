"""Reading the Synthea test data in place: bundles and their IPS markdown summaries."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from rpiq.store import SqlPatientRepository
from rpiq.store.schema import clinical_fact, patient, patient_identifier

NO_INFORMATION = "No information about"


@dataclass(frozen=True)
class IpsSummary:
    """The expected answer of one ``<id>-ips.md``: sex and active items."""

    gender: str
    allergies: frozenset[str]
    medications: frozenset[str]
    problems: frozenset[tuple[str, str]]
    """(problem, onset as YYYYMMDD)."""


def markdown_tables(text: str) -> dict[str, list[dict[str, str]]]:
    """Each ``## Section``'s table as a list of rows keyed by the header cells."""
    tables: dict[str, list[dict[str, str]]] = {}
    section: str | None = None
    header: list[str] | None = None
    for line in text.splitlines():
        if line.startswith("## "):
            section, header = line[3:].strip(), None
            tables[section] = []
            continue
        if section is None or not line.startswith("|"):
            continue
        cells = [cell.strip() for cell in line.strip()[1:-1].split("|")]
        if header is None:
            header = cells
        elif not all(set(cell) <= {"-"} for cell in cells):
            tables[section].append(dict(zip(header, cells, strict=True)))
    return tables


def ips_summary(path: Path) -> IpsSummary:
    tables = markdown_tables(path.read_text(encoding="utf-8"))

    def items(section: str, column: str) -> list[dict[str, str]]:
        return [row for row in tables[section] if not row[column].startswith(NO_INFORMATION)]

    return IpsSummary(
        gender=tables["Patient"][0]["Gender"],
        allergies=frozenset(
            row["Allergen"] for row in items("Allergies and Intolerances", "Allergen")
        ),
        medications=frozenset(row["Medication"] for row in items("Medication List", "Medication")),
        problems=frozenset(
            (row["Problem"], row["Onset"].replace("-", ""))
            for row in items("Problem List", "Problem")
        ),
    )


def bundle_files(synthea_dir: Path) -> list[Path]:
    """The transaction bundles (the ``-ips.json`` documents are not imported)."""
    files = sorted(synthea_dir.glob("*-bundle.json"))
    assert len(files) == 10
    return files


def row_counts(repository: SqlPatientRepository) -> dict[str, int]:
    with repository.engine.connect() as connection:
        return {
            table.name: connection.execute(
                sa.select(sa.func.count()).select_from(table)
            ).scalar_one()
            for table in (patient, patient_identifier, clinical_fact)
        }
