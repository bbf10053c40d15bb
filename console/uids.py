"""The ids every row that travels between consoles is known by (entries, ops, tasks, terms...).

A uid is a version 7 UUID (RFC 9562) as 32 hex digits: the time it was made, in milliseconds
since 1970, then 74 random bits. Random enough that two consoles never make the same one; and
made in time order, so that each new row's uid goes in at the growing end of the unique index
over them, as its row id does. With random (version 4) uids each new one landed on a page of
its own in the ops' and the entries' uid indexes, and a checkpoint had those scattered pages to
write back: about 7-9 ms for a note's commit that carried one, against 2.5-3.4 ms (issue 15).

Made by hand, as `uuid` would (that module imports `platform`, ~5 ms, on the CLI's write path).
Nothing reads a uid's time back: it is an id, not a clock (the HLC is the order).
"""

import os
import time


def new_uid() -> str:
    """A fresh uid: a version 7 UUID's hex."""
    millis = time.time_ns() // 1_000_000
    raw = bytearray(millis.to_bytes(6, "big") + os.urandom(10))
    raw[6] = raw[6] & 0x0F | 0x70  # version 7
    raw[8] = raw[8] & 0x3F | 0x80  # the RFC 4122 / 9562 variant
    return raw.hex()
