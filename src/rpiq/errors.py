"""rpiq's one error tree. Each layer raises these; the service maps them to DIMSE statuses in
one table (``rpiq.service.status``), the CLI maps them to exit codes.

::

    RpiqError
    ├── ConfigError             settings that cannot be used (bad URL, bad option value)
    ├── StoreError              the database failed or is unreachable          → C000
    │   └── MigrationError      the schema could not be brought up to date
    ├── ImportRefused           a source file/bundle/resource was refused (names file and resource)
    ├── QueryError              a request the service answers with a failure status
    │   ├── InvalidIdentifier   the request identifier violates Annex Q         → A900
    │   ├── TemplateNotSupported requested root template not offered here       → C200
    │   ├── MoreThanOneMatch    Patient ID [+ Issuer] matches several patients   → C100
    │   └── OutOfResources      too many lookups in flight                      → A700
    └── AssociationFailed       the client could not establish an association (exit status 3)
"""

from __future__ import annotations


class RpiqError(Exception):
    """Base class of every error rpiq raises on purpose."""


class ConfigError(RpiqError):
    """Settings that cannot be used."""


class StoreError(RpiqError):
    """The database failed or is unreachable."""


class MigrationError(StoreError):
    """The schema could not be created or upgraded."""


class ImportRefused(RpiqError):
    """A source was refused whole; the message names the file and the resource."""

    def __init__(self, location: str, reason: str) -> None:
        super().__init__(f"{location}: {reason}")
        self.location = location
        self.reason = reason


class QueryError(RpiqError):
    """A request the query service answers with a failure status."""

    def __init__(self, comment: str, offending: tuple[int, ...] = ()) -> None:
        super().__init__(comment)
        self.comment = comment
        self.offending = offending


class InvalidIdentifier(QueryError):
    """The request identifier violates PS3.4 Annex Q (A900)."""


class TemplateNotSupported(QueryError):
    """The requested root template is not offered for this SOP class (C200)."""


class MoreThanOneMatch(QueryError):
    """More than one patient matches (C100)."""


class OutOfResources(QueryError):
    """Too many concurrent lookups (A700)."""


class AssociationFailed(RpiqError):
    """The client could not establish an association with the peer."""
