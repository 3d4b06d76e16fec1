"""Tests of the agent's host-metric collectors, their registry and the runner."""
