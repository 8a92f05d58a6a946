"""The test zoo's Keras 3 network, made by Keras itself: colour input that is not 64x64, same padding,
16 filters, a stride-2 3x5 convolution, average pooling, a hidden Dense layer and 5 classes (issue 12)."""

from __future__ import annotations

from typing import Any


def keras_zoo_model(keras: Any) -> Any:
    """The model, with seeded random weights (KERAS_BACKEND must be set before keras is imported)."""
    layers = keras.layers
    keras.utils.set_random_seed(1)
    return keras.Sequential([
        keras.Input((40, 48, 3)),
        layers.Conv2D(16, 3, padding="same", activation="relu"),
        layers.Conv2D(16, (3, 5), strides=2, padding="same"),
        layers.ReLU(),
        layers.AveragePooling2D(2, padding="same"),
        layers.Conv2D(8, 3),
        layers.Activation("relu"),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dropout(0.2),
        layers.Dense(32, activation="relu"),
        layers.Dense(5, activation="softmax"),
    ])
