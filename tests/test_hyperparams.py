"""The hyperparameter explorer's frames against a brute-force convolution written out in loops."""

from __future__ import annotations

import pytest
from cnn_explainer.hyperparams import (
    Setting,
    all_settings,
    example_input,
    example_kernel,
    explorer_data,
    validity_problem,
)


def brute_force(n: int, p: int, k: int, s: int, d: int) -> list[tuple[int, int, int]]:
    """(top, left, value) per output cell, by walking the padded input one position at a time."""
    image = example_input()[:n, :n].tolist()
    kernel = example_kernel()[:k, :k].tolist()
    size = n + 2 * p

    def pixel(r: int, c: int) -> int:
        return image[r - p][c - p] if p <= r < n + p and p <= c < n + p else 0

    out = []
    top = 0
    while top + d * (k - 1) < size:
        left = 0
        while left + d * (k - 1) < size:
            total = 0
            for i in range(k):
                for j in range(k):
                    total += pixel(top + d * i, left + d * j) * kernel[i][j]
            out.append((top, left, total))
            left += s
        top += s
    return out


def test_original_ranges_give_219_settings_and_4369_frames():
    valid = [s for s in all_settings(max_dilation=1) if validity_problem(s) is None]
    assert len(valid) == 219
    assert sum(s.output_size ** 2 for s in valid) == 4369


def test_every_frame_matches_brute_force():
    data = explorer_data()
    assert len(data["settings"]) > 219  # dilation 2 and 3 add more
    for key, entry in data["settings"].items():
        n, p, k, s, d = map(int, key.split(","))
        expected = brute_force(n, p, k, s, d)
        assert [tuple(f) for f in entry["frames"]] == expected, key
        assert entry["output"] ** 2 == len(expected)
        assert entry["padded"] == n + 2 * p


@pytest.mark.parametrize(("setting", "problem"), [
    (Setting(5, 0, 2, 2), "stride does not fit"),      # (5 - 2) / 2 + 1 is not whole
    (Setting(6, 1, 3, 3), "stride does not fit"),      # (8 - 3) / 3 + 1 is not whole
    (Setting(3, 0, 3, 1, dilation=2), "kernel larger than padded input"),  # a 5-wide dilated kernel
    (Setting(4, 0, 5, 1), "out of range"),             # kernel bigger than the input
    (Setting(5, 2, 2, 1), "out of range"),             # padding must stay below the kernel size
], ids=["stride-2", "stride-3", "dilated-too-wide", "kernel-too-big", "padding-too-big"])
def test_invalid_combinations_are_rejected(setting, problem):
    assert validity_problem(setting) == problem
    assert setting.key not in explorer_data()["settings"]


def test_valid_combination_is_accepted():
    assert validity_problem(Setting(5, 1, 3, 2)) is None
    assert validity_problem(Setting(7, 0, 3, 2, dilation=2)) is None
