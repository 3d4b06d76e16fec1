"""A newer agent's clock and spool backlog, stamped on the batches it sends, reach the
instance's row apart (``customer_instance_clock``: skew, backlog), against a real collector
process over loopback TLS; a batch without them (an older agent) is stored and acked as before
and leaves them unset."""

from __future__ import annotations

import time

from sqlalchemy import create_engine, text
from support import rawclient
from support.procs import CollectorProc
from test_stream_security import device_ids, enroll, open_stream

from eus.v1 import eus_pb2

BEHIND_S = 120  # the newer agent's clock runs two minutes slow


def acked(stream: rawclient.RawStream, seq: int) -> None:
    while stream.next().ack.seq < seq:
        pass


def test_skew_and_backlog_are_kept_apart_and_older_agents_still_stream(collector: CollectorProc) -> None:
    new, old = enroll(collector, "host-new"), enroll(collector, "host-old")
    s = open_stream(collector, new.key, new.cert)
    s.send(rawclient.hello(1))
    assert s.next().ack == eus_pb2.Ack(epoch=1, seq=0)
    msg = rawclient.batch(1, 1, n=3)
    msg.batch.sent_ms = int((time.time() - BEHIND_S) * 1000)
    msg.batch.spool_backlog = 7
    s.send(msg)
    acked(s, 1)
    s.close()

    o = open_stream(collector, old.key, old.cert)
    o.send(rawclient.hello(1))
    assert o.next().ack == eus_pb2.Ack(epoch=1, seq=0)
    o.send(rawclient.batch(1, 1, n=3))  # no sent_ms, no spool_backlog
    acked(o, 1)
    o.close()
    collector.stop()  # the bus delivers what is queued before the process ends

    ids = device_ids(collector.data_dir)
    engine = create_engine(f"sqlite:///{collector.data_dir / 'eus.sqlite3'}")
    with engine.connect() as conn:
        rows = {
            int(d): (skew, backlog, reported)
            for d, skew, backlog, reported in conn.execute(
                text("SELECT device_id, skew_s, spool_backlog, reported_at FROM customer_instance_clock")
            )
        }
    engine.dispose()
    skew, backlog, reported = rows[ids[new.agent_id]]
    assert backlog == 7 and reported is not None
    assert -BEHIND_S - 30 < skew < -BEHIND_S + 1  # two minutes slow (give or take the trip)
    assert rows[ids[old.agent_id]][:2] == (None, None)  # measured the old way only
