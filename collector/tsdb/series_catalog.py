"""Each device's series in memory, for the chart path's "which series does this line draw".

A chart line found its series with a query on ``series`` every time: one of the four or five
DuckDB statements of each line, 28 % of the chart API's time (py-spy, the 100-device fleet).
Read from here, ``read_line`` took 0.68-0.72x the CPU (1 h, 24 h and 2 days, 300 calls each,
alternated in one process). Series rows never change and are only ever added, by the
ingest writer, which calls :meth:`SeriesCatalog.added` after each commit that adds any; so a
device's list, once read, stays true until then. A reader that read the table before such a
commit does not keep what it read (a generation per device). At most ``max_devices``
devices are kept, least recently used first out.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable

from collector.tsdb.queries import SeriesInfo

MAX_DEVICES = 4096  # ~50 series a device: ~100 MB at the most


class SeriesCatalog:
    def __init__(self, max_devices: int = MAX_DEVICES) -> None:
        self._max = max_devices
        self._lock = threading.Lock()
        self._devices: OrderedDict[int, tuple[SeriesInfo, ...]] = OrderedDict()
        self._generation: dict[int, int] = {}

    def of_device(self, device_id: int, read: Callable[[int], list[SeriesInfo]]) -> tuple[SeriesInfo, ...]:
        """The device's series by id; ``read`` asks the table when they are not kept."""
        with self._lock:
            kept = self._devices.get(device_id)
            if kept is not None:
                self._devices.move_to_end(device_id)
                return kept
            generation = self._generation.get(device_id, 0)
        found = tuple(read(device_id))
        with self._lock:
            if self._generation.get(device_id, 0) == generation:  # no series added meanwhile
                self._devices[device_id] = found
                while len(self._devices) > self._max:
                    self._devices.popitem(last=False)
        return found

    def added(self, device_ids: Iterable[int]) -> None:
        """Series of these devices were committed: read them afresh next time."""
        with self._lock:
            for device_id in set(device_ids):
                self._devices.pop(device_id, None)
                self._generation[device_id] = self._generation.get(device_id, 0) + 1
