"""Relational state (customers, devices, users, tokens, audit) behind SQLAlchemy 2."""
