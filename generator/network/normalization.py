"""An input normalisation given beside the model: PyTorch's `transforms.Normalize(mean, std)`.

A PyTorch model trained on normalised pixels expects `(pixels - mean) / std` per channel, but an ONNX
export does not record it (the transform runs in the data loader, not in the network), so the user
gives it on the command line (`--normalize MEAN STD`) or in site.toml (`normalize = {mean = [...],
std = [...]}`). It becomes the description's input_scale and input_offset, which the JAX forward,
the data files and the page's own forward pass all apply; the input column still shows the
picture's own pixels.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..errors import InputError
from .description import Network

Normalization = tuple[tuple[float, ...], tuple[float, ...]]  # (mean, std), one value or one per channel


def parse_normalization(source: str | Path, mean: Any, std: Any) -> Normalization:
    """Two lists of numbers (or comma-separated text, as typed after --normalize) as (mean, std)."""
    def numbers(name: str, value: Any) -> tuple[float, ...]:
        if isinstance(value, str):
            value = value.split(",")
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = [value]
        try:
            parsed = tuple(float(v) for v in value)
        except (TypeError, ValueError):
            raise InputError(source, f"normalisation {name} must be numbers (one, or one per channel), "
                                     f"got {value!r}") from None
        if not parsed or len(parsed) > 3 or not all(math.isfinite(v) for v in parsed):
            raise InputError(source, f"normalisation {name} must be 1 or 3 finite numbers, got {value!r}")
        return parsed

    mean_values, std_values = numbers("mean", mean), numbers("std", std)
    if any(v <= 0 for v in std_values):
        raise InputError(source, f"normalisation std must be positive, got {std_values}")
    return mean_values, std_values


def normalized(network: Network, normalization: Normalization | None, source: str | Path) -> Network:
    """`network` taking `(pixels - mean) / std` per channel; unchanged for None."""
    if normalization is None:
        return network
    arch = network.architecture
    if arch.input_scale is not None or arch.input_offset is not None:
        raise InputError(source, "the model normalises its input itself (a Rescaling or Normalization layer); "
                                 "give no --normalize for it")
    channels = arch.input_shape[2]
    mean, std = (values * channels if len(values) == 1 else values for values in normalization)
    if len(mean) != channels or len(std) != channels:
        raise InputError(source, f"normalisation gives {len(normalization[0])} mean and {len(normalization[1])} "
                                 f"std values for a model with {channels} input channel(s); give 1 or {channels}")
    scale = tuple(1.0 / s for s in std)
    offset = tuple(-m / s for m, s in zip(mean, std, strict=True))
    return replace(network, architecture=replace(arch, input_scale=scale, input_offset=offset))
