/* The arithmetic behind the detail views, as plain functions over Float64Arrays.
 *
 * Every number a detail view shows comes from here, computed in the browser from the values
 * the sample stores (u8-linear maps, dequantised) and the network's float32 weights. So the
 * numbers in a view always agree with each other to the digits shown, whatever the sample's
 * origin (a gallery file or a picture the reader added). docs/data-format.md ("Detail views")
 * says how far they can be from the network's unrounded activations.
 */
(function () {
  "use strict";
  const CNNX = window.CNNX;

  /** Neuron c of a decoded u8-linear array: { values (row-major), height, width }. */
  function channel(maps, c) {
    const size = maps.height * maps.width;
    const values = new Float64Array(size);
    const offset = maps.offset[c];
    const scale = maps.scale[c];
    const start = c * size;
    for (let i = 0; i < size; i++) values[i] = offset + maps.codes[start + i] * scale;
    return { values, height: maps.height, width: maps.width };
  }

  /** The 3x3 kernel joining input channel c to output neuron o, row-major (Keras HWIO layout). */
  function kernel(weights, c, o, inputs, outputs) {
    const k = new Float64Array(9);
    for (let i = 0; i < 9; i++) k[i] = weights.kernel[(i * inputs + c) * outputs + o];
    return k;
  }

  /** Valid 3x3 cross-correlation, stride 1, no bias: what one input channel contributes. */
  function correlate(map, k) {
    const height = map.height - 2;
    const width = map.width - 2;
    const values = new Float64Array(height * width);
    const x = map.values;
    for (let r = 0; r < height; r++) {
      for (let c = 0; c < width; c++) {
        let sum = 0;
        for (let i = 0; i < 3; i++) {
          const row = (r + i) * map.width + c;
          sum += x[row] * k[3 * i] + x[row + 1] * k[3 * i + 1] + x[row + 2] * k[3 * i + 2];
        }
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

  /** 2x2 max pooling, stride 2, valid (an odd last row or column is dropped, as in Keras). */
  function maxPool(map) {
    const height = Math.floor(map.height / 2);
    const width = Math.floor(map.width / 2);
    const values = new Float64Array(height * width);
    for (let r = 0; r < height; r++) {
      for (let c = 0; c < width; c++) values[r * width + c] = Math.max(...window2x2(map, r, c));
    }
    return { values, height, width };
  }

  /** The 2x2 block under pooled cell (r, c), row by row. */
  function window2x2(map, r, c) {
    const top = 2 * r * map.width + 2 * c;
    const x = map.values;
    return [x[top], x[top + 1], x[top + map.width], x[top + map.width + 1]];
  }

  /** The h x w block whose top-left is (r, c), row by row. */
  function patch(map, r, c, h, w) {
    const out = [];
    for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) out.push(map.values[(r + i) * map.width + c + j]);
    return out;
  }

  /** Keras' flatten of a (C, H, W) map stack: index k = (row * W + col) * C + channel. */
  function flatten(maps) {
    const count = maps.length;
    const { height, width } = maps[0];
    const values = new Float64Array(count * height * width);
    for (let r = 0; r < height; r++) {
      for (let col = 0; col < width; col++) {
        for (let c = 0; c < count; c++) values[(r * width + col) * count + c] = maps[c].values[r * width + col];
      }
    }
    return values;
  }

  /** Where flattened value k came from. */
  function unflatten(k, count, width) {
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

  CNNX.detailMath = { channel, kernel, correlate, sum, relu, maxPool, window2x2, patch, flatten, unflatten,
                      softmax, maxAbs };
})();
