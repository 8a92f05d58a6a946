"""The original's colour scales (d3-scale-chromatic) as 256-entry tables, computed once at build time.

The page paints heatmaps through these tables and the Vega legends take their stops from the
same tables, so a legend can never disagree with the maps it explains. d3's interpolators
(interpolateRdBu, interpolateGreys, interpolateOranges, interpolateBrBG for the detail views'
kernels) run a uniform B-spline through the ColorBrewer colours; `basis_spline` is that spline,
ported from d3-interpolate.
"""

from __future__ import annotations

import numpy as np

LUT_SIZE = 256

# ColorBrewer schemes exactly as d3-scale-chromatic lists them for its continuous interpolators.
SCHEMES = {
    "RdBu": "67001fb2182bd6604df4a582fddbc7f7f7f7d1e5f092c5de4393c32166ac053061",
    "Greys": "fffffff0f0f0d9d9d9bdbdbd969696737373525252252525000000",
    "Oranges": "fff5ebfee6cefdd0a2fdae6bfd8d3cf16913d94801a636037f2704",
    "BrBG": "5430058c510abf812ddfc27df6e8c3f5f5f5c7eae580cdc135978f01665e003c30",  # kernel weights
}


def _colours(hex_string: str) -> np.ndarray:
    return np.array([[int(hex_string[i + j:i + j + 2], 16) for j in (0, 2, 4)]
                     for i in range(0, len(hex_string), 6)], dtype=np.float64)


def basis_spline(values: np.ndarray, t: np.ndarray) -> np.ndarray:
    """d3.interpolateBasis for every column of `values` (n+1 control points) at each t in [0, 1]."""
    n = len(values) - 1
    t = np.clip(t, 0.0, 1.0)
    i = np.minimum(np.floor(t * n).astype(int), n - 1)
    v1, v2 = values[i], values[i + 1]
    v0 = np.where((i > 0)[:, None], values[np.maximum(i - 1, 0)], 2 * v1 - v2)
    v3 = np.where((i < n - 1)[:, None], values[np.minimum(i + 2, n)], 2 * v2 - v1)
    s = ((t - i / n) * n)[:, None]
    s2, s3 = s * s, s * s * s
    return ((1 - 3 * s + 3 * s2 - s3) * v0 + (4 - 6 * s2 + 3 * s3) * v1
            + (1 + 3 * s + 3 * s2 - 3 * s3) * v2 + s3 * v3) / 6


def lut(scheme: str, size: int = LUT_SIZE) -> list[str]:
    """`size` colours as "#rrggbb", from t = 0 to t = 1, rounded as d3.rgb rounds."""
    rgb = basis_spline(_colours(SCHEMES[scheme]), np.linspace(0.0, 1.0, size))
    bytes_ = np.clip(np.floor(rgb + 0.5), 0, 255).astype(int)
    return ["#{:02x}{:02x}{:02x}".format(*row) for row in bytes_]


def palettes() -> dict[str, list[str]]:
    """Every table the page uses, keyed by the d3 scheme name."""
    return {name: lut(name) for name in SCHEMES}
