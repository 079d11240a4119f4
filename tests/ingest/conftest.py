"""Ingest fixtures: more fresh databases on the backend of ``database_url``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from rpiq.store import SqlPatientRepository, open_repository

MoreRepositories = Callable[[], SqlPatientRepository]


@pytest.fixture
def more_repositories(
    database_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[MoreRepositories]:
    """Opens further empty databases on the same backend as ``database_url`` (SQLite files,
    or new databases on the PostgreSQL test cluster); all are closed and dropped after."""
    opened: list[SqlPatientRepository] = []
    dropped: list[str] = []

    def another() -> SqlPatientRepository:
        if database_url.startswith("sqlite"):
            url = f"sqlite:///{tmp_path / f'more-{len(opened)}.db'}"
        else:
            server = request.getfixturevalue("postgres_server")
            name = server.create_database()
            dropped.append(name)
            url = server.url(name)
        opened.append(open_repository(url))
        return opened[-1]

    yield another
    for repository in opened:
        repository.close()
    if dropped:
        server = request.getfixturevalue("postgres_server")
        for name in dropped:
            server.drop_database(name)
