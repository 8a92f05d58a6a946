"""An independent, deliberately naive forward pass in float64 numpy for any stack the readers produce.

Written from the layer definitions (cross-correlation, zero padding, pooling windows), not from our
JAX code: the reference the JAX forward must match on networks other than TinyVGG.
"""

from __future__ import annotations

import numpy as np


def pad_amounts(padding, size: int, window: int, stride: int, axis: int) -> tuple[int, int]:
    if padding == "valid":
        return 0, 0
    if padding == "same":  # TensorFlow's rule: output ceil(size / stride), the odd pixel at the end
        out = -(-size // stride)
        total = max((out - 1) * stride + window - size, 0)
        return total // 2, total - total // 2
    return tuple(padding[axis])


def conv2d(x, kernel, bias, strides, padding, dilation):
    """x (H, W, Cin), kernel (kh, kw, Cin, Cout)."""
    kh, kw, _, cout = kernel.shape
    eh, ew = (kh - 1) * dilation[0] + 1, (kw - 1) * dilation[1] + 1
    (t, b), (left, r) = (pad_amounts(padding, x.shape[0], eh, strides[0], 0),
                      pad_amounts(padding, x.shape[1], ew, strides[1], 1))
    x = np.pad(x, ((t, b), (left, r), (0, 0)))
    out_h, out_w = (x.shape[0] - eh) // strides[0] + 1, (x.shape[1] - ew) // strides[1] + 1
    out = np.zeros((out_h, out_w, cout))
    for i in range(out_h):
        for j in range(out_w):
            patch = x[i * strides[0]:i * strides[0] + eh:dilation[0], j * strides[1]:j * strides[1] + ew:dilation[1]]
            out[i, j] = np.einsum("hwc,hwco->o", patch, kernel)
    return out + bias


def pool(x, op, size, strides, padding):
    """Max or mean over each window; padded pixels take no part (Keras, and ONNX by default)."""
    (t, b), (pad_left, r) = (pad_amounts(padding, x.shape[0], size[0], strides[0], 0),
                             pad_amounts(padding, x.shape[1], size[1], strides[1], 1))
    h, w = x.shape[0] + t + b, x.shape[1] + pad_left + r
    out_h, out_w = (h - size[0]) // strides[0] + 1, (w - size[1]) // strides[1] + 1
    out = np.zeros((out_h, out_w, x.shape[2]))
    for i in range(out_h):
        for j in range(out_w):
            top, left = i * strides[0] - t, j * strides[1] - pad_left
            window = x[max(top, 0):top + size[0], max(left, 0):left + size[1]]
            out[i, j] = window.max(axis=(0, 1)) if op == "max" else window.mean(axis=(0, 1))
    return out


def forward(arch, params, image) -> dict[str, np.ndarray]:
    """Every layer of one image (H, W, C) in [0, 1]; the last Dense layer's entry holds probabilities."""
    p = {k: {n: np.asarray(v, np.float64) for n, v in d.items()} for k, d in params.items()}
    x = np.asarray(image, np.float64)
    if arch.input_scale is not None:
        x = x * np.asarray(arch.input_scale) + np.asarray(arch.input_offset)
    out = {}
    for layer in arch.layers:
        if layer.kind == "conv":
            x = conv2d(x, p[layer.name]["kernel"], p[layer.name]["bias"], layer.strides, layer.padding, layer.dilation)
        elif layer.kind == "relu":
            x = np.maximum(x, 0)
        elif layer.kind == "pool":
            x = pool(x, layer.op, layer.pool_size, layer.strides, layer.padding)
        elif layer.kind == "flatten":
            x = (x.transpose(2, 0, 1) if arch.flatten_order == "chw" else x).reshape(-1)
        else:
            x = x @ p[layer.name]["kernel"] + p[layer.name]["bias"]
            if layer is arch.layers[-1]:
                out["logits"] = x
                e = np.exp(x - x.max())
                x = e / e.sum()
        out[layer.name] = x
    return out
