"""The only package that speaks SQL: SQLite in WAL mode, migrations, FTS5 search."""

from tui.store.connection import StoreError
from tui.store.db import SaveResult, Store
from tui.store.live import UpdatesSaved
from tui.store.schema import DB_NAME, SCHEMA_VERSION

__all__ = ["DB_NAME", "SCHEMA_VERSION", "SaveResult", "Store", "StoreError", "UpdatesSaved"]
