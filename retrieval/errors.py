"""One exception type for everything a user can fix, so faces can print it in one line."""


class RetrievalError(Exception):
    """A problem with the index, the model or a question; the message says what to do."""
