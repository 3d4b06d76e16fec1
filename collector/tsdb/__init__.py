"""Time series in DuckDB: one series table and one long, narrow samples table."""
