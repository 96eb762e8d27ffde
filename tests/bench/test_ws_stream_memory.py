"""ws.market's reading loop on a busy feed: bounded memory, gaps still found."""

from __future__ import annotations

import json

from diagnostics.checks.ws_checks import EVENTS_KEPT, Stream
from diagnostics.net.ws import FrameLog, WsOpen


def _l2(seq: int) -> str:
    return json.dumps({"channel": "l2_data", "sequence_num": seq, "events": [
        {"type": "update", "product_id": "BTC-USD",
         "updates": [{"side": "bid", "price_level": "100.0", "new_quantity": "1"}]}]})


def test_a_busy_feed_keeps_a_bounded_sample_and_counts_everything():
    stream = Stream(WsOpen(None, None), FrameLog())
    for seq in range(1, 20_001):
        if seq != 777:  # one message lost on the way
            stream._handle(_l2(seq))
    assert stream.messages == 19_999
    assert stream.by_channel == {"l2_data": 19_999}
    assert len(stream.events) == EVENTS_KEPT
    assert stream.gaps == [{"after": 776, "got": 778}]
    assert len(stream.log.frames) <= stream.log.limit


def test_the_user_snapshot_is_kept_after_the_sample_is_full():
    stream = Stream(WsOpen(None, None), FrameLog())
    for seq in range(1, 100):
        stream._handle(json.dumps({"channel": "user", "sequence_num": seq,
                                   "events": [{"type": "update", "orders": []}]}))
    stream._handle(json.dumps({"channel": "user", "sequence_num": 100,
                               "events": [{"type": "snapshot", "orders": [{"id": "1"}]}]}))
    assert any(e["type"] == "snapshot" for e in stream.events)
    assert len(stream.events) == EVENTS_KEPT + 1
