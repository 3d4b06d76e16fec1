"""The Installation Trouble-Shooter's logic: what went wrong installing an agent and the fix.

- :mod:`collector.troubleshooting.findings` — pure: a finding with its fix for a refused
  enrollment, a failed ``eus-agent doctor`` check, a version mismatch, a connection state;
- :mod:`collector.troubleshooting.models` — the doctor reports technicians paste in.
"""
