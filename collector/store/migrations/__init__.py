"""Alembic migrations of the relational store."""
