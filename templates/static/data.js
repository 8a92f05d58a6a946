/* Data files and the first request.
 *
 * Every data/*.json file has a .js twin that stores the same document in window.CNNX_DATA;
 * loading the twin through a <script> element works over http and from file:// alike, where
 * fetch() is refused. The default sample's document comes in the page itself (#cnnx-first-sample),
 * and this script runs in <head>: the first sample decodes, or the one a link names starts
 * downloading, while the rest of the page is still parsing. Format: docs/data-format.md.
 */
(function () {
  "use strict";
  const CNNX = (window.CNNX = window.CNNX || {});
  const page = JSON.parse(document.getElementById("cnnx-page").textContent);
  const pending = new Map();
  const decoded = new Map();
  const VERSION = 4; // of the data files (docs/data-format.md)
  CNNX.page = page;
  // Read while the page is empty: read later, it made the browser lay out the half-parsed page for it (app.js).
  CNNX.viewport = { width: window.innerWidth, height: window.innerHeight };
  const firstSample = JSON.parse(document.getElementById("cnnx-first-sample").textContent);
  (window.CNNX_DATA = window.CNNX_DATA || {})["samples/" + firstSample.id] = firstSample;

  /** Load data/<key>.js once; resolves with the document it stores. `background`: nobody waits for it yet (the
   * gallery's prefetch, a thumbnail pointed at). */
  function load(key, background = false) {
    const store = (window.CNNX_DATA = window.CNNX_DATA || {});
    if (store[key]) return Promise.resolve(store[key]);
    if (!pending.has(key)) {
      pending.set(key, new Promise((resolve, reject) => {
        const script = document.createElement("script");
        script.src = page.root + "data/" + key + ".js";
        // The reader's file: high priority (Chromium defers inserted scripts otherwise), and run in order (an async
        // script ran later while the article was still parsing: a click at the first draw redrew in 81 ms, not 72,
        // medians of 21, interleaved). A background file runs whenever it arrives: in order, one still on its way
        // (a whole download, on a slow connection) would hold back every file the reader asks for after it.
        script.fetchPriority = background ? "low" : "high";
        script.async = background;
        script.onload = () => (store[key] ? resolve(store[key]) : reject(new Error(script.src + " defined no data")));
        script.onerror = () => {
          pending.delete(key);
          reject(new Error("could not load " + script.src));
        };
        document.head.appendChild(script);
      }));
    }
    return pending.get(key);
  }

  function bytes(base64) {
    const text = atob(base64);
    const out = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
    return out;
  }

  function floats(base64) {
    const raw = bytes(base64);
    return new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
  }

  let scratch = null; // one canvas for every decode: each draws and reads back without yielding in between
  /** An image's {width, data: its RGBA bytes exactly as stored} (`what()` names it, for the error). An image element
   * loads the data: URL (a Blob made a round trip to the browser process per image: a sample switch took a third
   * longer) and drawImage decodes it into the canvas, synchronously: the images are opaque and carry no colour profile, so
   * neither colour management nor premultiplied alpha changes a byte (test_exact_numbers checks it, over http and from
   * file://). Decoded first by image.decode() and turned into a bitmap by createImageBitmap, each image went to another
   * thread and back twice: the first view was drawn 12-13 ms later and an idle page's switch 7 ms later (medians of
   * 12 and 16 interleaved page loads). */
  async function pixelsOf(url, what) {
    const image = new Image();
    const loaded = new Promise((resolve, reject) => {
      image.onload = resolve;
      image.onerror = () => reject(new Error(what() + ": its image does not decode"));
    });
    image.src = url;
    await loaded;
    scratch = scratch || document.createElement("canvas");
    scratch.width = image.naturalWidth;
    scratch.height = image.naturalHeight;
    const context = scratch.getContext("2d", { willReadFrequently: true });
    context.drawImage(image, 0, 0);
    return { width: scratch.width, data: context.getImageData(0, 0, scratch.width, scratch.height).data };
  }

  /** The codes a ReLU or max-pooling layer would have if its input were exactly `source`'s decoded codes: the same
   * bytes as encode.py's predicted_codes. The decoded input value x(q) = offset + q * scale (float64, scale >= 0) never
   * decreases as its code q grows, so a window's largest value is x of its largest code, and max(x, 0) depends on q
   * alone: one 256-entry table per neuron, made with predicted_codes' float64 operations, gives its every result. */
  function predicted(predict, source, entry) {
    const [count, height, width] = entry.shape;
    const size = height * width;
    const inHeight = source.height;
    const inWidth = source.width;
    const src = source.codes;
    const out = new Uint8Array(count * size);
    const table = new Uint8Array(257); // table[q + 1]; table[0]: a window with no pixel (all padding), y = -Infinity
    const relu = predict.op === "relu";
    // Locals, not property reads in the loops: this runs before the JIT has compiled anything (the first view).
    const [windowHeight, windowWidth] = predict.window || [1, 1];
    const [strideY, strideX] = predict.strides || [1, 1];
    const [[top], [left]] = predict.padding || [[0], [0]];
    for (let c = 0; c < count; c++) {
      codeTable(table, relu, source.offset[c], source.scale[c], entry.offset[c], entry.scale[c]);
      const from = c * inHeight * inWidth;
      const to = c * size;
      if (relu) {
        for (let r = 0; r < height; r++) lookUp(out, to + r * width, table, src, from + r * width, width);
        continue;
      }
      for (let r = 0; r < height; r++) {
        const rowStart = Math.max(0, r * strideY - top); // the window's rows inside the input
        const rowEnd = Math.min(inHeight, r * strideY - top + windowHeight);
        poolRow(out, to + r * width, table, src, from + rowStart * inWidth, rowEnd - rowStart, inWidth, width,
          strideX, left, windowWidth);
      }
    }
    return out;
  }

  /** predicted()'s table for one neuron: table[q + 1] = the code of input code q's value after the op (max(x, 0) for a
   * ReLU, x itself for a pooling), table[0] = the code of -Infinity. A function of its own, without a closure: the JIT
   * compiles it after its first few neurons. */
  function codeTable(table, relu, inOffset, inScale, offset, scale) {
    if (!(scale > 0)) {
      table.fill(0);
      return;
    }
    table[0] = 0; // floor(-Infinity) clamped
    for (let q = 0; q < 256; q++) {
      const x = inOffset + q * inScale;
      const y = relu ? Math.max(x, 0) : x;
      table[q + 1] = Math.max(0, Math.min(255, Math.floor((y - offset) / scale + 0.5)));
    }
  }

  // Regrouped kernels by their shape and base64 text: every sample file carries the same network's weights, so each
  // convolution's are decoded once a page.
  const groupedKernels = new Map();

  /** The codes a convolution would have if its input were exactly `source`'s decoded codes: the same bytes as
   * encode.py's predicted_codes. Each output is the sum of its taps in (kernel row, kernel column, input channel)
   * order, every product rounded and then added (JavaScript never fuses them), zero padding as zeros, then the
   * bias, in float64, with the convolution's float32 weights that `predict` carries. */
  function convolved(predict, source, entry) {
    const [count, height, width] = entry.shape;
    const size = height * width;
    const channels = source.count;
    const inHeight = source.height;
    const inWidth = source.width;
    const [kernelHeight, kernelWidth] = predict.kernel;
    const [strideY, strideX] = predict.strides;
    const [[top, bottom], [left, right]] = predict.padding;
    const [dilationY, dilationX] = predict.dilation;
    const paddedHeight = inHeight + top + bottom;
    const paddedWidth = inWidth + left + right;
    const x = new Float64Array(channels * paddedHeight * paddedWidth);
    const value = new Float64Array(256);
    const normalize = predict.normalize;
    for (let c = 0; c < channels; c++) {
      const inOffset = source.offset[c];
      const inScale = source.scale[c];
      for (let q = 0; q < 256; q++) {
        const v = inOffset + q * inScale;
        value[q] = normalize ? v * normalize.scale[c] + normalize.offset[c] : v;
      }
      planeValues(x, (c * paddedHeight + top) * paddedWidth + left, paddedWidth, value, source.codes, c * inHeight * inWidth,
        inHeight, inWidth);
    }
    // Outputs in groups of four (convolvedRow): the kernel regrouped as [group][tap][4], a last group past `count`
    // padded with zero weights, and each tap's place in `x`.
    const taps = kernelHeight * kernelWidth * channels;
    const groups = Math.ceil(count / 4);
    const key = taps + "x" + count + ":" + predict.weights.kernel.data;
    if (!groupedKernels.has(key)) {
      const weights = floats(predict.weights.kernel.data); // [kernel row][kernel column][input channel][output]
      const grouped = new Float64Array(groups * taps * 4);
      for (let t = 0; t < taps; t++) {
        for (let o = 0; o < count; o++) grouped[(Math.floor(o / 4) * taps + t) * 4 + (o % 4)] = weights[t * count + o];
      }
      groupedKernels.set(key, grouped);
    }
    const kernel = groupedKernels.get(key);
    const tap = new Int32Array(taps);
    for (let i = 0, t = 0; i < kernelHeight; i++) {
      for (let j = 0; j < kernelWidth; j++) {
        for (let c = 0; c < channels; c++) tap[t++] = (c * paddedHeight + i * dilationY) * paddedWidth + j * dilationX;
      }
    }
    const bias = predict.weights.bias;
    const sums = new Float64Array(size * 4); // [pixel][4]: one group's sums
    const out = new Uint8Array(count * size);
    for (let g = 0; g < groups; g++) {
      for (let r = 0; r < height; r++) {
        convolvedRow(sums, r * width, x, r * strideY * paddedWidth, strideX, kernel, g * taps * 4, tap, width);
      }
      for (let k = 0; k < 4 && 4 * g + k < count; k++) {
        const o = 4 * g + k;
        const scale = entry.scale[o];
        if (scale > 0) quantised(out, o * size, sums, k, bias[o], entry.offset[o], scale, size); // else all 0: constant
      }
    }
    return out;
  }

  /** One output row of a group of four outputs: sums[4 * (to + col) + k] = the sum over taps t, in order, of
   * kernel[k0 + 4 * t + k] * x[first + col * strideX + tap[t]]. Two pixels at a time, their eight sums kept in
   * registers: each input value is read once for four outputs and each weight once for two pixels, where adding one
   * tap to a whole map read and wrote every sum once a tap. Loops in small functions, which the JIT compiles after
   * their first calls: a loop left in convolved itself ran uncompiled for most of a layer. */
  function convolvedRow(sums, to, x, first, strideX, kernel, k0, tap, width) {
    const taps = tap.length;
    let col = 0;
    for (; col + 1 < width; col += 2) {
      const here = first + col * strideX;
      const next = here + strideX;
      let a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
      for (let t = 0, q = k0; t < taps; t++, q += 4) {
        const u = x[here + tap[t]];
        const v = x[next + tap[t]];
        const w0 = kernel[q], w1 = kernel[q + 1], w2 = kernel[q + 2], w3 = kernel[q + 3];
        a0 += w0 * u; a1 += w1 * u; a2 += w2 * u; a3 += w3 * u;
        b0 += w0 * v; b1 += w1 * v; b2 += w2 * v; b3 += w3 * v;
      }
      const p = 4 * (to + col);
      sums[p] = a0; sums[p + 1] = a1; sums[p + 2] = a2; sums[p + 3] = a3;
      sums[p + 4] = b0; sums[p + 5] = b1; sums[p + 6] = b2; sums[p + 7] = b3;
    }
    if (col < width) { // an odd width's last pixel
      const here = first + col * strideX;
      let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
      for (let t = 0, q = k0; t < taps; t++, q += 4) {
        const u = x[here + tap[t]];
        a0 += kernel[q] * u; a1 += kernel[q + 1] * u; a2 += kernel[q + 2] * u; a3 += kernel[q + 3] * u;
      }
      const p = 4 * (to + col);
      sums[p] = a0; sums[p + 1] = a1; sums[p + 2] = a2; sums[p + 3] = a3;
    }
  }

  /** out[to + k] = the code of sums[from + 4 * k] + b for k < n: floor((y - offset) / scale + 0.5) clamped to 0..255. */
  function quantised(out, to, sums, from, b, offset, scale, n) {
    for (let k = 0; k < n; k++) {
      out[to + k] = Math.max(0, Math.min(255, Math.floor((sums[from + 4 * k] + b - offset) / scale + 0.5)));
    }
  }

  /** One input channel's decoded values, its rows `pitch` apart in x: x[to + r * pitch + k] = value[codes[from + r * width
   * + k]]. */
  function planeValues(x, to, pitch, value, codes, from, height, width) {
    for (let r = 0; r < height; r++) {
      for (let k = 0; k < width; k++) x[to + r * pitch + k] = value[codes[from + r * width + k]];
    }
  }

  /** out[to + k] += pixels[from + 4 * k] for k < n: one row. A small function called once a row is compiled by the JIT
   * after a few rows; one loop over a layer ran uncompiled for most of its length on the first view. */
  function addStrided(out, to, pixels, from, n) {
    for (let k = 0; k < n; k++) out[to + k] += pixels[from + 4 * k];
  }

  /** out[to + k] = table[codes[from + k] + 1] for k < n: one row of a ReLU (see addStrided). */
  function lookUp(out, to, table, codes, from, n) {
    for (let k = 0; k < n; k++) out[to + k] = table[codes[from + k] + 1];
  }

  /** One row of a max pooling: table[1 + the largest code in each window of `rows` rows from `first`] (see addStrided). */
  function poolRow(out, to, table, src, first, rows, inWidth, width, strideX, left, windowWidth) {
    for (let col = 0; col < width; col++) {
      const colStart = Math.max(0, col * strideX - left);
      const colEnd = Math.min(inWidth, col * strideX - left + windowWidth);
      let most = -1;
      for (let sr = 0; sr < rows; sr++) {
        const line = first + sr * inWidth;
        for (let sc = colStart; sc < colEnd; sc++) if (src[line + sc] > most) most = src[line + sc];
      }
      out[to + col] = table[most + 1];
    }
  }

  /** A "u8-webp" map array's codes from its image (pixelsOf): neuron c in tile c / planes of the grid that begins at
   * entry.origin, colour channel c % planes; plus, for a predicted layer, the prediction from the layer it names
   * (decoded already). */
  function decodeMaps(entry, image, source) {
    const [count, height, width] = entry.shape;
    const { planes, predict } = entry;
    const cols = entry.tiles[1];
    const [left, top] = entry.origin;
    const pixels = image.data;
    const imageWidth = image.width;
    // The stored bytes are added to the prediction in place (a Uint8Array keeps the sum modulo 256): one pass.
    const codes = !predict ? new Uint8Array(count * height * width)
      : predict.op === "conv" ? convolved(predict, source, entry) : predicted(predict, source, entry);
    for (let c = 0; c < count; c++) {
      const tile = Math.floor(c / planes);
      const x0 = left + (tile % cols) * width;
      const y0 = top + Math.floor(tile / cols) * height;
      const plane = c % planes;
      for (let r = 0; r < height; r++) {
        addStrided(codes, (c * height + r) * width, pixels, 4 * ((y0 + r) * imageWidth + x0) + plane, width);
      }
    }
    return { count, height, width, codes, offset: entry.offset, scale: entry.scale, min: entry.min, max: entry.max };
  }

  /* The reader's samples first: a decode nobody waits for yet (the prefetch, a thumbnail pointed at) pauses at each
   * layer while one the reader asked for is under way (a click amid the prefetch redrew in 90-115 ms, else 50-60). */
  const unasked = new Set(); // ids of the decodes nobody waits for yet
  let asked = 0; // decodes the reader waits for, under way
  const paused = [];
  async function readerFirst(id) {
    while (unasked.has(id) && asked > 0) await new Promise((resume) => paused.push(resume));
  }
  function wake() {
    for (const resume of paused.splice(0)) resume();
  }
  function ask(id) {
    if (!unasked.delete(id)) return;
    asked++;
    wake();
    const done = () => {
      asked--;
      setTimeout(() => asked || wake(), 0); // a task later: after the draw that waited for it
    };
    decoded.get(id).then(done, done);
  }

  /** Every image of the sample starts loading at once (a TinyVGG gallery sample has two: its input, and the ten layers
   * stored as differences from their prediction); each layer's codes are made, in the layer order its prediction
   * depends on, as soon as its image is ready. */
  async function decodeSample(doc) {
    await readerFirst(doc.id);
    const names = Object.keys(doc.maps);
    const layersIn = (k) => { // "layer a", "layers a to d" (all of them in between), or "layers a, c, d"
      const held = names.filter((name) => doc.maps[name].image === k);
      if (held.length === 1) return `layer ${held[0]}`;
      const last = held[held.length - 1];
      const runs = names.indexOf(last) - names.indexOf(held[0]) + 1 === held.length;
      return runs ? `layers ${held[0]} to ${last}` : `layers ${held.join(", ")}`;
    };
    const pixels = doc.images.map((url, k) => pixelsOf(url, () => `sample ${doc.id}, ${layersIn(k)}`)); // named on failure only
    const all = Promise.all(pixels); // the first failure rejects the sample (and no rejection goes unhandled)
    const maps = {};
    for (let i = 0; i < names.length; i++) {
      const entry = doc.maps[names[i]];
      const source = entry.predict ? maps[entry.predict.from] : null;
      const image = await Promise.race([pixels[entry.image], all]);
      await readerFirst(doc.id);
      maps[names[i]] = decodeMaps(entry, image, source);
    }
    return {
      id: doc.id, title: doc.title, top1: doc.top1, logits: doc.logits,
      probabilities: doc.probabilities, ranges: doc.ranges, maps, exact: null, exactFiles: doc.exactFiles,
    };
  }

  CNNX.loadData = load;

  /* The reader's own image is kept for this tab only (sessionStorage; it never leaves the browser), so that a
   * reload, or the language switch, shows it again. upload.js saves it and supplies `compute`, which runs the
   * network on the saved pixels; the page's script that defines it has run by DOMContentLoaded. */
  const ownKey = "cnnx-own-image " + new URL(page.root || "./", location.href).href;
  /** Resolves once the whole page is parsed: the article below the graph too, and every script has run. */
  CNNX.parsed = new Promise((resolve) => document.addEventListener("DOMContentLoaded", resolve, { once: true }));
  // Until then the article's formulas are not laid out (site.css, html.parsing): Firefox laid a half-parsed <math> out
  // when something made it lay the page out meanwhile, and logged "Invalid markup: Incorrect number of children" on
  // the console (4 page loads in 90; none in 90 with this).
  document.documentElement.classList.add("parsing");
  CNNX.parsed.then(() => document.documentElement.classList.remove("parsing"));
  CNNX.ownImage = {
    saved: null, // {id, title, rgb: Uint8Array of H x W x 3 bytes, the network's input size} found at load
    compute: null, // (saved) => Promise<sample>, from upload.js
    save(record) {
      try {
        sessionStorage.setItem(ownKey, JSON.stringify(record));
      } catch (error) {
        // storage off or full: the image just won't come back after a reload
      }
    },
  };
  try {
    const record = JSON.parse(sessionStorage.getItem(ownKey));
    const rgb = record && typeof record.rgb === "string" ? bytes(record.rgb) : null;
    const inputSize = page.columns[0].shape[0] * page.columns[0].shape[1] * 3; // RGB at the network's size
    if (rgb && rgb.length === inputSize && typeof record.title === "string" &&
        /^own-\d+$/.test(record.id) && !page.samples.some((s) => s.id === record.id)) {
      CNNX.ownImage.saved = { id: record.id, title: record.title, rgb };
      page.samples.push({ id: record.id, title: record.title });
    }
  } catch (error) {
    // no storage, or a record that is not ours: nothing to restore
  }

  /** Sample `id`, decoded. `background`: nobody waits for it yet (readerFirst). */
  CNNX.loadSample = function (id, background = false) {
    if (!decoded.has(id)) {
      const own = CNNX.ownImage.saved;
      const sample = own && own.id === id
        ? CNNX.parsed.then(() => CNNX.ownImage.compute(own))
        : load("samples/" + id, background).then((doc) => {
          if (doc.version !== VERSION) {
            throw new Error("sample " + id + " has data version " + doc.version + ", expected " + VERSION);
          }
          return decodeSample(doc);
        });
      sample.catch(() => decoded.delete(id)); // let a later click retry
      decoded.set(id, sample);
      unasked.add(id);
    }
    if (!background) ask(id);
    return decoded.get(id);
  };

  /** An image the reader brought (upload.js): loadSample serves it like a built-in one; it replaces the previous one. */
  CNNX.registerSample = function (sample, replaces) {
    if (replaces) {
      decoded.delete(replaces);
      const at = page.samples.findIndex((s) => s.id === replaces);
      if (at >= 0) page.samples.splice(at, 1);
    }
    for (const key of [...exactValues.keys()]) {
      if (key.startsWith(sample.id + "|") || (replaces && key.startsWith(replaces + "|"))) exactValues.delete(key);
    }
    decoded.set(sample.id, Promise.resolve(sample));
    page.samples.push({ id: sample.id, title: sample.title });
  };

  let network = null;
  /** The weights: fetched only when a view needs them, never for the first view. */
  CNNX.loadNetwork = function () {
    network = network || load("network").then((doc) => {
      if (doc.version !== VERSION) throw new Error("network data version " + doc.version + ", expected " + VERSION);
      const weights = {};
      for (const name of Object.keys(doc.weights)) {
        weights[name] = { kernel: floats(doc.weights[name].kernel.data), bias: doc.weights[name].bias };
      }
      return { classes: doc.classes, input: doc.input, flattenOrder: doc.flattenOrder, layers: doc.layers, weights };
    });
    return network;
  };

  const exactValues = new Map(); // "<sample id>|<layer>" -> Promise of {count, height, width, values}

  /** The exact float32 values of map layer `name` of `sample`, as {count, height, width, values (C, H, W)}: what a
   * detail view prints. The input's are its bytes / 255, as the model saw them; a layer listed in the sample's
   * exactFiles has its own data file; any other (a ReLU or a max pooling) is its op applied to the layer before it,
   * bit for bit what the network computed (encode.py checks that before leaving its file out). An image the reader
   * added carries every layer's values itself (network.js). */
  function exactLayer(sample, name, network) {
    const key = sample.id + "|" + name;
    if (exactValues.has(key)) return exactValues.get(key);
    const maps = sample.maps[name];
    const shaped = (values) => ({ count: maps.count, height: maps.height, width: maps.width, values });
    let result;
    if (sample.exact && sample.exact[name]) result = Promise.resolve(shaped(sample.exact[name]));
    else if (name === "input") result = Promise.resolve(shaped(Float32Array.from(maps.codes, (q) => Math.fround(q / 255))));
    else if (sample.exactFiles.includes(name)) {
      result = load("exact/" + sample.id + "/" + name).then((doc) => {
        if (doc.version !== VERSION) throw new Error(`exact values of ${name} have data version ${doc.version}`);
        return shaped(floats(doc.values.data));
      });
    } else {
      const columns = page.columns;
      const before = columns[columns.findIndex((c) => c.name === name) - 1].name;
      const layer = network.layers.find((l) => l.name === name);
      result = exactLayer(sample, before, network).then((source) => shaped(derive(layer, source, maps)));
    }
    result.catch(() => exactValues.delete(key)); // let a later view retry
    exactValues.set(key, result);
    return result;
  }

  /** A ReLU's or max pooling's output from its input's exact values: max is exact in float32, so this is the network's. */
  function derive(layer, source, maps) {
    const { count, height, width } = maps;
    if (layer.kind === "relu") return source.values.map((v) => Math.max(v, 0));
    const values = new Float32Array(count * height * width);
    const [[top], [left]] = layer.padding;
    for (let c = 0; c < count; c++) {
      for (let r = 0; r < height; r++) {
        for (let col = 0; col < width; col++) {
          let y = -Infinity;
          for (let i = 0; i < layer.window[0]; i++) {
            for (let j = 0; j < layer.window[1]; j++) {
              const sr = r * layer.strides[0] + i - top;
              const sc = col * layer.strides[1] + j - left;
              if (sr >= 0 && sr < source.height && sc >= 0 && sc < source.width) {
                y = Math.max(y, source.values[(c * source.height + sr) * source.width + sc]);
              }
            }
          }
          values[(c * height + r) * width + col] = y;
        }
      }
    }
    return values;
  }

  /** The exact values of several map layers of a sample: {name: {count, height, width, values}}. */
  CNNX.loadExact = function (sample, names, network) {
    const wanted = names.filter((name) => sample.maps[name]);
    return Promise.all(wanted.map((name) => exactLayer(sample, name, network)))
      .then((list) => Object.fromEntries(wanted.map((name, i) => [name, list[i]])));
  };

  /** State in the URL hash: #sample=<id>&scale=<mode>[&layer=<name>&neuron=<i>][&details=off]. `missingOwn`:
   * the hash names a reader's own image that this tab does not hold (the default sample is shown instead). */
  CNNX.readHash = function () {
    const params = new URLSearchParams(location.hash.replace(/^#/, ""));
    const ids = page.samples.map((s) => s.id);
    const sample = ids.includes(params.get("sample")) ? params.get("sample") : page.defaultSample;
    const scale = page.scaleModes.includes(params.get("scale")) ? params.get("scale") : page.scaleModes[0];
    const column = page.columns.find((c) => c.name === params.get("layer"));
    const index = Number.parseInt(params.get("neuron"), 10);
    const selected = column && index >= 0 && index < column.count ? { layer: column.name, neuron: index } : null;
    // An image added in another tab (upload.js names them own-N) cannot be shown here: say so, not just ignore it.
    const missingOwn = /^own-\d+$/.test(params.get("sample") || "") && sample !== params.get("sample");
    return { sample, scale, selected, details: params.get("details") !== "off", missingOwn };
  };

  CNNX.firstSample = CNNX.loadSample(CNNX.readHash().sample);
  CNNX.firstSample.catch(() => {}); // app.js reports the failure once it runs
})();
