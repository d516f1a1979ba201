"""Paragraphs to vectors, vectors to an index on disk, questions to ranked hits."""
