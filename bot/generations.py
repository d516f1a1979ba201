"""Swapping in an index generation another process published (`newsbot update` from cron,
`newsbot index`, a second server's admin routes), for the faces that keep a `Library` open:
the Discord bot and `newsbot serve` each call `swap_in_published` every few seconds.

`Library.refresh` reads the index folder's pointer (a few bytes) and, when it names a
generation not loaded here, opens that one on a worker thread and swaps it in while questions
go on being answered from the old one.
"""

from __future__ import annotations

import asyncio
import logging

from newsbot.retrieval import Library, RetrievalError


async def swap_in_published(library: Library, log: logging.Logger) -> None:
    """One look; a generation that cannot be loaded is logged and the loaded one kept."""
    try:
        if await asyncio.to_thread(library.refresh):
            log.info("index generation %s swapped in", library.generation())
    except (RetrievalError, OSError) as error:
        log.warning("a new index generation could not be loaded: %s", error)
