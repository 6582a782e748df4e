"""Random streams: the one scheme of docs/model.md section 11.

All draws come from ``numpy.random.Generator(PCG64)`` streams derived from a
single root seed. Replicates are grouped in fixed blocks of
:data:`BLOCK_SIZE` = 8192 (the last block may be shorter) and block ``b``
draws from ``SeedSequence(root_seed, spawn_key=(b,))``. The same block
streams serve every parameter cell and every protocol (common random
numbers), so results are bit-identical whatever the batch size (a batch is a
set of whole blocks), the order of cells or the number of workers.

Actor types (docs/model.md section 12.1) come from a second stream per block,
``SeedSequence(root_seed, spawn_key=(b, 1))`` (:func:`type_generator`): the
types drawn at the start of each replicate and, with type turnover, the
redraws of every round. The round draws of section 11 are untouched by it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

__all__ = [
    "BLOCK_SIZE",
    "Block",
    "as_generator",
    "block_generator",
    "blocks",
    "draw_root_seed",
    "type_generator",
]

BLOCK_SIZE = 8192
"""Replicates per random block (docs/model.md section 11)."""


@dataclass(frozen=True)
class Block:
    """One fixed block of replicates: index ``b`` and replicates ``[start, stop)``."""

    index: int
    start: int
    stop: int

    @property
    def size(self) -> int:
        return self.stop - self.start


def blocks(reps: int, block_size: int = BLOCK_SIZE) -> list[Block]:
    """Split ``reps`` replicates into the fixed blocks of docs/model.md section 11."""
    if reps < 0:
        raise ValueError(f"reps must be >= 0, got {reps}")
    return [
        Block(b, start, min(start + block_size, reps))
        for b, start in enumerate(range(0, reps, block_size))
    ]


def block_generator(root_seed: int, block: int) -> np.random.Generator:
    """The stream of block ``block``: ``PCG64(SeedSequence(root_seed, spawn_key=(block,)))``."""
    return np.random.Generator(
        np.random.PCG64(np.random.SeedSequence(root_seed, spawn_key=(block,)))
    )


def type_generator(root_seed: int, block: int) -> np.random.Generator:
    """Block ``block``'s type stream: ``PCG64(SeedSequence(root_seed, spawn_key=(block, 1)))``.

    docs/model.md section 12.1: per replicate, ``random((2, n))`` (actor A then
    B; trustworthy iff the draw is below ``p_i``), then, when type turnover is
    on, ``random((2, 2, n))`` every round of the block (actor; ``u1`` then
    ``u2``). Independent of the round stream :func:`block_generator`.
    """
    return np.random.Generator(
        np.random.PCG64(np.random.SeedSequence(root_seed, spawn_key=(block, 1)))
    )


def iter_block_generators(
    root_seed: int, reps: int
) -> Iterator[tuple[Block, np.random.Generator]]:
    """Yield ``(block, generator)`` for every block of ``reps`` replicates."""
    for blk in blocks(reps):
        yield blk, block_generator(root_seed, blk.index)


def draw_root_seed() -> int:
    """Draw a fresh root seed (63 bits) from the operating system's entropy."""
    return int.from_bytes(os.urandom(8), "little") >> 1


def as_generator(rng: int | np.random.Generator | None) -> np.random.Generator:
    """Turn an int seed, ``None`` (fresh entropy) or a Generator into a Generator.

    ``0`` is a valid seed (never tested for truthiness).
    """
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        return np.random.default_rng()
    return np.random.default_rng(int(rng))
