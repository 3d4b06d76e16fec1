"""Signing in to the dashboard: server-side sessions, login throttling, the second factor.

Decisions (throttle lockouts, session validity, the client address behind proxies) are
pure functions; the modules that touch the store or memory wrap them thinly.
"""
