"""Product quantisation of the reranker's token vectors: 48 bytes a token instead of 388.

A token vector (384 float dimensions, unit length) is cut into 48 pieces of 8 dimensions,
and each piece is stored as the number of its nearest of 256 centroids trained for that
piece (FAISS's `ProductQuantizer`): one byte a piece. MaxSim scores the question's float
tokens against the codes asymmetrically, the question never quantised: a table of each
question token's product with every centroid of each piece, then per stored token the sum
of its 48 entries (a sparse product), divided by the coded vector's length, since a coded
vector is a little shorter than the unit vector it stands for.
How it was chosen, against today's int8 and the other candidates measured: docs/index-on-disk.md, "Token
vectors on disk".

A segment holding codes keeps its codebook beside them (`tokens_codebook.npy`, with OPQ's
rotation and the score calibration). A codebook is trained once, when a segment written
without one reaches `COMPRESS_FROM_TOKENS` tokens (`segment_writer`); the segments appended
to that index and its merges code with the same codebook, copying coded passages as they
are. Smaller segments keep int8 vectors (see `token_store`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

CODEBOOK = "tokens_codebook.npy"  # float32 (pieces, 256, dimension / pieces)
ROTATION = "tokens_rotation.npy"  # float32 (dimension, dimension): OPQ's, applied before coding
SETTINGS = "tokens_codec.json"  # how it was trained, and the score calibration
PIECES = 48  # bytes a token
CENTROIDS = 256
TRAIN_TOKENS = 65_536  # FAISS uses at most 256 training points per centroid
# Segments smaller than this keep int8 vectors: coding costs quality (SQuAD top-1 -0.007, see
# docs/index-on-disk.md), worth paying only where the disk needs it; here the int8 vectors are ~390 MB
# (about 10,000 paragraphs), at a million paragraphs 35 GB.
COMPRESS_FROM_TOKENS = 1_000_000
ROTATION_ROUNDS = 25


@dataclass(frozen=True, eq=False)
class TokenCodec:
    """A trained product quantiser: `centroids[piece, code]` is that piece of a rotated vector.

    `calibration` is the mean cosine of a training token with its own coding: a coded
    token's best match scores about that much lower than its int8 one, and relevance reads
    the late-interaction score as it was fitted, so scores are divided by it.
    """

    centroids: np.ndarray  # float32 (pieces, 256, dimension / pieces)
    rotation: np.ndarray  # float32 (dimension, dimension), orthonormal: coded = vector @ rotation.T
    calibration: float = 1.0

    @classmethod
    def train(cls, vectors: np.ndarray) -> TokenCodec:
        import faiss

        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        pieces = pieces_for(vectors.shape[1])
        rotation = faiss.OPQMatrix(vectors.shape[1], pieces)
        rotation.niter = ROTATION_ROUNDS
        rotation.verbose = False
        rotation.train(vectors)
        rotated = rotation.apply(vectors)
        quantiser = faiss.ProductQuantizer(vectors.shape[1], pieces, 8)
        quantiser.verbose = False
        quantiser.cp.seed = 1234
        quantiser.train(rotated)
        centroids = faiss.vector_to_array(quantiser.centroids).reshape(pieces, CENTROIDS, -1).astype(np.float32)
        matrix = faiss.vector_to_array(rotation.A).reshape(vectors.shape[1], vectors.shape[1]).astype(np.float32)
        untrusted = cls(centroids, matrix)
        sample = vectors[: min(len(vectors), 20_000)]
        coded = untrusted.vectors(untrusted.encode(sample))
        return cls(centroids, matrix, float(np.einsum("ij,ij->i", coded, sample).mean()))

    @classmethod
    def load(cls, folder: Path) -> TokenCodec:
        centroids = np.load(folder / CODEBOOK, allow_pickle=False)
        rotation = np.load(folder / ROTATION, allow_pickle=False)
        calibration = float(json.loads((folder / SETTINGS).read_text(encoding="utf-8"))["calibration"])
        dimension = centroids.shape[0] * centroids.shape[2] if centroids.ndim == 3 else -1
        if centroids.shape[1:2] != (CENTROIDS,) or rotation.shape != (dimension, dimension) or not 0 < calibration <= 1:
            raise ValueError(f"not a token codebook: {centroids.shape}, {rotation.shape}, {calibration}")
        return cls(centroids.astype(np.float32), rotation.astype(np.float32), calibration)

    def save(self, folder: Path) -> None:
        np.save(folder / CODEBOOK, self.centroids, allow_pickle=False)
        np.save(folder / ROTATION, self.rotation, allow_pickle=False)
        settings = {"pieces": self.pieces, "centroids": CENTROIDS, "calibration": self.calibration}
        (folder / SETTINGS).write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")

    @property
    def pieces(self) -> int:
        return self.centroids.shape[0]

    @property
    def dimension(self) -> int:
        return self.centroids.shape[0] * self.centroids.shape[2]

    @cached_property
    def _faiss(self):
        import faiss

        quantiser = faiss.ProductQuantizer(self.dimension, self.pieces, 8)
        faiss.copy_array_to_vector(self.centroids.ravel(), quantiser.centroids)
        return quantiser

    @cached_property
    def _table(self) -> np.ndarray:
        """Every centroid as one row, piece after piece: row piece * 256 + code."""
        return np.ascontiguousarray(self.centroids.reshape(-1, self.centroids.shape[2]))

    @cached_property
    def _shift(self) -> np.ndarray:
        return np.arange(self.pieces, dtype=np.intp) * CENTROIDS

    def encode(self, vectors: np.ndarray) -> np.ndarray:
        """uint8 codes, one row of `pieces` per vector."""
        if not len(vectors):
            return np.zeros((0, self.pieces), dtype=np.uint8)
        return self._faiss.compute_codes(np.ascontiguousarray(np.asarray(vectors, dtype=np.float32) @ self.rotation.T))

    @cached_property
    def _squared_lengths(self) -> np.ndarray:
        return np.einsum("ij,ij->i", self._table, self._table)

    def similarities(self, queries: np.ndarray, codes: np.ndarray) -> np.ndarray:
        """Cosine of each query vector (rows) with each coded vector (columns).

        Measured on SQuAD's reranks (20 passages, ~3,000 tokens, 12 question tokens) at
        0.95x the time of the int8 product; decoding the vectors and one product took
        1.1-1.3x, lookup tables gathered and summed in numpy 2.7x or more."""
        from scipy.sparse import csr_matrix

        pieces, centroids, width = self.centroids.shape
        queries = (np.asarray(queries, dtype=np.float32) @ self.rotation.T) / np.float32(self.calibration)
        per_piece = queries.reshape(len(queries), pieces, width).transpose(1, 2, 0)
        tables = np.matmul(self.centroids, per_piece).reshape(pieces * centroids, len(queries))
        tables = np.hstack([tables, self._squared_lengths[:, None]])
        columns = (np.asarray(codes, dtype=np.int32) + self._shift.astype(np.int32)).ravel()
        starts = np.arange(0, len(columns) + 1, pieces, dtype=np.int32)
        chosen = csr_matrix((np.ones(len(columns), np.float32), columns, starts), shape=(len(codes), pieces * centroids))
        summed = chosen @ tables
        return (summed[:, :-1] / np.sqrt(np.maximum(summed[:, -1:], 1e-24))).T

    def vectors(self, codes: np.ndarray) -> np.ndarray:
        """The unit vectors the codes stand for, in the vectors' own space."""
        decoded = self.decode(codes) @ self.rotation
        return decoded / np.maximum(np.sqrt(np.einsum("ij,ij->i", decoded, decoded)), 1e-12)[:, None]

    def decode(self, codes: np.ndarray) -> np.ndarray:
        """The rotated vectors the codes stand for (not scaled to unit length)."""
        rows = np.asarray(codes, dtype=np.intp) + self._shift
        # np.take of whole centroid rows: measured 7x faster than fancy indexing here
        return np.take(self._table, rows, axis=0).reshape(len(rows), self.dimension)


def pieces_for(dimension: int) -> int:
    """`PIECES`, or the largest number below it that divides the dimension (pieces are equal)."""
    return next(p for p in range(min(PIECES, dimension), 0, -1) if dimension % p == 0)
