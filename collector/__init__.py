"""eus-collector: receives agent streams, stores time series, serves the dashboard."""

__version__ = "0.1.0"
