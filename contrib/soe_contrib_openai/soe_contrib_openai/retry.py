"""When to try a request again, and how long to wait first.

The SDK's own retries are switched off (``max_retries=0`` on the client) so
that this policy is the only one: exponential backoff with jitter, and the
server's ``Retry-After`` (or ``retry-after-ms``) when it sends one.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

RETRY_AFTER_CAP = 60.0
"""Longest wait a server's Retry-After can impose on one retry, in seconds."""


@dataclass(frozen=True)
class RetryPolicy:
    """``retries`` extra attempts; waits start at ``backoff`` and double up to ``max_backoff``."""

    retries: int = 2
    backoff: float = 0.5
    max_backoff: float = 30.0

    def with_overrides(self, retries: int | None, backoff: float | None) -> RetryPolicy:
        changes = {}
        if retries is not None:
            changes["retries"] = retries
        if backoff is not None:
            changes["backoff"] = backoff
        return replace(self, **changes) if changes else self

    def delay(
        self,
        attempt: int,
        retry_after: float | None = None,
        rand: Callable[[], float] = random.random,
    ) -> float:
        """Seconds to wait before retry number ``attempt`` (0 for the first retry).

        A server's Retry-After wins (capped at :data:`RETRY_AFTER_CAP`).
        Otherwise "equal jitter": half the exponential step plus a random part
        of the other half, so concurrent clients spread out but never hammer.
        """
        if retry_after is not None:
            return min(max(retry_after, 0.0), RETRY_AFTER_CAP)
        step = min(self.backoff * (2**attempt), self.max_backoff)
        return step / 2 + rand() * step / 2


def parse_retry_after(
    headers: Mapping[str, str] | None, now: datetime | None = None
) -> float | None:
    """Seconds from ``retry-after-ms`` or ``Retry-After`` (seconds or an HTTP date)."""
    if not headers:
        return None
    millis = _header(headers, "retry-after-ms")
    if millis is not None:
        try:
            return float(millis) / 1000.0
        except ValueError:
            pass
    value = _header(headers, "retry-after")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:  # plain dicts are case-sensitive; httpx headers are not
        value = next((v for k, v in headers.items() if k.lower() == name), None)
    return value
