"""The collector's gRPC surface: thin servicers over the enrolment and ingest logic."""
