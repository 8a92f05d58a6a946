"""The default gallery: ten sample images, one per class, drawn entirely by this module.

We cannot ship third-party photos (the original CNN Explainer's Tiny ImageNet samples included),
so the site's default samples are illustrations rendered here from code: shapes, shading
gradients and seeded noise, nothing traced or copied from a photo. Each is drawn at 4x and shrunk
with a Lanczos filter for anti-aliasing. Photo-like cues (a filled background typical of the class,
soft lighting, texture) keep them recognisable to the network as well as to a person. Texture
matters most for the animals and the pizza: TinyVGG leans on fine, pixel-sized detail (fur,
crumbs), so those get `grain`; flat fills there read as a different class.

Rendering is deterministic: the same code gives byte-identical PNGs, which a test checks against
the committed files in content/samples/.

    python -m cnn_explainer.illustrations [--out DIR]
"""

from __future__ import annotations

import argparse
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from .resources import CONTENT

SIZE = 64
SCALE = 4  # drawn at 256x256, shrunk to 64x64
BIG = SIZE * SCALE
DEFAULT_OUT = CONTENT / "samples"

__all__ = ["DEFAULT_OUT", "SUBJECTS", "main", "render", "render_all", "write_all"]

Colour = Sequence[float]
Point = tuple[float, float]
Box = tuple[float, float, float, float]
Rgb = np.ndarray  # (BIG, BIG, 3) float, 0..255


# --- shared helpers: coordinates are in final 64-pixel units, scaled up here -------------------

def _grid() -> tuple[np.ndarray, np.ndarray]:
    """Pixel-centre coordinates (y, x) of the big canvas, in 64-pixel units."""
    axis = (np.arange(BIG) + 0.5) / SCALE
    return np.meshgrid(axis, axis, indexing="ij")


def _mask(draw: Callable[[ImageDraw.ImageDraw], None], blur: float = 0.0) -> np.ndarray:
    """A (BIG, BIG) coverage mask in [0, 1] from ImageDraw calls made in big-canvas pixels."""
    image = Image.new("L", (BIG, BIG), 0)
    draw(ImageDraw.Draw(image))
    if blur:
        image = image.filter(ImageFilter.GaussianBlur(blur * SCALE))
    return np.asarray(image, dtype=np.float64) / 255.0


def _big(values: Sequence[float]) -> list[float]:
    return [v * SCALE for v in values]


def ellipse(box: Box, blur: float = 0.0) -> np.ndarray:
    """Mask of the ellipse inside box (x0, y0, x1, y1); blur softens the edge (shadows, fur)."""
    return _mask(lambda d: d.ellipse(_big(box), fill=255), blur)


def polygon(points: Sequence[Point], blur: float = 0.0) -> np.ndarray:
    """Mask of a filled polygon."""
    return _mask(lambda d: d.polygon([(x * SCALE, y * SCALE) for x, y in points], fill=255), blur)


def rect(box: Box, radius: float = 0.0, blur: float = 0.0) -> np.ndarray:
    """Mask of a rectangle, its corners rounded by radius."""
    return _mask(lambda d: d.rounded_rectangle(_big(box), radius=radius * SCALE, fill=255), blur)


def line(points: Sequence[Point], width: float, blur: float = 0.0) -> np.ndarray:
    """Mask of a polyline of the given width: legs, stems, trim."""
    big = [(x * SCALE, y * SCALE) for x, y in points]
    return _mask(lambda d: d.line(big, fill=255, width=round(width * SCALE), joint="curve"), blur)


def paint(rgb: Rgb, mask: np.ndarray, colour: Colour | np.ndarray) -> Rgb:
    """Blend a colour (or a per-pixel colour map) into the canvas where the mask covers it."""
    colour = np.asarray(colour, dtype=np.float64)
    m = mask[..., None]
    return rgb * (1.0 - m) + colour * m


