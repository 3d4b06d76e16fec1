"""Dashboard accounts: users, customers and sites, changed the same way by the web and the CLI.

``rules`` (what a user name, password, role or name may be, and when two names are the
same: pure), ``errors`` (the refusals both front ends show as they are), ``targets`` (how
the audit log names an account), ``users`` and ``customers`` (the changes, audited, in the
caller's transaction). The administration pages (``collector.web.admin``) and the admin
CLI (``collector.cli.users``, ``collector.cli.customers``) call these and nothing else to
change an account.
"""
