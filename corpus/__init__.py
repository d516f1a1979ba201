"""Articles on disk, cleaned and split into cited paragraphs."""
