"""Helpers of ``bench/agent_footprint.py``: a byte-counting TCP proxy, /proc readers, the stack."""