def vertical(top: Colour, bottom: Colour, start: float = 0.0, end: float = SIZE) -> Rgb:
    """A vertical gradient filling the canvas: skies, water, tabletops receding from view."""
    y, _ = _grid()
    t = np.clip((y - start) / (end - start), 0.0, 1.0)[..., None]
    return np.asarray(top, float) * (1 - t) + np.asarray(bottom, float) * t


def noise(rng: np.random.Generator, cells: int) -> np.ndarray:
    """Smooth value noise in [-1, 1]: random values on a cells x cells grid, bicubically upscaled."""
    coarse = rng.random((cells, cells)).astype(np.float32)
    smooth = Image.fromarray(coarse, "F").resize((BIG, BIG), Image.Resampling.BICUBIC)
    return np.clip(np.asarray(smooth, dtype=np.float64) * 2.0 - 1.0, -1.0, 1.0)


def mottle(rgb: Rgb, rng: np.random.Generator, cells: int, amount: float,
           mask: np.ndarray | None = None) -> Rgb:
    """Brighten and darken in soft patches: fur, foliage, grain, ripples — the texture photos have."""
    shade = 1.0 + amount * noise(rng, cells)
    if mask is not None:
        shade = 1.0 + (shade - 1.0) * mask
    return rgb * shade[..., None]


def grain(rgb: Rgb, rng: np.random.Generator, amount: float, mask: np.ndarray | None = None) -> Rgb:
    """Pixel-sized multiplicative noise that survives the 4x shrink: fur, bark, gravel, crumbs."""
    fine = np.kron(rng.random((SIZE, SIZE)) * 2.0 - 1.0, np.ones((SCALE, SCALE)))
    shade = 1.0 + amount * fine * (1.0 if mask is None else mask)
    return rgb * shade[..., None]


def sphere(box: Box, light: tuple[float, float] = (-0.45, -0.55), ambient: float = 0.35,
           shine: float = 0.0, hardness: float = 30.0) -> tuple[np.ndarray, np.ndarray]:
    """Lambert brightness (and a specular highlight) of a sphere squashed into an ellipse box."""
    y, x = _grid()
    x0, y0, x1, y1 = box
    nx, ny = (x - (x0 + x1) / 2) / ((x1 - x0) / 2), (y - (y0 + y1) / 2) / ((y1 - y0) / 2)
    nz = np.sqrt(np.clip(1.0 - nx**2 - ny**2, 0.0, 1.0))
    lx, ly = light
    lz = np.sqrt(max(0.0, 1.0 - lx**2 - ly**2))
    lambert = np.clip(nx * lx + ny * ly + nz * lz, 0.0, 1.0)
    brightness = ambient + (1.0 - ambient) * lambert
    return brightness, shine * lambert**hardness


def shaded(colour: Colour, box: Box, ambient: float = 0.35, shine: float = 0.0, hardness: float = 30.0) -> np.ndarray:
    """A per-pixel colour map: the colour lit as a sphere filling `box`, highlight included."""
    brightness, highlight = sphere(box, ambient=ambient, shine=shine, hardness=hardness)
    return np.asarray(colour, float) * brightness[..., None] + 255.0 * highlight[..., None]


def _finish(rgb: Rgb, rng: np.random.Generator, sensor_noise: float = 3.0) -> Image.Image:
    """Shrink 4x with Lanczos (the anti-aliasing) and add a little sensor-like noise."""
    big = Image.fromarray(np.clip(np.rint(rgb), 0, 255).astype(np.uint8), "RGB")
    small = np.asarray(big.resize((SIZE, SIZE), Image.Resampling.LANCZOS), dtype=np.float64)
    small = small + sensor_noise * (rng.random((SIZE, SIZE, 1)) * 2.0 - 1.0)
    return Image.fromarray(np.clip(np.rint(small), 0, 255).astype(np.uint8), "RGB")


# --- the subjects: one function each, returning the big canvas ---------------------------------

