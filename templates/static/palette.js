/* Colour: the build's 256-entry d3 tables (page.palettes) and the heatmap painter.
 *
 * A neuron's map holds one byte per pixel (docs/data-format.md), so painting builds a
 * 256-entry code -> colour table for that neuron and range, then copies pixels through it:
 * a full redraw of all 113 maps touches ~200k pixels and takes a few milliseconds.
 */
(function () {
  "use strict";
  const CNNX = window.CNNX;
  const packed = {};
  const images = new WeakMap();

  function packedTable(name) {
    if (!packed[name]) {
      packed[name] = Uint32Array.from(CNNX.page.palettes[name], (hex) => {
        const n = Number.parseInt(hex.slice(1), 16);
        // ImageData is RGBA in memory, i.e. ABGR as a little-endian uint32.
        return ((255 << 24) | ((n & 0xff) << 16) | (n & 0xff00) | (n >> 16)) >>> 0;
      });
    }
    return packed[name];
  }

  /** One row of a map through `lut`: a small function, so the JIT compiles it after a few rows (data.js addStrided). */
  function colourRow(pixels, to, lut, codes, from, n) {
    for (let k = 0; k < n; k++) pixels[to + k] = lut[codes[from + k]];
  }

  const lut = new Uint32Array(256); // one table for every paint(), which uses it before it returns
  /** A neuron's code -> colour table: index(position(...)) of each code's value, written out. A small function of its
   * own, which the JIT compiles after a few neurons: left in paint(), the loop ran uncompiled, and a sample's 93
   * pictures took 6.4 and 5.9 ms of its redraw where they take 3.1 and 4.2 now (medians of 10 clicks, twice). */
  function colourTable(table, offset, scale, input, range) {
    const half = range / 2;
    for (let q = 0; q < 256; q++) {
      const v = offset + q * scale;
      const t = input ? 1 - v : (v + half) / range;
      lut[q] = table[Math.max(0, Math.min(255, Math.round(t * 255)))];
    }
    return lut;
  }

  function index(t) {
    return Math.max(0, Math.min(255, Math.round(t * 255)));
  }

  /** Colour position t in [0, 1] of value v: greys inverted for the input, centred red-blue otherwise. */
  function position(kind, v, range) {
    return kind === "input" ? 1 - v : (v + range / 2) / range;
  }

  CNNX.palette = {
    schemeFor(kind) {
      return kind === "input" ? "Greys" : "RdBu";
    },
    /** "#rrggbb" of value v in a layer of this kind and range. */
    colour(kind, v, range) {
      return CNNX.page.palettes[this.schemeFor(kind)][index(position(kind, v, range))];
    },
    /** Paint neuron c of `maps` (a decoded u8-webp array) into its canvas. */
    paint(canvas, maps, c, kind, range) {
      const lut = colourTable(packedTable(this.schemeFor(kind)), maps.offset[c], maps.scale[c], kind === "input", range);
      const size = maps.width * maps.height;
      const context = canvas.getContext("2d");
      let image = images.get(canvas); // one ImageData per canvas, reused by every redraw
      if (!image || image.width !== maps.width || image.height !== maps.height) {
        image = context.createImageData(maps.width, maps.height);
        images.set(canvas, image);
      }
      const pixels = new Uint32Array(image.data.buffer);
      const codes = maps.codes;
      const start = c * size;
      for (let r = 0; r < maps.height; r++) colourRow(pixels, r * maps.width, lut, codes, start + r * maps.width, maps.width);
      context.putImageData(image, 0, 0);
    },
  };
})();
