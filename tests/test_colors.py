"""colors: the tables equal d3-scale-chromatic's interpolators at known points."""

from __future__ import annotations

import numpy as np
import pytest
from cnn_explainer.colors import SCHEMES, basis_spline, lut


@pytest.mark.parametrize(("scheme", "first", "last"), [
    ("RdBu", "#67001f", "#053061"), ("Greys", "#ffffff", "#000000"), ("Oranges", "#fff5eb", "#7f2704"),
    ("BrBG", "#543005", "#003c30"),
], ids=list(SCHEMES))
def test_tables_run_from_the_first_to_the_last_brewer_colour(scheme, first, last):
    table = lut(scheme)
    assert len(table) == 256 and table[0] == first and table[-1] == last


def test_rdbu_middle_is_d3s_off_white():
    # d3.interpolateRdBu(0.5) == "rgb(242, 239, 238)": the spline averages the neighbours of #f7f7f7
    assert lut("RdBu", size=3)[1] == "#f2efee"


def test_basis_spline_passes_near_control_points_and_is_smooth():
    values = np.array([[0.0], [10.0], [0.0], [10.0]])
    t = np.linspace(0, 1, 301)
    curve = basis_spline(values, t)[:, 0]
    assert curve[0] == pytest.approx(0.0) and curve[-1] == pytest.approx(10.0)  # clamped ends, as d3
    assert np.abs(np.diff(curve)).max() < 0.5