def lifeboat(rng: np.random.Generator) -> Rgb:
    """A rescue lifeboat, orange-red with a navy hull and white cabin, on choppy grey-blue water."""
    rgb = vertical((196, 212, 226), (170, 190, 210), 0, 20)
    sea = mottle(vertical((92, 118, 140), (48, 72, 96), 20, 64), rng, 24, 0.18)
    rgb = paint(rgb, rect((0, 20, 64, 64)), sea)
    hull = polygon([(8.2, 36), (55.8, 34.3), (52.4, 46.2), (13.3, 46.2)])
    rgb = paint(rgb, hull, vertical((225, 70, 30), (180, 46, 20), 34.3, 46.2))
    rgb = paint(rgb, polygon([(12, 39.4), (53.7, 38.6), (51.6, 46.2), (13.3, 46.2)]), (28, 40, 72))
    rgb = paint(rgb, rect((18.4, 24.1, 43.9, 36), radius=1.7), vertical((240, 240, 236), (200, 200, 200), 24.1, 36))
    for x in (20.1, 26.05, 32, 37.95):
        rgb = paint(rgb, rect((x, 28.35, x + 4.25, 31.75), radius=0.85), (34, 44, 60))
    rgb = paint(rgb, rect((21.8, 17.3, 37.1, 25.8), radius=1.7), (235, 104, 32))  # wheelhouse
    rgb = paint(rgb, rect((23.5, 19.85, 35.4, 22.4)), (40, 56, 80))
    rgb = paint(rgb, line([(29.45, 17.3), (29.45, 10.5)], 1.0), (60, 60, 60))  # mast
    bow_wave = polygon([(5, 45.4), (58.7, 44.5), (60.4, 49.6), (5, 50.2)], blur=1.0)
    foam = np.clip((noise(rng, 24) + 0.4) * 2.0, 0.0, 1.0) * bow_wave
    return paint(rgb, foam * 0.85, (225, 232, 236))


def ladybug(rng: np.random.Generator) -> Rgb:
    """A red, black-spotted ladybug seen from above, walking across a green leaf."""
    rgb = mottle(vertical((96, 150, 60), (50, 100, 34)), rng, 6, 0.25)
    leaf = polygon([(-4, 60), (20, 10), (60, -4), (68, 30), (40, 64)], blur=0.5)
    rgb = paint(rgb, leaf, mottle(vertical((140, 196, 80), (92, 156, 52)), rng, 10, 0.08))
    rgb = paint(rgb, line([(0, 66), (62, 0)], 1.0), (180, 220, 120))
    rgb = grain(rgb, rng, 0.08)
    cx, top, bottom, half = 32.0, 22.0, 54.0, 15.0
    body = (cx - half, top, cx + half, bottom)
    rgb = paint(rgb, ellipse((cx - half + 2, top + 4, cx + half + 4, bottom + 4), blur=1.5) * 0.5, (20, 40, 10))
    for side in (-1, 1):
        for y, reach in ((28, 4), (36, 5), (44, 4)):
            tip = (cx + side * (half + reach), y + reach - 3)
            rgb = paint(rgb, line([(cx + side * (half - 3), y), tip], 1.0), (20, 18, 16))  # legs
    head = (cx - 7, top - 8, cx + 7, top + 4)
    rgb = paint(rgb, ellipse(head), shaded((24, 24, 24), head, shine=0.3))
    for x in (cx - 4, cx + 4):
        rgb = paint(rgb, ellipse((x - 2, top - 4, x + 2, top - 1)), (240, 240, 235))
    rgb = paint(rgb, ellipse(body), shaded((225, 30, 22), body, shine=0.7))
    spots = [(cx - 6, 28, 3), (cx + 6, 28, 3), (cx - 10, 38, 3.2), (cx + 10, 38, 3.2), (cx - 5, 47, 3),
             (cx + 5, 47, 3), (cx, 25, 3.5)]
    for x, y, r in spots:
        rgb = paint(rgb, ellipse((x - r, y - r, x + r, y + r)) * ellipse(body), (18, 14, 14))
    return paint(rgb, line([(cx, top + 2), (cx, bottom)], 0.8), (30, 10, 10))


