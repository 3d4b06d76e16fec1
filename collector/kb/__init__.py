"""The knowledge base: articles of numbered steps linked to fault kinds, versioned on every
save, and the Resolve runs that technicians walk through them.

- :mod:`collector.kb.models` — the tables (articles, their versions, Resolve runs);
- :mod:`collector.kb.faults` — the fault-kind vocabulary and what a faulty function is (pure);
- :mod:`collector.kb.articles` — reading and saving articles, each save a new version;
- :mod:`collector.kb.shipped` — the articles a fresh install starts with;
- :mod:`collector.kb.runs` — recording a Resolve run on the Support Log and the linked ticket.
"""
