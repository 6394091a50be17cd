"""An event observer: every telemetry event of every run, as JSON lines.

Set ``SOE_EXAMPLE_EVENT_LOG=/path/events.jsonl`` to switch it on; without it
the observer returns at once. Observers are called from the thread that
logged the event (the ``threads`` caller uses many), hence the lock.
"""

from __future__ import annotations

import json
import os
import threading

EVENT_LOG_ENV = "SOE_EXAMPLE_EVENT_LOG"
_lock = threading.Lock()


def write_event(execution_id: str, event_type: str, data: dict) -> None:
    path = os.environ.get(EVENT_LOG_ENV)
    if not path:
        return
    record = {"execution_id": execution_id, "event_type": event_type, "data": data}
    line = json.dumps(record, default=str)
    with _lock, open(path, "a", encoding="utf-8") as handle:
        handle.write(line + "\n")
