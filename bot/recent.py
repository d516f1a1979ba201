"""A mapping that forgets: the most recent items, each for a while. Conversations on Discord
and over HTTP are kept in one, so memory stays bounded however many people ask."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

Key = TypeVar("Key", bound=Hashable)
Value = TypeVar("Value")
Clock = Callable[[], float]


class Recent(Generic[Key, Value]):
    """A mapping that keeps the `max_count` most recently stored items, each for `max_age` seconds.

    Items are kept in the order they were last stored, so the expired ones are always at the
    front and are dropped as new ones arrive, not only when looked up.
    """

    def __init__(self, max_count: int, max_age: float | None = None, clock: Clock | None = None) -> None:
        if max_count < 1:
            raise ValueError("max_count must be at least 1")
        self.max_count = max_count
        self.max_age = max_age
        self._clock = clock
        self._items: OrderedDict[Key, tuple[float, Value]] = OrderedDict()

    def now(self) -> float:
        # looked up on each call, not bound once, so simcord's virtual clock reaches it
        return self._clock() if self._clock is not None else time.monotonic()

    def get(self, key: Key) -> Value | None:
        stored = self._items.get(key)
        if stored is None:
            return None
        if self._expired(stored[0], self.now()):
            del self._items[key]
            return None
        return stored[1]

    def put(self, key: Key, value: Value) -> None:
        now = self.now()
        self._items[key] = (now, value)
        self._items.move_to_end(key)
        while self._items:
            oldest_key, (stored_at, _) = next(iter(self._items.items()))
            if len(self._items) <= self.max_count and not self._expired(stored_at, now):
                break
            del self._items[oldest_key]

    def pop(self, key: Key) -> None:
        self._items.pop(key, None)

    def __len__(self) -> int:
        return len(self._items)

    def _expired(self, stored_at: float, now: float) -> bool:
        return self.max_age is not None and now - stored_at > self.max_age
