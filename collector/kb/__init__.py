"""The knowledge base: articles of numbered steps linked to fault kinds, versioned on every
save, and the Resolve runs that technicians walk through them. The articles a fresh install starts with
are written by the migration ``1402_knowledge_base``.

- :mod:`collector.kb.models` — the tables (articles, their versions, Resolve runs);
- :mod:`collector.kb.faults` — the fault-kind vocabulary and what a faulty function is (pure);
- :mod:`collector.kb.articles` — reading and saving articles, each save a new version;
- :mod:`collector.kb.runs` — recording a Resolve run on the Support Log and the linked ticket.
"""
