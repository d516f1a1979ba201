"""Every failure as JSON, `{"error": "<one line that says what to do>"}`, with a status that fits.

The same key `ask --json` gives a question it could not search, so a client reads both alike.
"""

from __future__ import annotations

import json

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException


class ApiError(Exception):
    """A refusal to send as JSON: status, message and any headers (Retry-After)."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def json_line(message: str) -> bytes:
    return json.dumps({"error": message}, ensure_ascii=False).encode()


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def refused(request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.message, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def malformed(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(400, _first_problem(exc))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else "request refused"
        if exc.status_code == 404:
            message = f"no such address {request.url.path}: the API is under /v1 (see /docs)"
        return error_response(exc.status_code, message, getattr(exc, "headers", None))


def _first_problem(exc: RequestValidationError) -> str:
    """pydantic's first complaint as one line: `question: Field required`."""
    errors = exc.errors()
    if not errors:
        return "the request is not valid JSON for this address (see /docs)"
    first = errors[0]
    where = ".".join(str(part) for part in first.get("loc", ()) if part != "body")
    what = first.get("msg", "not valid")
    if first.get("type") == "json_invalid":
        return 'the body is not valid JSON: send {"question": "..."}'
    return f"{where or 'body'}: {what} (see /docs)"
