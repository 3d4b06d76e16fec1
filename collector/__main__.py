"""``python -m collector`` runs the collector service."""

from collector.cli import collector_main

raise SystemExit(collector_main())
