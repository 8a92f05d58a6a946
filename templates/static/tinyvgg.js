/* TinyVGG's forward pass in plain JavaScript, for images the reader brings (no TensorFlow.js).
 *
 * The same network as generator/model.py, with Keras semantics: activations (H, W, C) row-major,
 * kernels HWIO, "valid" padding, 2x2 max pooling, flatten in (H, W, C) order. Sums run in double
 * precision and every layer is stored as float32, so each layer lands within float32 rounding of
 * JAX's. The weights are network.js's (CNNX.loadNetwork). sampleFrom() turns the outputs into the
 * object CNNX.loadSample returns for a built-in sample, encoded as encode.py encodes one.
 */
(function () {
  "use strict";
  const CNNX = (window.CNNX = window.CNNX || {});
  const ROBUST_PERCENT = 98; // precompute.py's constants of the "layer" mode
  const MIN_HALF_RANGE = 0.001;

  /** "valid" 3x3 convolution of x (h, w, cin) with an HWIO kernel; returns (h-2, w-2, cout). */
  function conv(x, h, w, cin, kernel, bias) {
    const cout = bias.length;
    const oh = h - 2;
    const ow = w - 2;
    const out = new Float32Array(oh * ow * cout);
    const sums = new Float64Array(cout);
    for (let r = 0; r < oh; r++) {
      for (let c = 0; c < ow; c++) {
        for (let o = 0; o < cout; o++) sums[o] = bias[o];
        for (let i = 0; i < 3; i++) {
          for (let j = 0; j < 3; j++) {
            const xBase = ((r + i) * w + (c + j)) * cin;
            const kBase = (i * 3 + j) * cin * cout;
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

  /** 2x2 max pooling, stride 2, "valid". */
  function pool(x, h, w, ch) {
    const oh = Math.floor(h / 2);
    const ow = Math.floor(w / 2);
    const out = new Float32Array(oh * ow * ch);
    for (let r = 0; r < oh; r++) {
      for (let c = 0; c < ow; c++) {
        for (let k = 0; k < ch; k++) {
          const at = (dr, dc) => x[((2 * r + dr) * w + 2 * c + dc) * ch + k];
          out[(r * ow + c) * ch + k] = Math.max(at(0, 0), at(0, 1), at(1, 0), at(1, 1));
        }
      }
    }
    return out;
  }

  /**
   * Every layer for one image. `pixels`: Float32Array (64*64*3, HWC) in [0, 1]; `network`: CNNX.loadNetwork()'s.
   * Returns {name: Float32Array} for the page's layer names (HWC), plus "logits"; "output" holds the softmax.
   */
  function forward(network, pixels) {
    const outputs = {};
    let x = pixels;
    let [h, w, ch] = [64, 64, 3];
    for (const layer of network.layers) {
      const weights = network.weights[layer.name];
      if (layer.kind === "conv") {
        x = conv(x, h, w, ch, weights.kernel, weights.bias);
        [h, w, ch] = layer.shape;
      } else if (layer.kind === "relu") {
        x = relu(x);
      } else if (layer.kind === "pool") {
        x = pool(x, h, w, ch);
        [h, w, ch] = layer.shape;
      } else if (layer.kind === "flatten") {
        x = Float32Array.from(x); // (H, W, C) order already, as Keras flattens
      } else {
        const classes = weights.bias.length;
        const logits = new Float32Array(classes);
        for (let o = 0; o < classes; o++) {
          let sum = weights.bias[o];
          for (let i = 0; i < x.length; i++) sum += x[i] * weights.kernel[i * classes + o];
          logits[o] = sum;
        }
        outputs.logits = logits;
        const top = Math.max(...logits);
        const exps = Array.from(logits, (v) => Math.exp(v - top));
        const total = exps.reduce((a, b) => a + b, 0);
        x = Float32Array.from(exps, (v) => v / total);
      }
      outputs[layer.name] = x;
    }
    return outputs;
  }

  /** numpy's rint: halves go to the even neighbour. */
  function rint(v) {
    const r = Math.round(v);
    return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
  }

  /** encode.py's u8-linear maps, decoded as data.js decodes them: one byte per value, per-neuron offset and scale. */
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
      if (column.kind === "conv") {
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

  /**
   * The sample object for an uploaded image: {id, title, top1, logits, probabilities, ranges, maps},
   * exactly what CNNX.loadSample gives for a built-in sample. `rgb`: the 64x64 image bytes (HWC).
   */
  function sampleFrom(id, title, rgb, outputs, columns) {
    const mapColumns = columns.filter((c) => c.kind !== "input" && c.kind !== "dense");
    const input = mapsFrom(Float32Array.from(rgb, (b) => Math.fround(b / 255)), 64, 64, 3);
    input.codes = new Uint8Array(3 * 64 * 64);
    for (let p = 0; p < 64 * 64; p++) for (let c = 0; c < 3; c++) input.codes[c * 4096 + p] = rgb[p * 3 + c];
    input.offset = [0, 0, 0];
    input.scale = [1, 1, 1].map(() => Math.fround(1 / 255)); // encode_input: the codes are the bytes
    const maps = { input };
    for (const column of mapColumns) {
      const [h, w, count] = column.shape;
      maps[column.name] = mapsFrom(outputs[column.name], h, w, count);
    }
    const probabilities = Array.from(outputs.output);
    const top1 = probabilities.indexOf(Math.max(...probabilities));
    return {
      id, title, top1, logits: Array.from(outputs.logits), probabilities,
      ranges: colourRanges(outputs, mapColumns), maps,
    };
  }

  CNNX.tinyvgg = { forward, sampleFrom };
})();
