"""Helpers for the hand-maintained migrations: the index and drop blocks every table repeats.

Each helper emits exactly the operations Alembic's autogenerate would have written, so a
database migrated before these helpers existed and one migrated after have the same schema
(``tests/collector/test_store_migrations.py`` compares the result with the models).
"""

from __future__ import annotations

from alembic import op


def create_indexes(table: str, *columns: str) -> None:
    """One non-unique single-column index per column, named ``ix_<table>_<column>`` as the
    models' ``index=True`` names them."""
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def drop_tables(*tables: str) -> None:
    """Drop ``tables`` in the order given (dependants first); their indexes go with them."""
    for table in tables:
        op.drop_table(table)
