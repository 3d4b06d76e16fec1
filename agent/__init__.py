"""eus-agent: collects host metrics and function health, spools to disk, streams to the collector."""

__version__ = "0.1.0"
