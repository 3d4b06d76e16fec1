"""Helpers shared by the tests: real processes, real certificates, real ports."""
