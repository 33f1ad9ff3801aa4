"""Alembic revision scripts for logistics.tracking."""
