"""precompute: layer maps, colour ranges and network data, against independent expectations."""

from __future__ import annotations

import numpy as np
import pytest
from cnn_explainer.images import load_image
from cnn_explainer.model import forward
from cnn_explainer.precompute import (
    MAP_LAYERS,
    SCALE_MODES,
    blocks,
    color_ranges,
    precompute_network,
    precompute_samples,
    robust_range,
    round3,
    two_significant,
)
from cnn_explainer.resources import CONTENT, WEIGHTS
from conftest import REFERENCE, needs
from numpy_tinyvgg import tinyvgg

MAP_NAMES = [layer.name for layer in MAP_LAYERS]


def _maps(peaks: dict[str, float]) -> dict[str, np.ndarray]:
    """Synthetic maps whose largest |value| per layer is peaks[layer] (or 0.5)."""
    maps = {}
    for layer in MAP_LAYERS:
        h, w, c = layer.output_shape
        m = np.zeros((c, h, w), np.float32)
        m[0, 0, 0] = -peaks.get(layer.name, 0.5)
        maps[layer.name] = m
    return maps


def test_blocks_end_at_pool_layers():
    assert blocks() == [MAP_NAMES[:5], MAP_NAMES[5:]]


@pytest.mark.parametrize(("x", "expected"), [(1.2344, 1.234), (1.2346, 1.235), (0.0, 0.0), (2.0, 2.0)],
                         ids=["down", "up", "zero", "integer"])
def test_round3_rounds_to_three_decimals(x, expected):
    assert round3(x) == pytest.approx(expected, abs=1e-12)


def test_round3_rounds_halves_up_like_javascript():
    assert round3(0.0625) == 0.063  # Python's round() would give 0.062


def test_unit_range_is_set_by_conv_layers_and_inherited_by_relu_and_pool():
    ranges = color_ranges(_maps({"conv_1_1": 1.0, "relu_1_1": 9.0, "conv_1_2": 2.0, "conv_2_1": 3.0,
                                 "conv_2_2": 4.0}))["unit"]
    assert ranges["conv_1_1"] == ranges["relu_1_1"] == pytest.approx(2.2)  # relu's own 9.0 is ignored
    assert ranges["conv_1_2"] == ranges["relu_1_2"] == ranges["max_pool_1"] == pytest.approx(4.2)
    assert ranges["conv_2_1"] == ranges["relu_2_1"] == pytest.approx(6.2)
    assert ranges["conv_2_2"] == ranges["relu_2_2"] == ranges["max_pool_2"] == pytest.approx(8.2)


def test_module_and_global_ranges_take_the_largest_unit_range():
    ranges = color_ranges(_maps({"conv_1_1": 3.0, "conv_1_2": 1.0, "conv_2_1": 0.5, "conv_2_2": 2.0}))
    assert all(ranges["module"][n] == pytest.approx(6.2) for n in MAP_NAMES[:5])
    assert all(ranges["module"][n] == pytest.approx(4.2) for n in MAP_NAMES[5:])
    assert all(ranges["global"][n] == pytest.approx(6.2) for n in MAP_NAMES)
    assert all(ranges[mode]["input"] == 1.0 for mode in SCALE_MODES)


@needs(REFERENCE)
def test_ranges_match_the_originals_espresso_example(reference_model):
    """FEATURES.md 2.7: the original's local ranges for espresso_1 are 3.114 / 5.644 / 9.336 / 11.518."""
    image = load_image(REFERENCE / "images" / "espresso_1.jpeg")[None]
    outputs = {k: np.asarray(v) for k, v in forward(reference_model.params, image).items()}
    (sample,) = precompute_samples(["espresso"], ["espresso"], image, outputs)
    unit = [sample.ranges["unit"][n] for n in ("conv_1_1", "conv_1_2", "conv_2_1", "conv_2_2")]
    assert unit == pytest.approx([3.114, 5.644, 9.336, 11.518], abs=1e-9)
    assert sample.ranges["module"]["relu_1_1"] == pytest.approx(5.644)
    assert sample.ranges["module"]["conv_2_1"] == pytest.approx(11.518)
    assert sample.ranges["global"]["conv_1_1"] == pytest.approx(11.518)



