"""Alembic migrations of the API tables (run by `logistics.api.db.migrate_api`)."""
