"""ThreadReads: a close asked for while a worker thread is reading waits for that read.

Closing under a read in flight frees the descriptor's number for the next accepted socket,
and the stale read then swallows that connection's request (seen as a request read and
never answered under load, with players hanging up mid-file). A pipe stands for the file:
its read blocks until the test writes, so the read is certainly in flight at the close.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

from tests.polling import wait_for
from tonearm.adapters.storage.base import ThreadReads


def test_a_close_during_a_read_is_done_by_the_reading_thread_after_it() -> None:
    read_end, write_end = os.pipe()
    file = os.fdopen(read_end, "rb", buffering=0)
    reads = ThreadReads(file)
    try:
        with ThreadPoolExecutor(1) as pool:
            pending = pool.submit(reads.read, 64)
            wait_for(reads._lock.locked, "the read to be in flight")
            reads.close()
            assert not file.closed  # the descriptor stays ours while the read uses it
            os.write(write_end, b"audio")
            assert pending.result(timeout=30) == b"audio"
        assert file.closed
        assert reads.read(64) == b""
    finally:
        os.close(write_end)


def test_a_close_with_no_read_in_flight_closes_at_once() -> None:
    read_end, write_end = os.pipe()
    file = os.fdopen(read_end, "rb", buffering=0)
    os.write(write_end, b"abc")
    reads = ThreadReads(file)
    assert reads.read(2) == b"ab"
    reads.close()
    assert file.closed
    reads.close()  # twice is harmless
    os.close(write_end)
