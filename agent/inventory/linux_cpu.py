"""Processors from ``/proc/cpuinfo``: one item per physical package (socket).

Clock speed comes from cpufreq's ``cpuinfo_max_freq`` when the machine has a cpufreq driver,
because ``cpu MHz`` moves with frequency scaling and would look like a hardware change every
hour; without cpufreq (most VMs) ``cpu MHz`` is the fixed TSC rate and is used as is.
"""

from __future__ import annotations

from agent.inventory.facade import HostIO
from agent.inventory.model import Item, ParseError, SourceError, item

CPUINFO = "/proc/cpuinfo"
MAX_FREQ = "/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq"
# Where architectures other than x86 put a model string.
_MODEL_FIELDS = ("model name", "cpu model", "cpu", "Processor", "Hardware", "uarch")


def _blocks(text: str) -> list[dict[str, str]]:
    blocks: list[dict[str, str]] = []
    current: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            if current:
                blocks.append(current)
                current = {}
            continue
        name, sep, value = line.partition(":")
        if sep:
            current[name.strip()] = value.strip()
    if current:
        blocks.append(current)
    return blocks


def parse(cpuinfo: str, max_freq_khz: str | None = None) -> list[Item]:
    processors = [b for b in _blocks(cpuinfo) if "processor" in b]
    if not processors:
        raise ParseError("no 'processor' entries: this is not /proc/cpuinfo output")
    shared = {k: v for b in _blocks(cpuinfo) if "processor" not in b for k, v in b.items()}
    packages: dict[str, list[dict[str, str]]] = {}
    for proc in processors:
        if not proc["processor"].isdigit():
            raise ParseError(f"processor number is not a number: {proc['processor'][:40]!r}")
        packages.setdefault(proc.get("physical id", "0"), []).append(proc)
    mhz_fixed = ""
    if max_freq_khz and max_freq_khz.strip().isdigit():
        mhz_fixed = str(round(int(max_freq_khz.strip()) / 1000))
    out: list[Item] = []
    for package, procs in sorted(packages.items(), key=lambda kv: int(kv[0]) if kv[0].isdigit() else 0):
        first = {**shared, **procs[0]}
        model = next((first[f] for f in _MODEL_FIELDS if first.get(f)), "")
        core_ids = {p["core id"] for p in procs if "core id" in p}
        cores = first.get("cpu cores") or (str(len(core_ids)) if core_ids else str(len(procs)))
        mhz = mhz_fixed
        if not mhz and first.get("cpu MHz"):
            try:
                mhz = str(round(float(first["cpu MHz"])))
            except ValueError:
                raise ParseError(f"cpu MHz is not a number: {first['cpu MHz'][:40]!r}") from None
        out.append(item("cpu", package, model=model, cores=cores, threads=str(len(procs)), mhz=mhz))
    return out


def read(io: HostIO) -> list[Item]:
    text = io.read_text(CPUINFO)
    if text is None:
        raise SourceError(f"{CPUINFO} does not exist")
    try:
        max_freq = io.read_text(MAX_FREQ)
    except SourceError:
        max_freq = None
    return parse(text, max_freq)
