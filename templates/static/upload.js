/* The reader's own image: chosen with the file input, dropped on the page or pasted.
 *
 * The image is preprocessed as the build does (preprocess.js, to the network's input size), run through
 * the network in the page (assets/network.js, with data/network.js's weights) and registered as one more sample, so every
 * view draws it exactly as a built-in one: it gets a thumbnail in the gallery and the URL
 * hash selects it (app.js applies the hash). A file the browser cannot read leaves the
 * current image in place and says so. Nothing leaves the page: no URL loading, no network.
 * The image's pixels (RGB at the network's input size) are kept for this tab (data.js CNNX.ownImage), so a reload shows it again.
 */
(function () {
  "use strict";
  const CNNX = window.CNNX;
  const page = CNNX.page;
  const strings = page.strings;
  const input = document.querySelector("[data-role=upload]");
  const message = document.querySelector("[data-role=upload-error]");
  const addButton = input.closest("label");
  let current = null; // {id, thumb} of the image shown in the gallery's own-image slot
  let count = 0;
  let token = 0;

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, (all, key) => (key in values ? values[key] : all));
  }

  function showError(text) {
    message.textContent = text;
    message.hidden = !text;
  }

  function thumbnail(id, title, rgb) {
    if (!current) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "thumb own-image";
      const canvas = document.createElement("canvas");
      [canvas.height, canvas.width] = page.columns[0].shape;
      canvas.className = "thumb-image";
      canvas.setAttribute("role", "img");
      button.appendChild(canvas);
      addButton.before(button);
      current = { thumb: button };
    }
    const button = current.thumb;
    button.dataset.sample = id;
    button.title = title;
    button.setAttribute("aria-pressed", "false");
    const canvas = button.querySelector("canvas");
    canvas.setAttribute("aria-label", title);
    const [height, width] = page.columns[0].shape;
    const image = new ImageData(width, height);
    for (let p = 0; p < rgb.length / 3; p++) {
      image.data.set([rgb[3 * p], rgb[3 * p + 1], rgb[3 * p + 2], 255], 4 * p);
    }
    canvas.getContext("2d").putImageData(image, 0, 0);
  }

  function select(id) {
    const params = new URLSearchParams(location.hash.replace(/^#/, ""));
    params.set("sample", id);
    location.replace("#" + params.toString()); // app.js hears the hashchange and draws the sample
  }

  /** Read, classify and show one image; on failure keep the current one and explain. */
  async function use(file, title) {
    const mine = ++token;
    const name = title || file.name || strings.upload_pasted;
    let prepared;
    let network;
    try {
      const [height, width] = page.columns[0].shape;
      [prepared, network] = await Promise.all([CNNX.preprocess.fromBlob(file, width, height), CNNX.loadNetwork()]);
    } catch (error) {
      if (mine !== token) return;
      if (error instanceof RangeError) {
        showError(fill(strings.upload_too_large, { name, size: error.message }));
      } else if (error && /could not load|data version/.test(String(error.message))) {
        throw error; // the page's own data is broken: a real error, not the reader's file
      } else {
        showError(fill(strings.upload_error, { name }));
      }
      return;
    }
    if (mine !== token) return; // a later image won
    let id;
    do id = "own-" + ++count; while (page.samples.some((s) => s.id === id)); // a built-in image may be named own-1
    const sample = classify(network, id, name, prepared.rgb);
    CNNX.registerSample(sample, current && current.thumb.dataset.sample);
    thumbnail(id, name, prepared.rgb);
    showError("");
    CNNX.ownImage.save({ id, title: name, rgb: btoa(String.fromCharCode.apply(null, prepared.rgb)) });
    select(id);
  }

  /** RGB bytes at the network's size -> a sample with every layer's maps, as loadSample gives for a built-in one. */
  function classify(network, id, title, rgb) {
    const bytes = CNNX.network.inputBytes(rgb, page.columns[0].shape[2]);
    const pixels = Float32Array.from(bytes, (b) => Math.fround(b / 255));
    return CNNX.network.sampleFrom(id, title, bytes, CNNX.network.forward(network, pixels), page.columns);
  }

  // The image this tab had before a reload: back in its slot; its maps are computed when it is drawn.
  const saved = CNNX.ownImage.saved;
  CNNX.ownImage.compute = (own) => CNNX.loadNetwork().then((network) => classify(network, own.id, own.title, own.rgb));
  if (saved) {
    count = Number(saved.id.slice("own-".length));
    thumbnail(saved.id, saved.title, saved.rgb);
  }

  function firstImage(files) {
    return files && files.length ? files[0] : null;
  }

  input.addEventListener("change", () => {
    const file = firstImage(input.files);
    input.value = ""; // choosing the same file again is a change too
    if (file) use(file).catch((error) => console.error(error));
  });

  function carriesFiles(event) {
    return event.dataTransfer && [...event.dataTransfer.types].includes("Files");
  }

  document.addEventListener("dragover", (event) => {
    if (!carriesFiles(event)) return;
    event.preventDefault(); // allow the drop instead of the browser opening the file
    event.dataTransfer.dropEffect = "copy";
    document.body.classList.add("dropping");
  });
  document.addEventListener("dragleave", (event) => {
    if (!event.relatedTarget) document.body.classList.remove("dropping");
  });
  document.addEventListener("drop", (event) => {
    document.body.classList.remove("dropping");
    const file = event.dataTransfer && firstImage(event.dataTransfer.files);
    if (!file) return;
    event.preventDefault();
    use(file).catch((error) => console.error(error));
  });

  document.addEventListener("paste", (event) => {
    const items = event.clipboardData ? [...event.clipboardData.items] : [];
    const item = items.find((i) => i.kind === "file");
    const file = item && item.getAsFile();
    if (!file) return; // pasting text into the explorer's fields stays ordinary
    event.preventDefault();
    use(file, strings.upload_pasted).catch((error) => console.error(error));
  });
})();
