"""The JAX TinyVGG against an independent numpy implementation and the original model's own predictions."""

from __future__ import annotations

import jax
import numpy as np
import pytest
from cnn_explainer.images import load_image
from cnn_explainer.model import LAYER_NAMES, LAYERS, PARAM_COUNT, forward, init_params
from conftest import ORIGINAL_TOP1, REFERENCE
from numpy_tinyvgg import tinyvgg


def test_parameter_count_matches_the_original():
    assert PARAM_COUNT == 19_920


def test_layer_names_are_the_originals():
    assert LAYER_NAMES == ("conv_1_1", "relu_1_1", "conv_1_2", "relu_1_2", "max_pool_1", "conv_2_1",
                           "relu_2_1", "conv_2_2", "relu_2_2", "max_pool_2", "flatten", "output")


def test_every_layer_matches_numpy_reference(reference_model):
    names = ["boat_1", "espresso_1", "panda_3"]  # panda_3 is greyscale
    images = np.stack([load_image(REFERENCE / "images" / f"{n}.jpeg") for n in names])
    outputs = forward(reference_model.params, images)
    for b in range(len(names)):
        expected = tinyvgg(reference_model.params, images[b])
        for layer in (*LAYER_NAMES, "logits"):
            got = np.asarray(outputs[layer][b])
            np.testing.assert_allclose(got, expected[layer], atol=1e-5, rtol=1e-5, err_msg=f"{names[b]} {layer}")


def test_output_shapes_follow_the_layer_table():
    params = init_params(jax.random.PRNGKey(0))
    outputs = forward(params, np.zeros((2, 64, 64, 3), np.float32))
    for layer in LAYERS:
        assert outputs[layer.name].shape == (2, *layer.output_shape), layer.name
    assert outputs["logits"].shape == (2, 10)


def test_random_weights_match_numpy_reference():
    params = init_params(jax.random.PRNGKey(3))
    image = np.random.default_rng(0).random((1, 64, 64, 3), dtype=np.float32)
    got = forward(params, image)
    expected = tinyvgg(params, image[0])
    for layer in (*LAYER_NAMES, "logits"):
        np.testing.assert_allclose(np.asarray(got[layer][0]), expected[layer], atol=1e-5, rtol=1e-5, err_msg=layer)


@pytest.mark.parametrize(("folder", "suffix"), [("images", "jpeg"), ("decoded", "png")],
                         ids=["pillow-jpeg", "browser-pixels"])
def test_top1_equals_the_original_on_its_samples(reference_model, folder, suffix):
    names = list(ORIGINAL_TOP1)
    images = np.stack([load_image(REFERENCE / folder / f"{n}.{suffix}") for n in names])
    probs = np.asarray(forward(reference_model.params, images)["output"])
    got = {n: reference_model.class_names[int(np.argmax(p))] for n, p in zip(names, probs)}
    assert got == ORIGINAL_TOP1
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)
