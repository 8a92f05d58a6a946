/* Data files and the first request.
 *
 * Every data/*.json file has a .js twin that stores the same document in window.CNNX_DATA;
 * loading the twin through a <script> element works over http and from file:// alike, where
 * fetch() is refused. This script runs in <head>, so the selected sample starts downloading
 * while the rest of the page is still parsing. Format: docs/data-format.md.
 */
(function () {
  "use strict";
  const CNNX = (window.CNNX = window.CNNX || {});
  const page = JSON.parse(document.getElementById("cnnx-page").textContent);
  const pending = new Map();
  const decoded = new Map();
  CNNX.page = page;

  /** Load data/<key>.js once; resolves with the document it stores. */
  function load(key) {
    const store = (window.CNNX_DATA = window.CNNX_DATA || {});
    if (store[key]) return Promise.resolve(store[key]);
    if (!pending.has(key)) {
      pending.set(key, new Promise((resolve, reject) => {
        const script = document.createElement("script");
        script.src = page.root + "data/" + key + ".js";
        script.fetchPriority = "high"; // the reader is waiting for it; Chromium defers inserted scripts otherwise
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

  /** A "u8-linear" map array: neuron c's value at code q is offset[c] + q * scale[c]. */
  function decodeMaps(entry) {
    const [count, height, width] = entry.shape;
    return {
      count, height, width, codes: bytes(entry.data),
      offset: entry.offset, scale: entry.scale, min: entry.min, max: entry.max,
    };
  }

  function decodeSample(doc) {
    const maps = {};
    for (const name of Object.keys(doc.maps)) maps[name] = decodeMaps(doc.maps[name]);
    return {
      id: doc.id, title: doc.title, top1: doc.top1, logits: doc.logits,
      probabilities: doc.probabilities, ranges: doc.ranges, maps,
    };
  }

  CNNX.loadData = load;

  /* The reader's own image is kept for this tab only (sessionStorage; it never leaves the browser), so that a
   * reload, or the language switch, shows it again. upload.js saves it and supplies `compute`, which runs the
   * network on the saved pixels; the deferred scripts that define it have all run by DOMContentLoaded. */
  const ownKey = "cnnx-own-image " + new URL(page.root || "./", location.href).href;
  const scriptsRan = new Promise((resolve) => document.addEventListener("DOMContentLoaded", resolve, { once: true }));
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

  CNNX.loadSample = function (id) {
    if (!decoded.has(id)) {
      const own = CNNX.ownImage.saved;
      const sample = own && own.id === id
        ? scriptsRan.then(() => CNNX.ownImage.compute(own))
        : load("samples/" + id).then((doc) => {
          if (doc.version !== 1) throw new Error("sample " + id + " has data version " + doc.version + ", expected 1");
          return decodeSample(doc);
        });
      sample.catch(() => decoded.delete(id)); // let a later click retry
      decoded.set(id, sample);
    }
    return decoded.get(id);
  };

  /** An image the reader brought (upload.js): loadSample serves it like a built-in one; it replaces the previous one. */
  CNNX.registerSample = function (sample, replaces) {
    if (replaces) {
      decoded.delete(replaces);
      const at = page.samples.findIndex((s) => s.id === replaces);
      if (at >= 0) page.samples.splice(at, 1);
    }
    decoded.set(sample.id, Promise.resolve(sample));
    page.samples.push({ id: sample.id, title: sample.title });
  };

  let network = null;
  /** The weights: fetched only when a view needs them, never for the first view. */
  CNNX.loadNetwork = function () {
    network = network || load("network").then((doc) => {
      if (doc.version !== 1) throw new Error("network data version " + doc.version + ", expected 1");
      const weights = {};
      for (const name of Object.keys(doc.weights)) {
        weights[name] = { kernel: floats(doc.weights[name].kernel.data), bias: doc.weights[name].bias };
      }
      return { classes: doc.classes, input: doc.input, flattenOrder: doc.flattenOrder, layers: doc.layers, weights };
    });
    return network;
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
