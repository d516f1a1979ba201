"""Thread settings for a small machine, applied before torch, faiss or numpy load.

Measured on 2 cores: busy-waiting OpenMP pools (torch's and faiss's) made single questions
several times slower, and numpy's multi-threaded BLAS made the 20 small rerank products take
~400 ms instead of ~4 ms while another process was busy. Questions need one thread; batch
encoding sets torch's own thread count itself (see `models.SentenceTransformerEmbedder`).
Each is a default: a value already in the environment wins.
"""

from __future__ import annotations

import os

DEFAULTS = {
    "OMP_WAIT_POLICY": "PASSIVE",
    "OPENBLAS_NUM_THREADS": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_VERBOSITY": "error",
}


def configure_threads() -> None:
    for name, value in DEFAULTS.items():
        os.environ.setdefault(name, value)


def one_faiss_thread() -> None:
    """Search one question on one thread: measured on 2 cores at 38k vectors, a flat scan took
    4.1 ms on one OpenMP thread and 6.4 ms on two. The setting is per calling thread, so a
    rebuild running in another thread keeps every core.
    """
    import faiss

    faiss.omp_set_num_threads(1)
