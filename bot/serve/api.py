"""The HTTP face: FastAPI routes over one `ServeState`.

FastAPI (on Starlette, served by uvicorn) because it writes the OpenAPI description from the
same pydantic models that check requests, so the description a client generator reads cannot
drift from what the server accepts; `fastapi-offline` serves the /docs page's scripts from the
package instead of a CDN, since a newsroom intranet may have no internet.

Open on 127.0.0.1; bound anywhere else, every route but health needs `api_token`. Admin
routes (`newsbot.bot.serve.admin`) always need `admin_token`.
"""

from __future__ import annotations

import json
from contextlib import asynccontextmanager
from importlib import resources

from fastapi import Depends, FastAPI, Request, Response
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline

from newsbot.bot.config import FeedSettings, ServeSettings
from newsbot.bot.records import answer_record, source_record
from newsbot.bot.serve import schemas
from newsbot.bot.serve.errors import ApiError, install_handlers
from newsbot.bot.serve.guards import BodyLimit, JsonByDefault, bearer, token_matches
from newsbot.bot.serve.state import ServeState
from newsbot.retrieval import IndexMissing, Library, QuestionError, QuestionTooLong, RetrievalError, clean_question

MAX_SCRIPT_TURNS = 100  # turns in one /v1/conversations request: each is a search
PAGE_POLICY = (  # the chat page runs only its own script and talks only to this server
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def make_app(library: Library, settings: ServeSettings, feeds: FeedSettings) -> FastAPI:
    state = ServeState(library, settings, feeds)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await state.start()
        yield
        await state.stop()

    app = FastAPIOffline(
        title="newsbot", version="1", lifespan=lifespan, redoc_url=None,
        description="Questions over news articles, answered with cited passages. Errors are `{\"error\": ...}`.",
    )
    app.state.serve = state
    install_handlers(app)
    app.add_middleware(JsonByDefault)
    app.add_middleware(BodyLimit, max_bytes=settings.max_request_bytes)

    def limited(request: Request) -> None:
        """The per-client rate limit, then the API token where one is needed."""
        client = request.client.host if request.client else "?"
        wait = state.rate.wait_for(client)
        if wait:
            seconds = max(1, round(wait + 0.5))
            raise ApiError(429, f"too many requests: wait {seconds} s", {"Retry-After": str(seconds)})
        if settings.api_token and not token_matches(bearer(request.headers.get("authorization")), settings.api_token):
            raise ApiError(401, "this server needs its API token: send Authorization: Bearer <token>",
                           {"WWW-Authenticate": "Bearer"})

    @app.get("/v1/health", response_model=schemas.Health, tags=["server"])
    async def health() -> dict:
        """The process is up (for a supervisor); `/v1/ready` says whether it can answer."""
        return {"status": "ok"}

    @app.get("/v1/ready", response_model=schemas.Ready, responses=schemas.ERRORS, tags=["server"])
    async def ready(response: Response) -> dict:
        """Ready when an index is loaded: 503 before the first `newsbot index`."""
        generation = library.generation()
        if generation is None:
            response.status_code = 503
        return {"ready": generation is not None, "generation": generation}

    @app.post("/v1/ask", response_model=schemas.AskResponse, responses=schemas.ERRORS, tags=["questions"],
              dependencies=[Depends(limited)])
    async def ask(body: schemas.AskRequest) -> dict:
        """Answer a question, as `newsbot ask --json` does; pass `conversation` for a follow-up."""
        try:
            clean_question(body.question, library.search_settings)  # a bad question fails before any work
        except QuestionError as exc:
            raise _refusal(exc) from None
        window = _window(body.since)
        conversation_id, conversation = state.conversation(body.conversation)
        answer = await _answering(state.in_worker(
            lambda: library.ask(body.question, body.top_k, conversation=conversation, since=window)
        ))
        state.conversations.put(conversation_id, conversation.followed_by(answer))
        return {**answer_record(answer), "conversation": conversation_id, "generation": library.generation()}

    @app.delete("/v1/conversations/{conversation_id}", status_code=204, tags=["questions"],
                dependencies=[Depends(limited)])
    async def forget(conversation_id: str) -> Response:
        """Start afresh: the conversation is forgotten (an unknown id is fine too)."""
        state.conversations.pop(conversation_id)
        return Response(status_code=204)

    @app.post("/v1/conversations", tags=["questions"], dependencies=[Depends(limited)], responses=schemas.ERRORS,
              openapi_extra={"requestBody": {"required": True, "content": {"application/x-ndjson": {"schema": {"type": "string"}}}}},
              response_class=Response)
    async def conversations(request: Request) -> Response:
        """Scripted conversations, exactly as `newsbot ask --json --conversations FILE`: one
        `{"id", "turns"}` a line in, one event a line out (application/x-ndjson)."""
        from io import BytesIO

        from newsbot.bot.scripted import run_scripts

        raw = await request.body()
        turns = sum(len(turns) for turns in map(_turns_of, raw.splitlines()))
        if turns > MAX_SCRIPT_TURNS:
            raise ApiError(413, f"{turns} turns in one request, over {MAX_SCRIPT_TURNS}: send them in parts")
        events = await _answering(state.in_worker(lambda: list(run_scripts(library, BytesIO(raw), None))))
        lines = "".join(json.dumps(event.record(), ensure_ascii=False) + "\n" for event in events)
        return Response(lines, media_type="application/x-ndjson")

    @app.get("/v1/sources", response_model=schemas.Sources, responses=schemas.ERRORS, tags=["index"],
             dependencies=[Depends(limited)])
    async def sources() -> dict:
        """The indexed articles, as `newsbot sources --json` lists them."""
        listed = await _answering(state.in_worker(library.sources))
        return {"sources": [source_record(source) for source in listed]}

    @app.get("/v1/index", response_model=schemas.IndexInfo, responses=schemas.ERRORS, tags=["index"],
             dependencies=[Depends(limited)])
    async def index_info() -> dict:
        """The generation answering now, and its size."""
        loaded = await _answering(state.in_worker(library.index))
        manifest = loaded.manifest
        return {"generation": loaded.path.name, "articles": len(manifest.articles),
                "passages": manifest.passages, "model": manifest.model}

    from newsbot.bot.serve.admin import admin_routes

    app.include_router(admin_routes(state, limited))
    _add_page(app)
    return app


async def _answering(work):
    """Await the library's work, with its refusals as the statuses that fit."""
    try:
        return await work
    except RetrievalError as exc:
        raise _refusal(exc) from None


def _refusal(exc: RetrievalError) -> ApiError:
    """The status that fits: 413 for an over-long question, 400 for another unsearchable one,
    503 (with Retry-After) before the first index, 503 for a damaged one."""
    if isinstance(exc, QuestionTooLong):
        return ApiError(413, str(exc))
    if isinstance(exc, QuestionError):
        return ApiError(400, str(exc))
    if isinstance(exc, IndexMissing):
        return ApiError(503, f"{exc} (the server picks it up by itself)", {"Retry-After": "10"})
    return ApiError(503, str(exc))


def _window(since: str | None):
    """`since` as `ask --since` reads it; a bad value is a 400."""
    from newsbot.retrieval import since_window

    try:
        return since_window(since) if since is not None else None
    except ValueError as exc:
        raise ApiError(400, f"since: {exc}") from None


def _turns_of(line: bytes) -> list:
    """A script line's turns, to count them before any is asked; a line that is not one
    counts for none (it becomes its error event when run)."""
    try:
        data = json.loads(line)
    except ValueError:
        return []
    turns = data.get("turns") if isinstance(data, dict) else None
    return turns if isinstance(turns, list) else []


def _add_page(app: FastAPI) -> None:
    """The chat page at /, its script and style under /page: static files, no build step."""
    folder = resources.files("newsbot.bot.serve") / "page"
    page = (folder / "index.html").read_text(encoding="utf-8")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def chat_page() -> HTMLResponse:
        return HTMLResponse(page, headers={"Content-Security-Policy": PAGE_POLICY, "X-Content-Type-Options": "nosniff"})

    app.mount("/page", StaticFiles(directory=str(folder)), name="page")
