"""Customers and their sites: create, rename, find by name or number.

Names are unique ignoring case and spacing (customers among all customers, sites within
their customer), as :mod:`collector.accounts.rules` decides. Every change is audited
through the caller's :class:`~collector.store.db.Auditor`, in the caller's transaction.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from collector.accounts import rules, targets
from collector.accounts.errors import AlreadyExists, NotFound
from collector.store.db import Auditor
from collector.store.models import Customer, Site


def find(session: Session, ident: str) -> Customer:
    """The customer named ``ident`` (ignoring case) or numbered ``ident``."""
    wanted = ident.strip()
    found = [
        c for c in session.scalars(select(Customer)) if rules.same_name(c.name, wanted) or str(c.id) == wanted
    ]
    if len(found) != 1:
        raise NotFound(f"No customer {wanted!r}.")
    return found[0]


def _free_customer_name(session: Session, name: str, keep: Customer | None = None) -> None:
    others = (c.name for c in session.scalars(select(Customer)) if c is not keep)
    taken = rules.taken_by(name, others)
    if taken is not None:
        raise AlreadyExists(f"A customer named {taken!r} already exists.")


def create(session: Session, audit: Auditor, name: str) -> Customer:
    """A new customer named ``name``."""
    clean = rules.name(name)
    _free_customer_name(session, clean)
    customer = Customer(name=clean)
    session.add(customer)
    session.flush()
    audit(session, "customer.create", targets.customer(customer.id), customer_id=customer.id, name=clean)
    return customer


def rename(session: Session, audit: Auditor, customer: Customer, name: str) -> bool:
    """Give ``customer`` a new name; False when it already had it."""
    clean = rules.name(name)
    if clean == customer.name:
        return False
    _free_customer_name(session, clean, keep=customer)
    old, customer.name = customer.name, clean
    audit(
        session, "customer.rename", targets.customer(customer.id), customer_id=customer.id, name=[old, clean]
    )
    return True


def find_site(session: Session, customer: Customer, ident: str) -> Site:
    """The customer's site named ``ident`` (ignoring case) or numbered ``ident``."""
    wanted = ident.strip()
    found = [s for s in customer.sites if rules.same_name(s.name, wanted) or str(s.id) == wanted]
    if len(found) != 1:
        raise NotFound(f"{customer.name} has no site {wanted!r}.")
    return found[0]


def _free_site_name(customer: Customer, name: str, keep: Site | None = None) -> None:
    taken = rules.taken_by(name, (s.name for s in customer.sites if s is not keep))
    if taken is not None:
        raise AlreadyExists(f"{customer.name} already has a site named {taken!r}.")


def create_site(session: Session, audit: Auditor, customer: Customer, name: str) -> Site:
    """A new site of ``customer``."""
    clean = rules.name(name)
    _free_site_name(customer, clean)
    site = Site(customer_id=customer.id, name=clean)
    customer.sites.append(site)
    session.flush()
    audit(session, "site.create", targets.site(site.id), customer_id=customer.id, name=clean)
    return site


def rename_site(session: Session, audit: Auditor, site: Site, name: str) -> bool:
    """Give ``site`` a new name; False when it already had it."""
    clean = rules.name(name)
    if clean == site.name:
        return False
    _free_site_name(site.customer, clean, keep=site)
    old, site.name = site.name, clean
    audit(session, "site.rename", targets.site(site.id), customer_id=site.customer_id, name=[old, clean])
    return True


def listing(session: Session) -> list[Customer]:
    """Every customer, by name ignoring (ASCII) case."""
    return list(session.scalars(select(Customer).order_by(func.lower(Customer.name), Customer.id)))
