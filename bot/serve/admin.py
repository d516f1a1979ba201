"""Routes that change the corpus or the index: add, remove, reindex, feeds update.

Each needs `admin_token` (config.toml `[serve] admin_token` or $NEWSBOT_ADMIN_TOKEN); with
none set they are off. Each is all or nothing, as its command is (`newsbot.corpus.edits`), runs on
a worker thread, and one runs at a time; the new generation is swapped in here at once, and
other `serve` processes on the same index pick it up within seconds.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Callable
from pathlib import Path

from fastapi import APIRouter, Depends, Request

from newsbot.bot.serve import schemas
from newsbot.bot.serve.errors import ApiError
from newsbot.bot.serve.guards import bearer, token_matches
from newsbot.bot.serve.state import ServeState
from newsbot.corpus.errors import CorpusError
from newsbot.retrieval import RetrievalError


def admin_routes(state: ServeState, limited: Callable) -> APIRouter:
    settings = state.settings
    library = state.library

    def admin(request: Request) -> None:
        if not settings.admin_token:
            raise ApiError(403, "admin actions are off: set NEWSBOT_ADMIN_TOKEN (or [serve] admin_token) and restart")
        if not token_matches(bearer(request.headers.get("authorization")), settings.admin_token):
            raise ApiError(401, "admin actions need the admin token: send Authorization: Bearer <token>",
                           {"WWW-Authenticate": "Bearer"})

    router = APIRouter(prefix="/v1/admin", tags=["admin"], responses=schemas.ERRORS,
                       dependencies=[Depends(limited), Depends(admin)])

    async def changing(work: Callable[[], schemas.ChangeReport]) -> schemas.ChangeReport:
        if not state.admin_lock.acquire(blocking=False):
            raise ApiError(409, "another change to the index is running: try again when it is done")
        try:  # on a thread of its own: a rebuild must not hold one of the question workers
            return await asyncio.to_thread(work)
        except CorpusError as exc:
            raise ApiError(400, str(exc)) from None
        except RetrievalError as exc:
            raise ApiError(503, str(exc)) from None
        finally:
            state.admin_lock.release()

    def rebuilt(notes: list[str], full: bool = False, errors: list[str] | None = None) -> schemas.ChangeReport:
        report = library.rebuild(full=full)
        return schemas.ChangeReport(summary=report.summary(), notes=notes + list(report.skipped),
                                    errors=errors or [], generation=library.generation())

    @router.post("/reindex", response_model=schemas.ChangeReport)
    async def reindex(body: schemas.ReindexRequest) -> schemas.ChangeReport:
        """Update the index from the corpus folders (`newsbot index`)."""
        return await changing(lambda: rebuilt([], full=body.full))

    @router.post("/articles", response_model=schemas.ChangeReport)
    async def add(body: schemas.AddRequest) -> schemas.ChangeReport:
        """Add a web page (`url`) or an article's text (`name` and `text`), as `newsbot add`."""
        if (body.url is None) == (body.text is None) or (body.text is not None and not body.name):
            raise ApiError(400, 'send either {"url": ...} or {"name": "story.txt", "text": ...}')
        return await changing(lambda: _add(body))

    def _add(body: schemas.AddRequest) -> schemas.ChangeReport:
        from newsbot.corpus.edits import write_then

        with tempfile.TemporaryDirectory() as folder:
            placements = _placements(body, Path(folder))
            return write_then(placements, lambda: rebuilt([placement.describe() for placement in placements]))

    def _placements(body: schemas.AddRequest, folder: Path) -> list:
        if body.url is not None:
            from newsbot.corpus.web.adding import plan_web_import
            from newsbot.corpus.web.fetching import Fetcher

            fetcher = Fetcher(state.feeds.fetch_policy())
            return plan_web_import([body.url], library.corpus_dirs, fetcher, library.rules, body.replace)
        from newsbot.corpus.importing import plan_import

        name = Path(body.name or "").name
        if not name or name != body.name:
            raise CorpusError(f"{body.name!r} is not a plain file name: send e.g. story.txt")
        upload = folder / name
        upload.write_text(body.text or "", encoding="utf-8")
        return plan_import([upload], library.corpus_dirs, library.rules, body.replace)

    @router.delete("/articles/{article}", response_model=schemas.ChangeReport)
    async def remove(article: str) -> schemas.ChangeReport:
        """Take an article out of the corpus and the index (`newsbot remove`)."""
        return await changing(lambda: _remove(article))

    def _remove(article: str) -> schemas.ChangeReport:
        from newsbot.corpus.edits import delete_then
        from newsbot.corpus.removing import files_to_remove

        doomed = files_to_remove([article], library.corpus_dirs)
        return delete_then(doomed, lambda: rebuilt([f"removed {path.name}" for path in doomed]))

    @router.post("/feeds/update", response_model=schemas.ChangeReport)
    async def update_feeds() -> schemas.ChangeReport:
        """Fetch the followed feeds' new articles and update the index (`newsbot update`)."""
        return await changing(_update_feeds)

    def _update_feeds() -> schemas.ChangeReport:
        from newsbot.corpus.web.feeds import FeedRegistry
        from newsbot.corpus.web.updating import collect_updates, store_updates

        feeds = state.feeds
        registry = FeedRegistry.load(feeds.file)
        if not registry.feeds:
            raise CorpusError("no feeds followed: add one with `newsbot feeds add URL`")
        report = collect_updates(registry, library.corpus_dirs, feeds.fetch_policy(), rules=library.rules)
        notes = [f"added {a.name} (from {a.source_url})" for a in report.articles] + list(report.notes)
        built = store_updates(report, registry, library.corpus_dirs[0], lambda: library.rebuild(False))
        summary = built.summary() if built is not None else "no new articles; the index is unchanged"
        return schemas.ChangeReport(summary=f"feeds read: {report.summary()}; {summary}", notes=notes,
                                    errors=list(report.errors), generation=library.generation())

    return router
