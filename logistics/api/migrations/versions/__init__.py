"""Alembic revisions of the API tables."""