def _spread(size: int, counts: dict[float, int], seed: int = 0) -> np.ndarray:
    """`size` values: counts[m] of them have magnitude m (random signs), the rest are 0, shuffled."""
    rng = np.random.default_rng(seed)
    values = np.zeros(size, np.float32)
    start = 0
    for magnitude, count in counts.items():
        values[start:start + count] = magnitude
        start += count
    return (rng.permutation(values) * rng.choice([-1, 1], size)).astype(np.float32)


@pytest.mark.parametrize(("counts", "expected"), [
    ({0.5: 300, 7.0: 100}, 1.0),  # 4% at 0.5 or more, 1% outliers at 7: the outliers do not set the range
    ({0.2345: 10_000}, 0.46),  # every value 0.2345: R/2 is it, to two significant digits
    ({0.3: 50, 0.9: 1}, 1.8),  # 99.5% zeros: the 98th percentile is 0, so the largest value shows instead
    ({}, 0.002),  # all zero: the smallest range, still positive
], ids=["outliers", "constant", "sparse", "zero"])
def test_layer_mode_range_is_twice_the_98th_percentile(counts, expected):
    assert robust_range(_spread(10_000, counts)) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(("x", "expected"), [(0.125, 0.13), (1.25, 1.3), (9.96, 10.0), (0.0012345, 0.0012),
                                             (123.4, 120.0), (0.1849, 0.18)],
                         ids=["half-up-small", "half-up", "carry", "tiny", "large", "down"])
def test_two_significant_rounds_halves_up_like_javascript_toprecision(x, expected):
    assert two_significant(x) == expected  # Python's round(1.25, 1) gives 1.2: to even, not up


@pytest.mark.slow
def test_layer_ranges_on_the_default_weights_follow_the_documented_rule():
    """docs/data-format.md: R/2 is the 98th percentile of |v| of each layer, to two significant digits."""
    from cnn_explainer.config import load_config
    from cnn_explainer.weights import load_model

    model = load_model(WEIGHTS)
    samples = load_config(CONTENT).samples
    images = np.stack([load_image(s.path) for s in samples])
    outputs = {k: np.asarray(v) for k, v in forward(model.params, images).items()}
    for sample in precompute_samples([s.id for s in samples], [s.id for s in samples], images, outputs):
        for name in MAP_NAMES:
            half = sample.ranges["layer"][name] / 2
            percentile = np.percentile(np.abs(sample.maps[name]), 98, method="inverted_cdf")
            assert float(f"{half:.2g}") == half, (sample.id, name, half)  # two significant digits
            assert abs(half - percentile) <= 0.05 * percentile, (sample.id, name, half, percentile)
        assert sample.ranges["layer"]["input"] == 1.0


@needs(REFERENCE)
def test_sample_maps_are_the_numpy_reference_channel_first(reference_model):
    names = ["boat_1", "koala_1"]
    images = np.stack([load_image(REFERENCE / "images" / f"{n}.jpeg") for n in names])
    outputs = {k: np.asarray(v) for k, v in forward(reference_model.params, images).items()}
    samples = precompute_samples(names, names, images, outputs)
    for b, sample in enumerate(samples):
        expected = tinyvgg(reference_model.params, images[b])
        for name in MAP_NAMES:
            h, w, c = expected[name].shape
            assert sample.maps[name].shape == (c, h, w)
            np.testing.assert_allclose(sample.maps[name], np.transpose(expected[name], (2, 0, 1)), atol=1e-4)
        np.testing.assert_allclose(sample.logits, expected["logits"], atol=1e-4)
        np.testing.assert_allclose(sample.probabilities, expected["output"], atol=1e-5)
        assert sample.top1 == int(np.argmax(expected["output"]))
        np.testing.assert_array_equal(sample.input, np.transpose(np.rint(images[b] * 255), (2, 0, 1)))


def test_precompute_rejects_images_of_the_wrong_shape():
    with pytest.raises(ValueError, match="shape"):
        precompute_samples(["a"], ["a"], np.zeros((1, 32, 32, 3), np.float32), {})


