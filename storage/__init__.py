"""Storage: the database (SQLite, or PostgreSQL with DATABASE_URL), its schema, and one
repository per table group.

Every SQL statement of the product lives in this package.
"""

from __future__ import annotations

from storage.db import Database
from storage.errors import SchemaTooNewError, StorageError

__all__ = ["Database", "SchemaTooNewError", "StorageError"]
