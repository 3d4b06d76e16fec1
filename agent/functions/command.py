"""Run a system command for a check (``systemctl``, ``ping``), killed when the run is cut.

Only argument lists, never a shell; the environment is fixed (``LC_ALL=C`` so output parses the
same on every machine) and nothing from a spec is ever interpreted by a shell.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
from dataclasses import dataclass

_ENV_KEEP = ("PATH",)


@dataclass(frozen=True, slots=True)
class Completed:
    returncode: int
    stdout: str
    stderr: str


class NotInstalled(Exception):
    """The program is not on PATH."""


async def run_command(argv: list[str], *, input_bytes: bytes | None = None) -> Completed:
    """Run ``argv``; if this coroutine is cancelled (the check's timeout), kill the child."""
    program = shutil.which(argv[0])
    if program is None:
        raise NotInstalled(argv[0])
    env = {k: os.environ[k] for k in _ENV_KEEP if k in os.environ}
    env.update({"LC_ALL": "C", "LANG": "C", "SYSTEMD_PAGER": "", "SYSTEMD_COLORS": "0"})
    proc = await asyncio.create_subprocess_exec(
        program,
        *argv[1:],
        stdin=asyncio.subprocess.DEVNULL if input_bytes is None else asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    try:
        out, err = await proc.communicate(input_bytes)
    except asyncio.CancelledError:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        with contextlib.suppress(Exception):
            await asyncio.shield(proc.wait())
        raise
    assert proc.returncode is not None
    return Completed(
        proc.returncode, out.decode("utf-8", errors="replace"), err.decode("utf-8", errors="replace")
    )
