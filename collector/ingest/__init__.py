"""Ingest: from decoded agent batches to durable, deduplicated rows in DuckDB."""