def test_network_keeps_every_weight_as_float32(reference_model):
    network = precompute_network(reference_model.params, reference_model.class_names)
    assert network.class_names == reference_model.class_names
    assert set(network.weights) == {"conv_1_1", "conv_1_2", "conv_2_1", "conv_2_2", "output"}
    for name, entry in network.weights.items():
        assert entry["kernel"].dtype == np.float32
        np.testing.assert_array_equal(entry["kernel"], reference_model.params[name]["kernel"])


# --- any network the readers accept ----------------------------------------------------------------------------

def _three_blocks_model():
    import jax
    from cnn_explainer.model import init_params
    from cnn_explainer.network.description import Network
    from test_network import THREE_BLOCKS

    params = {k: {n: np.asarray(v) for n, v in d.items()}
              for k, d in init_params(jax.random.PRNGKey(5), THREE_BLOCKS).items()}
    from cnn_explainer.weights import with_site_names

    return with_site_names(Network(params, tuple(f"d{i}" for i in range(7)), architecture=THREE_BLOCKS))


def test_another_networks_maps_are_its_layers_channel_first():
    """Three greyscale blocks (dilation, stride 2, overlapping average pooling): every map vs numpy_network."""
    from cnn_explainer.model import compiled_forward
    from numpy_network import forward as numpy_forward

    network = _three_blocks_model()
    arch = network.architecture
    images = np.random.default_rng(1).random((2, 36, 36, 1)).astype(np.float32)
    outputs = {k: np.asarray(v) for k, v in compiled_forward(arch)(network.params, images).items()}
    samples = precompute_samples(["a", "b"], ["a", "b"], images, outputs, arch)
    for b, sample in enumerate(samples):
        expected = numpy_forward(arch, network.params, images[b])
        assert list(sample.maps) == ["conv_1_1", "relu_1_1", "max_pool_1", "conv_2_1", "relu_2_1", "avg_pool_2",
                                     "conv_3_1", "relu_3_1", "max_pool_3"]
        assert sample.input.shape == (1, 36, 36)
        for name, maps in sample.maps.items():
            np.testing.assert_allclose(maps, np.transpose(expected[name], (2, 0, 1)), atol=1e-5, err_msg=name)
        np.testing.assert_allclose(sample.probabilities, expected["output"], atol=1e-6)
        assert set(sample.ranges["module"]) == {"input", *sample.maps}
        block = ("conv_1_1", "relu_1_1", "max_pool_1")
        assert sample.ranges["module"]["conv_1_1"] == max(sample.ranges["unit"][n] for n in block)


def test_a_hidden_dense_layer_is_a_column_of_one_pixel_maps():
    from cnn_explainer.network.description import Architecture, Conv2D, Dense, Flatten, ReLU

    arch = Architecture((10, 10, 3), (Conv2D("c", 2, (3, 3)), ReLU("r"), Flatten("f"), Dense("h", 6), ReLU("hr"),
                                      Dense("output", 3)))
    rng = np.random.default_rng(0)
    outputs = {"c": rng.normal(size=(1, 8, 8, 2)), "r": rng.random((1, 8, 8, 2)), "f": rng.random((1, 128)),
               "h": np.array([[-3.0, -1, 0, 1, 2, 0.5]]), "hr": np.array([[0.0, 0, 0, 1, 2, 0.5]]),
               "output": np.full((1, 3), 1 / 3), "logits": np.zeros((1, 3))}
    (sample,) = precompute_samples(["x"], ["x"], np.zeros((1, 10, 10, 3), np.float32), outputs, arch)
    assert list(sample.maps) == ["c", "r", "h", "hr"]
    assert sample.maps["h"].shape == (6, 1, 1) and sample.maps["h"][:, 0, 0].tolist() == [-3, -1, 0, 1, 2, 0.5]
    # A hidden Dense layer starts a range of its own in the original's modes, as a convolution does.
    assert sample.ranges["unit"]["h"] == sample.ranges["unit"]["hr"] == 2 * (0.1 + 3.0)
