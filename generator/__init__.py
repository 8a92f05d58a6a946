"""cnn-explainer: builds a static, offline CNN Explainer site from a JAX TinyVGG."""

__version__ = "0.1.0"
