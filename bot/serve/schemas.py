"""The API's request and response shapes, as pydantic models: FastAPI checks requests
against them and writes the OpenAPI description (`/openapi.json`) from them.

A passage has exactly the keys `ask --json` gives one (`newsbot.bot.cli.text.answer_record`), a
contract other tools read: keys are only ever added.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class AskRequest(BaseModel):
    question: str = Field(description="the question, as a person would type it")
    conversation: str | None = Field(
        None, description="the `conversation` of an earlier answer, to ask a follow-up in its light; omit to start one"
    )
    top_k: int | None = Field(None, ge=1, le=20, description="passages to return (default from config.toml)")
    since: str | None = Field(
        None, description="only articles dated since then, as `ask --since`: a date (2026-11-01) or time words (last week)"
    )


class Also(BaseModel):
    article: str
    title: str
    paragraph: int


class Passage(BaseModel):
    article: str = Field(description="the article's file name, as `newsbot sources` lists it")
    title: str
    paragraph: int = Field(description="1-based paragraph number in the article")
    date: str | None = Field(description="the article's date as it gives it")
    text: str
    score: float = Field(description="cosine of question and passage")
    relevance: float | None = Field(description="calibrated chance (0..1) that the passage answers")
    start: int
    end: int
    highlight: list[int] | None = Field(description="[start, end) in `text` of the sentence that answers best")
    answer_span: list[int] | None = Field(description="[start, end) in `text` of the words the reader found")
    also: list[Also] = Field(description="the same passage in other articles")


class AskResponse(BaseModel):
    question: str
    searched: str = Field(description="what was searched: a follow-up read in the light of the conversation")
    answered: bool = Field(description="false: the articles don't answer; `passages` are then only the nearest")
    period: str | None = Field(description="the time the question was limited to, if any")
    passages: list[Passage]
    conversation: str = Field(description="send it back with a follow-up; forgotten after some idle minutes")
    generation: str | None = Field(description="the index generation loaded as the answer was sent (one swapped in during the question is newer than the one that answered)")


class Source(BaseModel):
    article: str
    title: str
    paragraphs: int
    date: str | None


class Sources(BaseModel):
    sources: list[Source]


class IndexInfo(BaseModel):
    generation: str
    articles: int
    passages: int
    model: str


class Health(BaseModel):
    status: str


class Ready(BaseModel):
    ready: bool
    generation: str | None


class ErrorBody(BaseModel):
    error: str = Field(description="one line that says what went wrong and what to do")


class ReindexRequest(BaseModel):
    full: bool = Field(False, description="rebuild from scratch instead of updating")


class AddRequest(BaseModel):
    url: str | None = Field(None, description="a web page to fetch and add")
    name: str | None = Field(None, description="a file name for `text` (.txt or .md)")
    text: str | None = Field(None, description="the article itself, with `name`")
    replace: bool = Field(False, description="replace a different article of the same name")


class ChangeReport(BaseModel):
    summary: str = Field(description="what the index update did, as `newsbot index` says it")
    notes: list[str] = Field(default_factory=list, description="what was added, removed or skipped, one line each")
    errors: list[str] = Field(default_factory=list, description="feeds or pages that failed (the others went on)")
    generation: str | None


# FastAPI's `responses` is keyed by status code or range ("4XX"): typed as it takes it
ERRORS: dict[int | str, dict[str, Any]] = {status: {"model": ErrorBody} for status in (400, 401, 403, 404, 409, 413, 429, 503)}
