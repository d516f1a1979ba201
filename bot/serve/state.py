"""What one `newsbot serve` process holds: the library, people's conversations, the threads
that do model and index work, and the watch that swaps in a new index generation.

Model and index work never runs on the event loop: questions go to a pool of `workers`
threads, and at most `QUEUE_PER_WORKER` per worker wait their turn; beyond that the server
says it is busy (503) at once, rather than letting every client time out together.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from newsbot.bot.config import FeedSettings, ServeSettings
from newsbot.bot.generations import swap_in_published
from newsbot.bot.recent import Recent
from newsbot.bot.serve.errors import ApiError
from newsbot.bot.serve.guards import RateLimiter
from newsbot.retrieval import Conversation, Library

log = logging.getLogger("newsbot.serve")

QUEUE_PER_WORKER = 16
WATCH_SECONDS = 2.0  # how often the index folder is looked at for a new generation

T = TypeVar("T")


class ServeState:
    def __init__(self, library: Library, settings: ServeSettings, feeds: FeedSettings) -> None:
        self.library = library
        self.settings = settings
        self.feeds = feeds  # where the followed feeds are kept, for the admin's feeds update
        self.rate = RateLimiter(settings.requests_per_minute)
        self.conversations: Recent[str, Conversation] = Recent(
            settings.max_conversations, settings.conversation_minutes * 60
        )
        self.admin_lock = threading.Lock()  # one corpus change at a time in this process
        self._pool = ThreadPoolExecutor(max_workers=settings.workers, thread_name_prefix="newsbot-ask")
        self._pending = 0
        self._watch: asyncio.Task | None = None
        self._build: asyncio.Task | None = None

    async def in_worker(self, work: Callable[..., T], *args) -> T:
        """Run `work(*args)` on a worker thread; 503 when too many already wait."""
        if self._pending >= self.settings.workers * QUEUE_PER_WORKER:
            raise ApiError(503, "the server is busy: try again in a few seconds", {"Retry-After": "2"})
        self._pending += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self._pool, work, *args)
        finally:
            self._pending -= 1

    def conversation(self, conversation_id: str | None) -> tuple[str, Conversation]:
        """The conversation a question continues (a new one when no id is given)."""
        if conversation_id is None:
            return secrets.token_urlsafe(12), Conversation()
        known = self.conversations.get(conversation_id)
        if known is None:
            raise ApiError(
                404,
                f"no conversation {conversation_id[:40]!r} (it ended after {self.settings.conversation_minutes} "
                "minutes without a question, or the server restarted): ask without \"conversation\" to start one",
            )
        return conversation_id, known

    async def start(self) -> None:
        """Open the index now if there is one (so the first question is not the slow one) and
        watch for new generations."""
        if not self.library.has_index():
            self._build = asyncio.create_task(self._first_build())
        else:
            try:
                await self.in_worker(self.library.refresh)
            except Exception as exc:  # a damaged index: `ready` says so; the watch tries again
                log.warning("index not loaded: %s", exc)
        self._watch = asyncio.create_task(self._watch_generations())

    async def _first_build(self) -> None:
        """No index yet: build it, as the first `newsbot ask` does; `ready` is false meanwhile
        and questions get 503 with a Retry-After."""
        with self.admin_lock:
            log.info("no index yet: building it from the corpus folders (first run)")
            try:
                report = await asyncio.to_thread(self.library.rebuild)
            except Exception as exc:
                log.error("the index could not be built: %s", exc)
                return
            log.info("index built: %s", report.summary())

    async def stop(self) -> None:
        for task in (self._watch, self._build):
            if task is not None:
                task.cancel()
        self._pool.shutdown(wait=False, cancel_futures=True)

    async def _watch_generations(self) -> None:
        """Swap in a generation another process published (`newsbot.bot.generations`); this
        server's own admin changes load what they build themselves, so it waits while one runs."""
        while True:
            await asyncio.sleep(WATCH_SECONDS)
            if not self.admin_lock.locked():
                await swap_in_published(self.library, log)
