/* The network's forward pass in plain JavaScript, for images the reader brings (no TensorFlow.js).
 *
 * The same computation as generator/model.py for whatever network the build drew, driven by network.js's
 * description (docs/data-format.md): activations (H, W, C) row-major, kernels HWIO, each conv and pooling
 * layer's stride, dilation and padding as written there (already resolved to pixels per side), max or
 * average pooling, flatten in the producer's order ("hwc" for Keras, "chw" for PyTorch), hidden Dense
 * layers, the input's own normalisation. Sums run in double precision and every layer is stored as
 * float32, so each layer lands within float32 rounding of JAX's. sampleFrom() turns the outputs into the
 * object CNNX.loadSample returns for a built-in sample, encoded as encode.py encodes one.
 */
(function () {
  "use strict";
  const CNNX = (window.CNNX = window.CNNX || {});
  const ROBUST_PERCENT = 98; // precompute.py's constants of the "layer" mode
  const MIN_HALF_RANGE = 0.001;

  /** Cross-correlation of x (h, w, cin) with an HWIO kernel, `layer`'s stride, dilation and zero padding. */
  function conv(x, h, w, cin, layer, kernel, bias) {
    const [oh, ow, cout] = layer.shape;
    const [kh, kw] = layer.kernel;
    const [sh, sw] = layer.strides;
    const [dh, dw] = layer.dilation;
    const top = layer.padding[0][0];
    const left = layer.padding[1][0];
    const out = new Float32Array(oh * ow * cout);
    const sums = new Float64Array(cout);
    for (let r = 0; r < oh; r++) {
      for (let c = 0; c < ow; c++) {
        for (let o = 0; o < cout; o++) sums[o] = bias[o];
        for (let i = 0; i < kh; i++) {
          const y = r * sh - top + i * dh;
          if (y < 0 || y >= h) continue; // the zero border adds nothing
          for (let j = 0; j < kw; j++) {
            const xx = c * sw - left + j * dw;
            if (xx < 0 || xx >= w) continue;
            const xBase = (y * w + xx) * cin;
            const kBase = (i * kw + j) * cin * cout;
            for (let ch = 0; ch < cin; ch++) {
              const v = x[xBase + ch];
              const k = kBase + ch * cout;
              for (let o = 0; o < cout; o++) sums[o] += v * kernel[k + o];
            }
          }
        }
        out.set(sums, (r * ow + c) * cout);
      }
    }
    return out;
  }

  function relu(x) {
    return x.map((v) => (v > 0 ? v : 0));
  }

  /** Max or average pooling with `layer`'s window, stride and padding; padded pixels take no part (their count
   * only in an average with countPad, ONNX's count_include_pad). */
  function pool(x, h, w, ch, layer) {
    const [oh, ow] = layer.shape;
    const [ph, pw] = layer.window;
    const [sh, sw] = layer.strides;
    const top = layer.padding[0][0];
    const left = layer.padding[1][0];
    const isMax = layer.op === "max";
    const out = new Float32Array(oh * ow * ch);
    for (let r = 0; r < oh; r++) {
      for (let c = 0; c < ow; c++) {
        for (let k = 0; k < ch; k++) {
          let best = -Infinity;
          let total = 0;
          let count = 0;
          for (let i = 0; i < ph; i++) {
            const y = r * sh - top + i;
            if (y < 0 || y >= h) continue;
            for (let j = 0; j < pw; j++) {
              const xx = c * sw - left + j;
              if (xx < 0 || xx >= w) continue;
              const v = x[(y * w + xx) * ch + k];
              if (v > best) best = v;
              total += v;
              count += 1;
            }
          }
          out[(r * ow + c) * ch + k] = isMax ? best : total / (layer.countPad ? ph * pw : count);
        }
      }
    }
    return out;
  }

  /** x (in) times an (in, units) kernel plus bias. */
  function dense(x, kernel, bias) {
    const units = bias.length;
    const out = new Float32Array(units);
    for (let o = 0; o < units; o++) {
      let sum = bias[o];
      for (let i = 0; i < x.length; i++) sum += x[i] * kernel[i * units + o];
      out[o] = sum;
    }
    return out;
  }

  /** (H, W, C) values read in (C, H, W) order, as PyTorch flattens. */
  function channelsFirst(x, h, w, ch) {
    const out = new Float32Array(x.length);
    for (let p = 0; p < h * w; p++) for (let k = 0; k < ch; k++) out[k * h * w + p] = x[p * ch + k];
    return out;
  }

  /**
   * Every layer for one image. `pixels`: Float32Array (H*W*C, HWC) in [0, 1]; `network`: CNNX.loadNetwork()'s.
   * Returns {name: Float32Array} for the page's layer names (HWC), plus "logits"; "output" holds the softmax.
   */
  function forward(network, pixels) {
    const outputs = {};
    let [h, w, ch] = network.input.shape;
    let x = Float32Array.from(pixels);
    const { scale, offset } = network.input;
    if (scale || offset) {
      x = x.map((v, i) => Math.fround((scale ? Math.fround(v * scale[i % ch]) : v) + (offset ? offset[i % ch] : 0)));
    }
    const last = network.layers[network.layers.length - 1];
    for (const layer of network.layers) {
      const weights = network.weights[layer.name];
      if (layer.kind === "conv") {
        x = conv(x, h, w, ch, layer, weights.kernel, weights.bias);
      } else if (layer.kind === "relu") {
        x = relu(x);
      } else if (layer.kind === "pool") {
        x = pool(x, h, w, ch, layer);
      } else if (layer.kind === "flatten") {
        x = network.flattenOrder === "chw" ? channelsFirst(x, h, w, ch) : Float32Array.from(x);
      } else {
        x = dense(x, weights.kernel, weights.bias);
        if (layer === last) {
          outputs.logits = x;
          const top = Math.max(...x);
          const exps = Array.from(x, (v) => Math.exp(v - top));
          const total = exps.reduce((a, b) => a + b, 0);
          x = Float32Array.from(exps, (v) => v / total);
        }
      }
      if (layer.shape.length === 3) [h, w, ch] = layer.shape;
      outputs[layer.name] = x;
    }
    return outputs;
  }

  /** numpy's rint: halves go to the even neighbour. */
  function rint(v) {
    const r = Math.round(v);
    return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
  }

  /** encode.py's 8-bit maps, as data.js decodes them: one byte per value, per-neuron offset and scale. */
  function mapsFrom(values, h, w, count) {
    const size = h * w;
    const codes = new Uint8Array(count * size);
    const offset = [];
    const scale = [];
    const min = [];
    const max = [];
    for (let c = 0; c < count; c++) {
      let lo = Infinity;
      let hi = -Infinity;
      for (let p = 0; p < size; p++) {
        const v = values[p * count + c];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      const step = Math.fround(Math.fround(hi - lo) / 255);
      const safe = step > 0 ? step : 1;
      for (let p = 0; p < size; p++) {
        const q = rint(Math.fround(Math.fround(values[p * count + c] - lo) / safe));
        codes[c * size + p] = Math.max(0, Math.min(255, q));
      }
      offset.push(lo);
      scale.push(step);
      min.push(lo);
      max.push(hi);
    }
    return { count, height: h, width: w, codes, offset, scale, min, max };
  }

  /** precompute.py round3: JavaScript's Math.round(x * 1000) / 1000, the original's rounding. */
  function round3(x) {
    return Math.floor(x * 1000 + 0.5) / 1000;
  }

  /** precompute.py two_significant: two significant digits, halves up on the exact value (toPrecision's rule). */
  function twoSignificant(x) {
    return Number(x.toPrecision(2));
  }

  /** precompute.py robust_range: twice the nearest-rank 98th percentile of |v|, two significant digits. */
  function robustRange(values) {
    const magnitudes = Float32Array.from(values, Math.abs).sort();
    const k = Math.ceil((ROBUST_PERCENT * magnitudes.length) / 100) - 1;
    const half = magnitudes[k] || magnitudes[magnitudes.length - 1];
    return 2 * Math.max(half > 0 ? twoSignificant(half) : 0, MIN_HALF_RANGE);
  }

  /** precompute.py color_ranges: layer / unit / module / global range R per layer (input: 1). */
  function colourRanges(outputs, mapColumns) {
    const layer = {};
    for (const column of mapColumns) layer[column.name] = robustRange(outputs[column.name]);
    const unit = {};
    let current = 1;
    for (const column of mapColumns) {
      if (column.kind === "conv" || column.kind === "hidden") {
        let top = 0;
        for (const v of outputs[column.name]) top = Math.max(top, Math.abs(v));
        current = 2 * (0.1 + round3(top));
      }
      unit[column.name] = current;
    }
    const module = {};
    let block = [];
    for (const column of mapColumns) {
      block.push(column.name);
      if (column.kind === "pool") {
        const widest = Math.max(...block.map((name) => unit[name]));
        for (const name of block) module[name] = widest;
        block = [];
      }
    }
    const top = Math.max(...Object.values(unit));
    const rounded = (table) => Object.fromEntries(Object.entries(table).map(([k, v]) => [k, Math.round(v * 1e6) / 1e6]));
    const global = Object.fromEntries(Object.keys(unit).map((name) => [name, top]));
    return {
      layer: { input: 1, ...rounded(layer) },
      unit: { input: 1, ...rounded(unit) },
      module: { input: 1, ...rounded(module) },
      global: { input: 1, ...rounded(global) },
    };
  }

  /** A column's output shape as [height, width, count]: a 1-D layer's units are maps of one pixel. */
  function mapShape(shape) {
    return shape.length === 3 ? shape : [1, 1, shape[0]];
  }

  /**
   * The sample object for an uploaded image: {id, title, top1, logits, probabilities, ranges, maps},
   * exactly what CNNX.loadSample gives for a built-in sample. `bytes`: the network input's bytes (H, W, C),
   * grey or RGB as the network takes it.
   */
  function sampleFrom(id, title, bytes, outputs, columns) {
    const mapColumns = columns.filter((c) => c.kind !== "input" && c.kind !== "dense");
    const [h, w, channels] = columns[0].shape;
    const size = h * w;
    const input = mapsFrom(Float32Array.from(bytes, (b) => Math.fround(b / 255)), h, w, channels);
    input.codes = new Uint8Array(channels * size);
    for (let p = 0; p < size; p++) for (let c = 0; c < channels; c++) input.codes[c * size + p] = bytes[p * channels + c];
    input.offset = new Array(channels).fill(0);
    input.scale = new Array(channels).fill(Math.fround(1 / 255)); // encode_input: the codes are the bytes
    const maps = { input };
    const exact = {}; // every layer's float32 values, channel first: what the detail views print (data.js loadExact)
    for (const column of mapColumns) {
      const [mh, mw, count] = mapShape(column.shape);
      const values = outputs[column.name];
      maps[column.name] = mapsFrom(values, mh, mw, count);
      exact[column.name] = new Float32Array(values.length);
      for (let p = 0; p < mh * mw; p++) for (let c = 0; c < count; c++) exact[column.name][c * mh * mw + p] = values[p * count + c];
    }
    const probabilities = Array.from(outputs.output);
    const top1 = probabilities.indexOf(Math.max(...probabilities));
    return {
      id, title, top1, logits: Array.from(outputs.logits), probabilities,
      ranges: colourRanges(outputs, mapColumns), maps, exact, exactFiles: [],
    };
  }

  /** The network input's bytes for an RGB picture (H*W*3): itself, or Pillow's "L" luma for a greyscale
   * network (ITU-R 601-2 in 16-bit fixed point, Convert.c's L24), as images.py network_input converts. */
  function inputBytes(rgb, channels) {
    if (channels === 3) return rgb;
    const grey = new Uint8Array(rgb.length / 3);
    for (let p = 0; p < grey.length; p++) {
      grey[p] = (rgb[3 * p] * 19595 + rgb[3 * p + 1] * 38470 + rgb[3 * p + 2] * 7471 + 0x8000) >> 16;
    }
    return grey;
  }

  CNNX.network = { forward, sampleFrom, inputBytes };
})();
