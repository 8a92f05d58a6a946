"""An independent, deliberately naive TinyVGG in float64 numpy: the reference the JAX model must match."""

from __future__ import annotations

import numpy as np


def conv_valid(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """x (H, W, Cin), kernel (3, 3, Cin, Cout) -> (H-2, W-2, Cout); cross-correlation as in Keras."""
    kh, kw, _, cout = kernel.shape
    out_h, out_w = x.shape[0] - kh + 1, x.shape[1] - kw + 1
    out = np.zeros((out_h, out_w, cout))
    for i in range(kh):
        for j in range(kw):
            out += np.einsum("hwc,co->hwo", x[i:i + out_h, j:j + out_w, :], kernel[i, j])
    return out + bias


def max_pool_2x2(x: np.ndarray) -> np.ndarray:
    h, w, c = x.shape
    x = x[: h // 2 * 2, : w // 2 * 2]
    return x.reshape(h // 2, 2, w // 2, 2, c).max(axis=(1, 3))


def tinyvgg(params: dict, image: np.ndarray) -> dict[str, np.ndarray]:
    """Every layer of one image (64, 64, 3), in float64."""
    p = {k: {n: np.asarray(v, np.float64) for n, v in d.items()} for k, d in params.items()}
    out = {}
    x = np.asarray(image, np.float64)
    out["conv_1_1"] = x = conv_valid(x, p["conv_1_1"]["kernel"], p["conv_1_1"]["bias"])
    out["relu_1_1"] = x = np.maximum(x, 0)
    out["conv_1_2"] = x = conv_valid(x, p["conv_1_2"]["kernel"], p["conv_1_2"]["bias"])
    out["relu_1_2"] = x = np.maximum(x, 0)
    out["max_pool_1"] = x = max_pool_2x2(x)
    out["conv_2_1"] = x = conv_valid(x, p["conv_2_1"]["kernel"], p["conv_2_1"]["bias"])
    out["relu_2_1"] = x = np.maximum(x, 0)
    out["conv_2_2"] = x = conv_valid(x, p["conv_2_2"]["kernel"], p["conv_2_2"]["bias"])
    out["relu_2_2"] = x = np.maximum(x, 0)
    out["max_pool_2"] = x = max_pool_2x2(x)
    out["flatten"] = x = x.reshape(-1)
    out["logits"] = logits = x @ p["output"]["kernel"] + p["output"]["bias"]
    e = np.exp(logits - logits.max())
    out["output"] = e / e.sum()
    return out
