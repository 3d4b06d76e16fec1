"""How the audit log names an account: the one format for the web and the CLI.

A user is named by user name, as the same user appears as the actor (``user:alice``) and
in login rows; user names never change. Customers and sites are named by number, because
they can be renamed: a rename does not split their history. The name at the time goes in
the row's detail.
"""

from __future__ import annotations


def user(username: str) -> str:
    return f"user:{username}"


def customer(customer_id: int) -> str:
    return f"customer:{customer_id}"


def site(site_id: int) -> str:
    return f"site:{site_id}"
