"""Turn any image file Pillow can read into the network's input: a (64, 64, 3) float32 array in [0, 1].

The rules, in order (docs/preprocessing.md says the same for readers of the site):
1. The first frame of animated or multi-frame files is used.
2. EXIF orientation is applied, so photos are upright.
3. Any mode becomes 8-bit RGB. 16-bit and 32-bit greyscale are scaled to 8 bits (not clipped);
   transparency (an alpha channel, a transparent palette entry or colour) is composited over white,
   with the same integer arithmetic as the page (templates/static/preprocess.js), so a picture
   with a transparent half is the same picture in `predict` and in the browser.
4. An image that is already 64x64 is used pixel for pixel (the original's own behaviour).
   Anything else is centre-cropped to a square and resized to 64x64 with Pillow's bilinear
   filter (antialiased when shrinking); images smaller than 64 px are upscaled, not rejected.
5. Values are byte / 255, in float32 (equal to the original's Math.fround(byte / 255)).

JPEGs are decoded at a reduced size (Pillow's `draft`: 1/2, 1/4 or 1/8 scale in the DCT) that
keeps the centre square at least 8 times the 64 pixels it becomes, so an 8000x8000 photo takes a
fraction of the memory and time and gives, to within a level or two, what a full decode gives. Formats
that must be decoded whole (PNG, TIFF, ...) are refused over MAX_PIXELS, before decoding.
"""

from __future__ import annotations

import threading
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, JpegImagePlugin, UnidentifiedImageError

from .errors import InputError
from .model import INPUT_SHAPE

SIZE = INPUT_SHAPE[0]
# What a folder of images may hold: the suffixes `build --images DIR` and `train --data DIR` pick up.
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp", ".tif", ".tiff")
MAX_PIXELS = 50_000_000  # refuse "image bombs" before decoding them (a JPEG: after reducing it)
DRAFT_SIDE = 8 * SIZE  # a JPEG's centre square is decoded at no less than this many pixels a side
_OPENING = threading.Lock()  # Pillow's own pixel limit is a global: lifted only while we open a file
RESAMPLE = Image.Resampling.BILINEAR


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        # Pillow's own convert() clips 16-bit values at 255; scale the full range instead.
        values = np.asarray(image, dtype=np.float64)
        top = 65535.0 if image.mode.startswith("I;16") or values.max() > 255 else 255.0
        grey = np.clip(np.rint(values * (255.0 / top)), 0, 255).astype(np.uint8)
        return Image.fromarray(grey, "L").convert("RGB")
    if image.mode == "F":
        grey = np.clip(np.rint(np.asarray(image) * 255.0), 0, 255).astype(np.uint8)
        return Image.fromarray(grey, "L").convert("RGB")
    if image.has_transparency_data:
        return over_white(image)
    return image.convert("RGB")


def over_white(image: Image.Image) -> Image.Image:
    """Composite an image with transparency over white: (colour * alpha + 255 * (255 - alpha)) / 255, rounded.

    The page (preprocess.js) does exactly this to the browser's decoded pixels; fully transparent
    pixels become white whatever colour the file stores under them.
    """
    rgba = np.asarray(image.convert("RGBA"), dtype=np.uint32)
    colour, alpha = rgba[..., :3], rgba[..., 3:]
    rgb = (colour * alpha + 255 * (255 - alpha) + 127) // 255  # never a tie: 255 is odd
    return Image.fromarray(rgb.astype(np.uint8), "RGB")


def square_resize(image: Image.Image, size: tuple[int, int] = (SIZE, SIZE)) -> Image.Image:
    """Centre-crop to the aspect of `size` (width, height) and resize to it; an image of that size passes untouched.

    For the default 64x64 the crop is the centred square.
    """
    if image.size == size:
        return image
    width, height = image.size
    # the largest centred box of the target's aspect ratio, in whole pixels
    box_w, box_h = (width, width * size[1] // size[0]) if width * size[1] <= height * size[0] \
        else (height * size[0] // size[1], height)
    left, top = (width - box_w) // 2, (height - box_h) // 2
    return image.crop((left, top, left + box_w, top + box_h)).resize(size, RESAMPLE)


def load_rgb(path: str | Path, size: tuple[int, int] = (SIZE, SIZE)) -> Image.Image:
    """Open an image file and return it upright, 8-bit RGB, `size` (width, height); InputError if it cannot be."""
    return load_rgb_sizes(path, (size,))[0]


def load_rgb_sizes(path: str | Path, sizes: tuple[tuple[int, int], ...]) -> tuple[Image.Image, ...]:
    """`load_rgb` at each of `sizes` from one decode: a gallery picture is needed at 64x64 (its thumbnail)
    and at the network's input size, and decoding is most of the time spent on a photo."""
    path = Path(path)
    try:
        image = _open(path)
        with image:
            _reduce_jpeg(image)
            if image.width * image.height > MAX_PIXELS:
                raise InputError(path, f"image is {image.width}x{image.height} pixels, "
                                       f"more than the limit of {MAX_PIXELS:,}")
            image.seek(0)
            image.load()
            rgb = _to_rgb(ImageOps.exif_transpose(image))
            return tuple(square_resize(rgb, size) for size in sizes)
    except InputError:
        raise
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except IsADirectoryError:
        raise InputError(path, "is a folder, not an image") from None
    except UnidentifiedImageError:
        raise InputError(path, "not an image Pillow can read") from None
    except Image.DecompressionBombError as exc:
        raise InputError(path, f"image too large ({exc})") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise InputError(path, f"cannot decode image ({exc})") from None


def _open(path: Path) -> Image.Image:
    """Image.open without Pillow's own pixel limits: our MAX_PIXELS check replaces them.

    Pillow refuses (at open) anything over twice its MAX_IMAGE_PIXELS, whatever the format, which
    would refuse a 200-megapixel phone photo that `_reduce_jpeg` decodes at an eighth of the size.
    """
    with _OPENING, warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        limit, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None
        try:
            return Image.open(path)
        finally:
            Image.MAX_IMAGE_PIXELS = limit


def _reduce_jpeg(image: Image.Image) -> None:
    """Let a big JPEG decode at 1/2, 1/4 or 1/8 scale, keeping its centre square >= DRAFT_SIDE pixels."""
    side = min(image.size)
    if isinstance(image, JpegImagePlugin.JpegImageFile) and side >= 2 * DRAFT_SIDE:
        width, height = image.size
        image.draft(image.mode, (-(-width * DRAFT_SIDE // side), -(-height * DRAFT_SIDE // side)))


def to_array(image: Image.Image) -> np.ndarray:
    """(64, 64, 3) float32 in [0, 1]: byte / 255, no mean or std normalisation (as the original)."""
    return np.asarray(image, dtype=np.uint8).astype(np.float32) / np.float32(255.0)


def network_input(picture: Image.Image, channels: int = 3) -> np.ndarray:
    """A picture already at the network's size as its input (H, W, C); C=1 is greyscale.

    Greyscale is Pillow's "L" conversion of the RGB picture (ITU-R 601-2 luma, as torchvision's Grayscale).
    """
    if channels == 1:
        return to_array(picture.convert("L"))[..., None]
    return to_array(picture)


def load_image(path: str | Path, shape: tuple[int, int, int] = INPUT_SHAPE) -> np.ndarray:
    """The network input for one image file, for a network taking `shape` (H, W, C)."""
    height, width, channels = shape
    return network_input(load_rgb(path, (width, height)), channels)