def pizza(rng: np.random.Generator) -> Rgb:
    """A whole pepperoni pizza on a wooden table."""
    y, _ = _grid()
    planks = 0.5 + 0.5 * np.sin(y * 1.7 + 3.0 * noise(rng, 6))
    rgb = vertical((120, 76, 40), (96, 58, 30)) * (0.85 + 0.15 * planks[..., None])
    disc = (2, 2, 62, 62)
    rgb = paint(rgb, ellipse(disc), shaded((205, 140, 70), disc, ambient=0.75))
    top = (6, 6, 58, 58)
    sauce = mottle(np.broadcast_to(np.array([210.0, 70, 30]), rgb.shape), rng, 20, 0.15)
    rgb = paint(rgb, ellipse(top), sauce)
    cheese = np.clip((noise(rng, 14) + 0.3) * 3.0, 0.0, 1.0) * ellipse(top)
    rgb = paint(rgb, cheese, mottle(vertical((248, 214, 120), (236, 190, 96)), rng, 30, 0.1))
    for x, y0 in [(20, 16), (38, 13), (48, 28), (14, 33), (30, 30), (44, 45), (24, 48), (34, 42)]:
        box = (x - 4, y0 - 4, x + 4, y0 + 4)
        rgb = paint(rgb, ellipse(box), shaded((140, 30, 24), box, ambient=0.7, shine=0.25))
    for x, y0 in [(27, 22), (40, 36), (18, 42), (52, 38), (33, 53), (12, 24)]:
        rgb = paint(rgb, ellipse((x - 1.2, y0 - 1, x + 1.2, y0 + 1)), (60, 110, 40))
    return grain(rgb, rng, 0.4, ellipse(disc))  # crumbs and bubbles: flat colour reads as a pepper


def bell_pepper(rng: np.random.Generator) -> Rgb:
    """A glossy red bell pepper with a green stem on a pale kitchen counter."""
    rgb = mottle(vertical((222, 218, 206), (180, 174, 160)), rng, 8, 0.05)
    rgb = paint(rgb, ellipse((8, 50, 58, 62), blur=2.0) * 0.6, (90, 84, 76))  # shadow
    lobes = [(6, 14, 30, 58), (20, 12, 44, 60), (34, 14, 58, 58)]
    for box in lobes:
        rgb = paint(rgb, ellipse(box), shaded((200, 24, 20), box, ambient=0.4, shine=0.6, hardness=20))
    rgb = paint(rgb, ellipse((14, 10, 50, 22)), shaded((170, 20, 18), (14, 10, 50, 22), ambient=0.5))
    rgb = paint(rgb, ellipse((24, 11, 40, 19)), (70, 110, 40))
    rgb = paint(rgb, line([(32, 15), (33, 8), (37, 3)], 4.0), (60, 120, 40))
    return paint(rgb, line([(31, 15), (32, 9)], 1.2), (130, 180, 90))


