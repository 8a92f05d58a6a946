/* An image from the reader's disk turned into the network's input, as generator/images.py does it.
 *
 * The browser decodes the file (createImageBitmap, EXIF orientation applied, no colour-profile
 * conversion: Pillow ignores ICC profiles too), takes the centred square (the same integer
 * arithmetic as images.py) and resizes it to 64x64 with a port of Pillow's BILINEAR resampling
 * (libImaging/Resample.c: a triangle filter widened by the scale when shrinking, coefficients in
 * 22-bit fixed point, a horizontal pass then a vertical pass, each rounded to 8 bits). So for the
 * same decoded pixels the bytes equal Pillow's exactly. Transparency is composited over white with
 * images.py's integer arithmetic, so a fully transparent pixel is white in both. Where the browser's
 * decoder differs from Pillow's (JPEG's inverse DCT; the colour of a partly transparent pixel, which a
 * canvas stores premultiplied by its alpha), the pixels can differ by a level or so; README "Images" says so.
 */
(function () {
  "use strict";
  const CNNX = (window.CNNX = window.CNNX || {});
  const SIZE = 64;
  const PRECISION_BITS = 22; // Resample.c: 32 - 8 - 2
  const MAX_PIXELS = 50000000; // images.py MAX_PIXELS

  function bilinear(x) {
    const a = Math.abs(x);
    return a < 1 ? 1 - a : 0;
  }

  /** Resample.c precompute_coeffs + normalize_coeffs_8bpc: per output pixel, its first input and fixed-point weights. */
  function coefficients(inSize, outSize) {
    const scale = inSize / outSize;
    const filterScale = Math.max(scale, 1);
    const support = 1 * filterScale; // BILINEAR's support is 1
    const out = [];
    for (let xx = 0; xx < outSize; xx++) {
      const center = (xx + 0.5) * scale;
      const xmin = Math.max(0, Math.trunc(center - support + 0.5));
      const xmax = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
      const weights = [];
      let total = 0;
      for (let x = 0; x < xmax; x++) {
        const w = bilinear((x + xmin - center + 0.5) / filterScale);
        weights.push(w);
        total += w;
      }
      const fixed = weights.map((w) => {
        const k = total !== 0 ? w / total : w;
        return k < 0 ? Math.trunc(-0.5 + k * (1 << PRECISION_BITS)) : Math.trunc(0.5 + k * (1 << PRECISION_BITS));
      });
      out.push({ min: xmin, weights: fixed });
    }
    return out;
  }

  function clip8(sum) {
    const v = sum >> PRECISION_BITS;
    return v < 0 ? 0 : v > 255 ? 255 : v;
  }

  /** Pillow's Image.resize(size, BILINEAR) of an RGB image (3 bytes per pixel, row-major). */
  function resize(rgb, width, height, outWidth, outHeight) {
    const horizontal = coefficients(width, outWidth);
    const vertical = coefficients(height, outHeight);
    const needHorizontal = outWidth !== width;
    const needVertical = outHeight !== height;
    let source = rgb;
    let rows = height;
    let first = 0;
    if (needHorizontal) {
      // Only the rows the vertical pass reads, as Pillow does.
      first = vertical[0].min;
      const last = vertical[outHeight - 1].min + vertical[outHeight - 1].weights.length;
      rows = last - first;
      const temp = new Uint8Array(outWidth * rows * 3);
      for (let y = 0; y < rows; y++) {
        for (let xx = 0; xx < outWidth; xx++) {
          const { min, weights } = horizontal[xx];
          for (let c = 0; c < 3; c++) {
            let sum = 1 << (PRECISION_BITS - 1);
            for (let x = 0; x < weights.length; x++) sum += rgb[((y + first) * width + x + min) * 3 + c] * weights[x];
            temp[(y * outWidth + xx) * 3 + c] = clip8(sum);
          }
        }
      }
      source = temp;
    }
    if (!needVertical) return source;
    const w = needHorizontal ? outWidth : width;
    const out = new Uint8Array(w * outHeight * 3);
    for (let yy = 0; yy < outHeight; yy++) {
      const { min, weights } = vertical[yy];
      const start = min - (needHorizontal ? first : 0);
      for (let xx = 0; xx < w; xx++) {
        for (let c = 0; c < 3; c++) {
          let sum = 1 << (PRECISION_BITS - 1);
          for (let y = 0; y < weights.length; y++) sum += source[((y + start) * w + xx) * 3 + c] * weights[y];
          out[(yy * w + xx) * 3 + c] = clip8(sum);
        }
      }
    }
    return out;
  }

  /** images.py square_resize on RGB bytes: an image of the target size (outWidth x outHeight, default 64x64)
   * passes through, anything else is centre-cropped to the target's aspect (the same integer arithmetic) and resized. */
  function squareResize(rgb, width, height, outWidth = SIZE, outHeight = SIZE) {
    if (width === outWidth && height === outHeight) return rgb;
    const [boxW, boxH] = width * outHeight <= height * outWidth
      ? [width, Math.floor((width * outHeight) / outWidth)] : [Math.floor((height * outWidth) / outHeight), height];
    const left = Math.floor((width - boxW) / 2);
    const top = Math.floor((height - boxH) / 2);
    const box = new Uint8Array(boxW * boxH * 3);
    for (let y = 0; y < boxH; y++) {
      const from = ((y + top) * width + left) * 3;
      box.set(rgb.subarray(from, from + boxW * 3), y * boxW * 3);
    }
    return resize(box, boxW, boxH, outWidth, outHeight);
  }

  /** RGBA bytes composited over white, as images.py over_white: (c * a + 255 * (255 - a)) / 255, rounded. */
  function overWhite(rgba) {
    const rgb = new Uint8Array((rgba.length / 4) * 3);
    for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
      const a = rgba[i + 3];
      const white = 255 * (255 - a) + 127; // + 127: round to nearest (never a tie, 255 is odd)
      rgb[j] = Math.floor((rgba[i] * a + white) / 255);
      rgb[j + 1] = Math.floor((rgba[i + 1] * a + white) / 255);
      rgb[j + 2] = Math.floor((rgba[i + 2] * a + white) / 255);
    }
    return rgb;
  }

  /** Decode a File or Blob: {rgb (Uint8Array, outWidth*outHeight*3, row-major), width, height of the original};
   * rejects if unreadable. */
  async function fromBlob(blob, outWidth = SIZE, outHeight = SIZE) {
    const bitmap = await createImageBitmap(blob, {
      imageOrientation: "from-image", colorSpaceConversion: "none", premultiplyAlpha: "none",
    });
    try {
      const { width, height } = bitmap;
      if (width * height > MAX_PIXELS) throw new RangeError(`${width}x${height}`);
      const canvas = document.createElement("canvas");
      canvas.width = width;
      canvas.height = height;
      const context = canvas.getContext("2d", { willReadFrequently: true });
      context.drawImage(bitmap, 0, 0);
      const rgba = context.getImageData(0, 0, width, height).data;
      return { rgb: squareResize(overWhite(rgba), width, height, outWidth, outHeight), width, height };
    } finally {
      bitmap.close();
    }
  }

  CNNX.preprocess = { SIZE, MAX_PIXELS, resize, squareResize, overWhite, fromBlob };
})();
