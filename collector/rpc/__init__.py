"""The collector's gRPC surface: thin servicers over the enrollment and ingest logic."""
