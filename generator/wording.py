"""Counted nouns for what the commands print: "1 image", "2 images", never "1 images" or "image(s)"."""

from __future__ import annotations


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """`count` and the noun in agreement; `plural` for nouns that take more than an "s"."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"
