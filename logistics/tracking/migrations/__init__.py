"""Alembic migrations of the tracking tables, run programmatically (no alembic.ini)."""
