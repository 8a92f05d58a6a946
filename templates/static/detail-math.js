/* The arithmetic behind the detail views, as plain functions over Float64Arrays.
 *
 * Every number a detail view shows comes from here, computed in the browser from the exact float32
 * values of the layers it shows (data.js loadExact) and the network's float32 weights. So the
 * numbers in a view are the network's own to the digits shown, and agree with each other, whatever
 * the sample's origin (a gallery file or a picture the reader added). docs/data-format.md ("Detail views").
 */
(function () {
  "use strict";
  const CNNX = window.CNNX;

  /** Neuron c of a layer's exact values (data.js loadExact) or of its decoded 8-bit maps:
   * { values (row-major), height, width }. */
  function channel(maps, c) {
    const size = maps.height * maps.width;
    if (maps.values) return { values: Float64Array.from(maps.values.subarray(c * size, (c + 1) * size)), height: maps.height, width: maps.width };
    const values = new Float64Array(size);
    const offset = maps.offset[c];
    const scale = maps.scale[c];
    const start = c * size;
    for (let i = 0; i < size; i++) values[i] = offset + maps.codes[start + i] * scale;
    return { values, height: maps.height, width: maps.width };
  }

  /** The kh x kw kernel joining input channel c to output neuron o, row-major (Keras HWIO layout). */
  function kernel(weights, c, o, inputs, outputs, kh = 3, kw = 3) {
    const k = new Float64Array(kh * kw);
    for (let i = 0; i < kh * kw; i++) k[i] = weights.kernel[(i * inputs + c) * outputs + o];
    return k;
  }

  /** `map` with `layer`'s zero border around it (padding [[top, bottom], [left, right]]): what the kernel slides over. */
  function pad(map, padding) {
    const [[top, bottom], [left, right]] = padding;
    const height = map.height + top + bottom;
    const width = map.width + left + right;
    const values = new Float64Array(height * width);
    for (let r = 0; r < map.height; r++) {
      for (let c = 0; c < map.width; c++) values[(r + top) * width + c + left] = map.values[r * map.width + c];
    }
    return { values, height, width };
  }

  /** A conv layer's geometry from its network.json entry: kernel size, stride, dilation, the window's extent. */
  function convGeometry(layer) {
    const [kh, kw] = layer.kernel;
    const [sh, sw] = layer.strides;
    const [dh, dw] = layer.dilation;
    return { kh, kw, sh, sw, dh, dw, eh: (kh - 1) * dh + 1, ew: (kw - 1) * dw + 1 };
  }

  /** The kernel's kh x kw taps at output cell (r, c) of an already padded map, row by row. */
  function taps(padded, r, c, g) {
    const out = [];
    for (let i = 0; i < g.kh; i++) {
      for (let j = 0; j < g.kw; j++) out.push(padded.values[(r * g.sh + i * g.dh) * padded.width + c * g.sw + j * g.dw]);
    }
    return out;
  }

  /** Cross-correlation of a padded map with kernel k (no bias) at `layer`'s stride and dilation, to height x width. */
  function correlate(padded, k, layer, height, width) {
    const g = convGeometry(layer);
    const values = new Float64Array(height * width);
    for (let r = 0; r < height; r++) {
      for (let c = 0; c < width; c++) {
        const x = taps(padded, r, c, g);
        let sum = 0;
        for (let i = 0; i < x.length; i++) sum += x[i] * k[i];
        values[r * width + c] = sum;
      }
    }
    return { values, height, width };
  }

  /** Element-wise sum of maps of one size, plus a constant. */
  function sum(maps, constant) {
    const values = new Float64Array(maps[0].values.length).fill(constant);
    for (const map of maps) for (let i = 0; i < values.length; i++) values[i] += map.values[i];
    return { values, height: maps[0].height, width: maps[0].width };
  }

  function relu(map) {
    return { values: map.values.map((v) => Math.max(0, v)), height: map.height, width: map.width };
  }

  /** The pixels of pooled cell (r, c)'s window, row by row: null where the window lies on padding (no part). */
  function poolWindow(map, layer, r, c) {
    const [ph, pw] = layer.window;
    const [sh, sw] = layer.strides;
    const top = r * sh - layer.padding[0][0];
    const left = c * sw - layer.padding[1][0];
    const out = [];
    for (let i = 0; i < ph; i++) {
      for (let j = 0; j < pw; j++) {
        const y = top + i;
        const x = left + j;
        out.push(y >= 0 && y < map.height && x >= 0 && x < map.width ? map.values[y * map.width + x] : null);
      }
    }
    return out;
  }

  /** One window's max or mean, as the layer computes it (padding counted in a mean only with countPad). */
  function poolValue(values, layer) {
    const inside = values.filter((v) => v !== null);
    if (layer.op === "max") return Math.max(...inside);
    return inside.reduce((a, b) => a + b, 0) / (layer.countPad ? values.length : inside.length);
  }

  /** Max or average pooling of one map with `layer`'s window, stride and padding, to the layer's output size. */
  function pool(map, layer) {
    const [height, width] = layer.shape;
    const values = new Float64Array(height * width);
    for (let r = 0; r < height; r++) {
      for (let c = 0; c < width; c++) values[r * width + c] = poolValue(poolWindow(map, layer, r, c), layer);
    }
    return { values, height, width };
  }

  /** The h x w block whose top-left is (r, c), row by row. */
  function patch(map, r, c, h, w) {
    const out = [];
    for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) out.push(map.values[(r + i) * map.width + c + j]);
    return out;
  }

  /** The flatten of a (C, H, W) map stack in the network's order: "hwc" (Keras) k = (row * W + col) * C + channel,
   * "chw" (PyTorch) k = (channel * H + row) * W + col. */
  function flatten(maps, order) {
    const count = maps.length;
    const { height, width } = maps[0];
    const values = new Float64Array(count * height * width);
    for (let c = 0; c < count; c++) {
      for (let p = 0; p < height * width; p++) values[flatIndex(c, Math.floor(p / width), p % width, count, height, width, order)] = maps[c].values[p];
    }
    return values;
  }

  /** Where (channel, row, col) lands in the flattened vector. */
  function flatIndex(channel, row, col, count, height, width, order) {
    return order === "chw" ? (channel * height + row) * width + col : (row * width + col) * count + channel;
  }

  /** Where flattened value k came from: the inverse of flatIndex. */
  function unflatten(k, count, height, width, order) {
    if (order === "chw") {
      const pixel = k % (height * width);
      return { channel: Math.floor(k / (height * width)), row: Math.floor(pixel / width), col: pixel % width };
    }
    const pixel = Math.floor(k / count);
    return { channel: k % count, row: Math.floor(pixel / width), col: pixel % width };
  }

  /** exp of every logit, their sum and the probabilities, exactly as the formula is written. */
  function softmax(logits) {
    const exps = logits.map((l) => Math.exp(l));
    const total = exps.reduce((a, b) => a + b, 0);
    return { exps, total, probabilities: exps.map((e) => e / total) };
  }

  /** The largest |v| over several value arrays. */
  function maxAbs(...arrays) {
    let top = 0;
    for (const values of arrays) for (const v of values) top = Math.max(top, Math.abs(v));
    return top;
  }

  CNNX.detailMath = { channel, kernel, pad, convGeometry, taps, correlate, sum, relu, poolWindow, poolValue, pool,
                      patch, flatten, flatIndex, unflatten, softmax, maxAbs };
})();
