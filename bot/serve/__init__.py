"""`newsbot serve`: the third face, an HTTP API and a web chat page over the same `Library`.

Rooms: `guards` (tokens, rate limit, request size), `state` (the library, conversations and
the worker threads one server holds), `api` (the question routes), `admin` (routes that change
the corpus), `errors` (every failure as one JSON line), `page/` (the chat page, static files).
"""
