"""Why an article could not be used; the builder skips it and names it to the admin."""


class CorpusError(Exception):
    """An article file that cannot be read as text, or a corpus folder that is unusable."""
