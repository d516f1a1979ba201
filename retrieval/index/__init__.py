"""The index on disk: segments of passages, FAISS vectors, BM25 and token vectors."""
