"""A site built with --normalize: the page's own forward pass (network.js) normalises the reader's image
as the build does, and both equal onnxruntime on the normalised pixels."""

from __future__ import annotations

import numpy as np
import pytest
from cnn_explainer.build import BuildOptions, build_site
from cnn_explainer.images import load_image
from test_normalization import FIXTURE, MEAN, STD, _onnxruntime

from .conftest import CONTENT
from .test_own_networks import DECODED, _open

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def test_an_upload_to_a_normalized_site_equals_onnxruntime(browser, tmp_path):
    site = tmp_path / "site"
    build_site(BuildOptions(content=CONTENT, weights=FIXTURE, out=site, normalize=((MEAN,), (STD,))))
    photo = CONTENT / "samples" / "koala.png"
    context, page, errors = _open(browser, site)
    page.set_input_files("input[type=file][data-role=upload]", str(photo))
    page.wait_for_selector('[data-role=overview][data-drawn^="own-1|"]', state="attached", timeout=15_000)
    got = page.evaluate(DECODED, "own-1")
    image = load_image(photo, (28, 28, 1))
    assert got["codes"] == np.rint(np.transpose(image, (2, 0, 1)) * 255).astype(int).ravel().tolist()  # own pixels
    expected = _onnxruntime(image[None])[0]
    assert np.abs(np.asarray(got["probabilities"]) - expected).max() <= 1e-4
    assert not errors
    context.close()