def school_bus(rng: np.random.Generator) -> Rgb:
    """A yellow school bus from the side, windows in a row, parked on a grey road."""
    rgb = vertical((170, 200, 230), (210, 222, 232), 0, 22)
    trees = mottle(np.broadcast_to(np.array([60.0, 96, 50]), rgb.shape), rng, 12, 0.3)
    rgb = paint(rgb, polygon([(0, 14), (12, 8), (26, 12), (40, 6), (54, 10), (64, 8), (64, 24), (0, 24)]), trees)
    rgb = paint(rgb, rect((0, 44, 64, 64)), mottle(vertical((120, 120, 118), (90, 90, 90), 44, 64), rng, 30, 0.1))
    rgb = paint(rgb, rect((-4, 14, 60, 50), radius=4), vertical((252, 200, 30), (226, 160, 10), 14, 50))
    rgb = paint(rgb, rect((56, 30, 66, 48), radius=2), vertical((244, 186, 20), (214, 150, 10), 30, 48))
    for x in range(0, 50, 8):
        rgb = paint(rgb, rect((x, 18, x + 6, 28), radius=0.8), vertical((70, 86, 100), (34, 40, 48), 18, 28))
    rgb = paint(rgb, rect((50, 18, 58, 40), radius=0.8), (40, 48, 56))  # door
    for y0 in (31, 37):
        rgb = paint(rgb, rect((-4, y0, 56, y0 + 1.2)), (30, 26, 20))
    rgb = paint(rgb, rect((-4, 45, 60, 50)), (30, 28, 26))  # bumper
    for cx in (12, 46):
        box = (cx - 7, 41, cx + 7, 55)
        rgb = paint(rgb, ellipse(box), (22, 22, 22))
        rgb = paint(rgb, ellipse((cx - 3, 45, cx + 3, 51)), (150, 150, 150))
    return paint(rgb, ellipse((57, 39, 61, 43)), (255, 150, 40))


def koala(rng: np.random.Generator) -> Rgb:
    """A grey koala with fluffy white-edged ears and a dark nose, in front of a eucalyptus trunk."""
    rgb = mottle(vertical((140, 138, 130), (96, 94, 88)), rng, 7, 0.25)
    trunk = mottle(vertical((150, 132, 112), (110, 94, 78)), rng, 30, 0.2)
    rgb = paint(rgb, polygon([(36, -2), (56, -2), (62, 66), (40, 66)]), trunk)
    rgb = grain(rgb, rng, 0.3)  # koala photos are busy: bark and leaves, no smooth backdrop
    fur = (130, 128, 126)

    def furry(colour: Colour, box: Box, ambient: float) -> np.ndarray:
        return grain(mottle(shaded(colour, box, ambient=ambient), rng, 24, 0.1), rng, 0.35)

    for box in [(0, 6, 24, 30), (40, 6, 64, 30)]:
        rgb = paint(rgb, ellipse(box), furry((210, 206, 202), box, 0.7))
        inner = (box[0] + 5, box[1] + 5, box[2] - 5, box[3] - 5)
        rgb = paint(rgb, ellipse(inner, blur=1.5), (236, 232, 228))
    body = (-4, 40, 60, 80)
    rgb = paint(rgb, ellipse(body), furry(fur, body, 0.6))
    rgb = paint(rgb, ellipse((34, 46, 56, 58)), furry((170, 166, 162), (34, 46, 56, 58), 0.6))  # arm
    head = (8, 12, 56, 54)
    rgb = paint(rgb, ellipse(head), furry(fur, head, 0.55))
    nose = (28.4, 30.3, 35.6, 40.7)
    rgb = paint(rgb, ellipse(nose), shaded((40, 36, 36), nose, ambient=0.6, shine=0.5))
    for x in (20, 44):
        rgb = paint(rgb, ellipse((x - 2, 25, x + 2, 29)), (16, 12, 10))
    return rgb


