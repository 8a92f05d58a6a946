"""Every frame of the hyperparameter explorer, precomputed in numpy.

The explorer lets a reader pick an input size, padding, kernel size, stride and dilation and watch a
kernel slide over a small example input. The original's control ranges (FEATURES.md section 5) give
219 valid combinations at dilation 1; we add dilation 2 and 3. A combination is valid when the
(dilated) kernel fits in the padded input and (n + 2p - k_eff) / s + 1 is a whole number, where
k_eff = d(k - 1) + 1. Plain numpy, not JAX: jitting each of the shapes would recompile hundreds of times.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

MAX_INPUT = 7
MAX_DILATION = 3
SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Setting:
    input_size: int
    padding: int
    kernel_size: int
    stride: int
    dilation: int = 1

    @property
    def key(self) -> str:
        return f"{self.input_size},{self.padding},{self.kernel_size},{self.stride},{self.dilation}"

    @property
    def padded_size(self) -> int:
        return self.input_size + 2 * self.padding

    @property
    def effective_kernel(self) -> int:
        return self.dilation * (self.kernel_size - 1) + 1

    @property
    def output_size(self) -> int:
        return (self.padded_size - self.effective_kernel) // self.stride + 1


def stride_range(input_size: int, padding: int, kernel_size: int, dilation: int = 1) -> range:
    """The stride slider's range: 1 .. max(n + 2p - k_eff + 1, 2), as in the original (k_eff = k there)."""
    span = input_size + 2 * padding - (dilation * (kernel_size - 1) + 1)
    return range(1, max(span + 1, 2) + 1)


def validity_problem(setting: Setting) -> str | None:
    """Why a combination cannot be drawn, or None when it can; the explorer shows the same reasons."""
    n, p, k, s = setting.input_size, setting.padding, setting.kernel_size, setting.stride
    if not (1 <= n <= MAX_INPUT and 1 <= k <= n and 0 <= p <= k - 1 and 1 <= setting.dilation <= MAX_DILATION):
        return "out of range"
    if setting.effective_kernel > setting.padded_size:
        return "kernel larger than padded input"
    if s not in stride_range(n, p, k, setting.dilation):
        return "stride out of range"
    if (setting.padded_size - setting.effective_kernel) % s:
        return "stride does not fit"
    return None


def all_settings(max_dilation: int = MAX_DILATION) -> Iterator[Setting]:
    """Every combination the controls can reach, valid or not."""
    for dilation in range(1, max_dilation + 1):
        for n in range(1, MAX_INPUT + 1):
            for k in range(1, n + 1):
                for p in range(k):
                    for s in stride_range(n, p, k, dilation):
                        yield Setting(n, p, k, s, dilation)


def example_input() -> np.ndarray:
    """A fixed 7x7 grid of small integers; an n x n input is its top-left corner."""
    return (np.arange(MAX_INPUT * MAX_INPUT).reshape(MAX_INPUT, MAX_INPUT) * 7 % 10).astype(np.int64)


def example_kernel() -> np.ndarray:
    """A fixed 7x7 grid of -1, 0, 1; a k x k kernel is its top-left corner."""
    return (np.arange(MAX_INPUT * MAX_INPUT).reshape(MAX_INPUT, MAX_INPUT) % 3 - 1).astype(np.int64)


def frames(setting: Setting) -> list[list[int]]:
    """One [top, left, value] per output cell in row-major order: the window's top-left corner in
    padded-input coordinates and the output value (window cells are top + d*i, left + d*j)."""
    n, p, k, s, d = (setting.input_size, setting.padding, setting.kernel_size, setting.stride, setting.dilation)
    padded = np.pad(example_input()[:n, :n], p)
    kernel = example_kernel()[:k, :k]
    m = setting.output_size
    tops = np.arange(m) * s
    # (m, m, k, k) windows gathered at once: rows top + d*i, cols left + d*j.
    rows = tops[:, None, None, None] + d * np.arange(k)[None, None, :, None]
    cols = tops[None, :, None, None] + d * np.arange(k)[None, None, None, :]
    windows = padded[rows, cols]
    values = (windows * kernel).sum(axis=(2, 3))
    return [[int(tops[i]), int(tops[j]), int(values[i, j])] for i in range(m) for j in range(m)]


def explorer_data() -> dict:
    """The JSON the explorer loads: the example grids and the frames of every valid combination."""
    settings = [s for s in all_settings() if validity_problem(s) is None]
    return {
        "version": SCHEMA_VERSION,
        "max_input": MAX_INPUT,
        "max_dilation": MAX_DILATION,
        "input": example_input().tolist(),
        "kernel": example_kernel().tolist(),
        "settings": {s.key: {"padded": s.padded_size, "output": s.output_size, "frames": frames(s)}
                     for s in settings},
    }
