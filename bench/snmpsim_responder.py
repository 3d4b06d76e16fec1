"""``python -m bench.snmpsim_responder ARGS``: snmpsim's command responder with its
``--max-var-binds`` honoured.

snmpsim 1.2 stores that option on each GETBULK responder as ``maxVarBinds``, a name pysnmp 7
no longer reads: pysnmp's ``BulkCommandResponder`` caps every answer by its own
``max_varbinds`` (64). Unpatched, a switch-sized poll of 11 columns gets 5 rows per answer
whatever ``--max-var-binds`` says, and pays 12 round trips where a real switch needs 3; the
simulators then cost the machine four times the requests. This sets pysnmp's cap to the
option's value and runs snmpsim unchanged.
"""

from __future__ import annotations

import argparse
import sys

from pysnmp.entity.rfc3413 import cmdrsp  # type: ignore[import-untyped]
from snmpsim.commands import responder  # type: ignore[import-untyped]

DEFAULT_MAX_VAR_BINDS = 64  # snmpsim's documented default


def max_var_binds(argv: list[str]) -> int:
    """Pure: the ``--max-var-binds`` value snmpsim will be given."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--max-var-binds", type=int, default=DEFAULT_MAX_VAR_BINDS)
    known, _ = parser.parse_known_args(argv)
    return int(known.max_var_binds)


def main() -> int:
    cmdrsp.BulkCommandResponder.max_varbinds = max_var_binds(sys.argv[1:])
    sys.argv[0] = "snmpsim-command-responder"
    return int(responder.main() or 0)


if __name__ == "__main__":
    sys.exit(main())