def espresso(rng: np.random.Generator) -> Rgb:
    """A white espresso cup of crema-topped coffee on a saucer, seen from above on a dark table."""
    rgb = mottle(vertical((70, 48, 34), (40, 26, 18)), rng, 8, 0.15)
    saucer = (2, 14, 62, 62)
    rgb = paint(rgb, ellipse((4, 18, 64, 64), blur=2.0) * 0.6, (10, 6, 4))
    rgb = paint(rgb, ellipse(saucer), shaded((240, 238, 232), saucer, ambient=0.65))
    rgb = paint(rgb, ellipse((14, 26, 50, 52)), (200, 196, 190))
    rgb = paint(rgb, rect((44, 28, 60, 36), radius=3), shaded((236, 234, 228), (40, 26, 62, 38)))  # handle
    cup = (10, 10, 50, 48)
    rgb = paint(rgb, ellipse(cup), shaded((246, 244, 240), cup, ambient=0.7, shine=0.3))
    coffee = (14, 14, 46, 44)
    rgb = paint(rgb, ellipse(coffee), (60, 32, 16))
    crema = (16, 16, 44, 42)
    swirl = mottle(shaded((176, 110, 56), crema, ambient=0.75), rng, 12, 0.18)
    rgb = paint(rgb, ellipse(crema, blur=1.0), swirl)
    return paint(rgb, ellipse((24, 22, 34, 30), blur=1.5) * 0.6, (220, 170, 110))


def red_panda(rng: np.random.Generator) -> Rgb:
    """A red panda face: rusty fur, white ear rims, cheeks and brows, dark eyes, black chest, mossy foliage."""
    rgb = mottle(vertical((96, 110, 70), (70, 80, 52)), rng, 6, 0.3)
    rgb = grain(mottle(rgb, rng, 18, 0.12), rng, 0.3)
    for ear in ([(8.2, 25.2), (13.3, 6.5), (26.9, 16.7)], [(55.8, 25.2), (50.7, 6.5), (37.1, 16.7)]):
        rgb = paint(rgb, polygon(ear), (236, 230, 222))
        cx, cy = sum(x for x, _ in ear) / 3, sum(y for _, y in ear) / 3
        rgb = paint(rgb, polygon([(cx + (x - cx) * 0.6, cy + (y - cy) * 0.6) for x, y in ear]), (90, 40, 20))
    body = (6.5, 43.9, 57.5, 72.8)
    rgb = paint(rgb, ellipse(body), shaded((40, 22, 16), body, ambient=0.6))
    head = (9.9, 13.3, 54.1, 52.4)
    rgb = paint(rgb, ellipse(head), mottle(shaded((140, 50, 22), head, ambient=0.6), rng, 24, 0.12))
    for box in [(9.9, 30.3, 28.6, 47.3), (35.4, 30.3, 54.1, 47.3)]:
        rgb = paint(rgb, ellipse(box, blur=1.0), (240, 236, 228))  # white cheeks
    rgb = paint(rgb, ellipse((23.5, 33.7, 40.5, 49), blur=1.0), (244, 240, 234))  # muzzle
    for x, inward in ((21.8, 1.7), (42.2, -1.7)):
        rgb = paint(rgb, ellipse((x - 2.55, 20.95, x + 2.55, 25.2), blur=0.6), (240, 236, 228))  # brows
        rgb = paint(rgb, line([(x, 28.6), (x + inward, 40.5)], 2.55, blur=0.6), (120, 44, 20))  # tear marks
        rgb = paint(rgb, ellipse((x - 2.1, 26.9, x + 2.1, 31.15)), (16, 10, 8))
    rgb = paint(rgb, ellipse((29, 35.4, 35, 39.65)), (24, 16, 14))
    return grain(rgb, rng, 0.3, np.maximum(ellipse(head), ellipse(body)))


def orange(rng: np.random.Generator) -> Rgb:
    """A dimpled, glossy orange filling the frame on a dark tabletop."""
    rgb = vertical((60, 50, 40), (30, 24, 20))
    fruit = (4, 4, 60, 60)
    rgb = paint(rgb, ellipse((8, 46, 64, 64), blur=2.5) * 0.6, (8, 6, 4))  # shadow
    peel = shaded((255, 150, 0), fruit, ambient=0.8, shine=0.45, hardness=25)
    peel = grain(mottle(peel, rng, 64, 0.07), rng, 0.15)
    rgb = paint(rgb, ellipse(fruit), peel)
    return paint(rgb, ellipse((30, 6, 34, 10)), (110, 100, 40))


