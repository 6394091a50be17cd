"""JSON text of stored values, the same in every SOE store.

What JSON cannot hold is stored as its ``str`` (like the file backends).
:func:`dumps` is ``json.dumps(value, ensure_ascii=False, default=str,
separators=(",", ":"))``; it keeps one C encoder per thread instead of
building one per call, which halves the cost of the small documents a node
run writes (telemetry events, signals, jobs).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

try:
    from json.encoder import c_make_encoder, encode_basestring
except ImportError:  # an interpreter without the C accelerator
    c_make_encoder = None
    encode_basestring = None

_encoder = json.JSONEncoder(ensure_ascii=False, default=str, separators=(",", ":"))
_local = threading.local()
loads: Callable[[str], Any] = json.loads


def dumps(value: Any) -> str:
    if c_make_encoder is None:
        return _encoder.encode(value)
    if type(value) is str:
        return encode_basestring(value)
    encode = getattr(_local, "encode", None)
    if encode is None:
        # arguments as json.JSONEncoder.iterencode passes them (markers find cycles)
        encode = _local.encode = c_make_encoder({}, str, encode_basestring, None, ":", ",",
                                                False, False, True)  # fmt: skip
    try:
        return "".join(encode(value, 0))
    except BaseException:
        _local.encode = None  # its cycle markers may be left over
        raise