def sports_car(rng: np.random.Generator) -> Rgb:
    """A low, wedge-shaped red sports car from the side on an asphalt road."""
    rgb = mottle(vertical((80, 90, 76), (60, 64, 56), 0, 24), rng, 10, 0.3)  # trees behind the road
    road = mottle(vertical((116, 116, 118), (70, 70, 72), 24, 64), rng, 40, 0.12)
    rgb = paint(rgb, rect((0, 24, 64, 64)), road)
    rgb = paint(rgb, ellipse((-2, 42, 66, 54), blur=1.5) * 0.8, (20, 20, 20))  # shadow
    body = polygon([(0, 38), (2, 34), (18, 31), (27, 25), (37, 24.5), (47, 29), (63, 33), (64, 41),
                    (62, 45), (1, 45)])
    rgb = paint(rgb, body, vertical((240, 44, 36), (140, 14, 14), 24, 45))
    cabin = polygon([(23, 30), (28, 26), (37, 25.7), (44, 30)])
    rgb = paint(rgb, cabin, vertical((30, 34, 40), (10, 10, 12), 26, 30))
    rgb = paint(rgb, line([(32.5, 26), (32.5, 30)], 0.8), (150, 16, 16))  # door pillar
    rgb = paint(rgb, line([(2, 35), (18, 32), (46, 31.5), (62, 34.5)], 0.9, blur=0.3), (255, 176, 166))
    rgb = paint(rgb, line([(22, 31), (21, 43)], 0.5), (110, 10, 10))  # door seam
    for cx in (13, 51):
        rgb = paint(rgb, ellipse((cx - 8, 35, cx + 8, 51)), (50, 8, 8))  # wheel arch
        rgb = paint(rgb, ellipse((cx - 7, 37, cx + 7, 51)), (16, 16, 16))
        rim = (cx - 4.5, 39.5, cx + 4.5, 48.5)
        rgb = paint(rgb, ellipse(rim), shaded((210, 210, 215), rim, ambient=0.5, shine=0.3))
        rgb = paint(rgb, ellipse((cx - 1.5, 42.5, cx + 1.5, 45.5)), (60, 60, 64))
    rgb = paint(rgb, ellipse((59, 34, 63, 37)), (255, 232, 170))
    return paint(rgb, rect((0, 35, 2, 38)), (200, 20, 20))


SUBJECTS: dict[str, Callable[[np.random.Generator], Rgb]] = {
    "lifeboat": lifeboat, "ladybug": ladybug, "pizza": pizza, "bell_pepper": bell_pepper,
    "school_bus": school_bus, "koala": koala, "espresso": espresso, "red_panda": red_panda,
    "orange": orange, "sports_car": sports_car,
}


def render(stem: str) -> Image.Image:
    """One illustration, 64x64 RGB; its noise is seeded from its own name so each is independent."""
    rng = np.random.default_rng(zlib.crc32(stem.encode()))
    return _finish(SUBJECTS[stem](rng), rng)


def render_all() -> dict[str, Image.Image]:
    """All ten illustrations keyed by file stem (e.g. "bell_pepper"), in the original's class order."""
    return {stem: render(stem) for stem in SUBJECTS}


def write_all(out_dir: Path) -> list[Path]:
    """Write every illustration as <stem>.png: fixed options and no metadata, so bytes are stable."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for stem, image in render_all().items():
        path = out_dir / f"{stem}.png"
        image.save(path, format="PNG", optimize=False, compress_level=9)
        paths.append(path)
    return paths


def main(argv: Sequence[str] | None = None) -> None:
    """Render the gallery into --out (default: the repo's content/samples) and list what was written."""
    parser = argparse.ArgumentParser(prog="python -m cnn_explainer.illustrations", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="output folder (default: content/samples in the repo)")
    args = parser.parse_args(argv)
    for path in write_all(args.out):
        print(path)


if __name__ == "__main__":
    main()
