/* The page's state (sample, colour mode, selected neuron, details) and its wiring to the DOM.
 *
 * The URL hash is the state's public form: every change is written there and every hash the
 * reader pastes or navigates to is applied, so a link reopens the same view. Changes replace the
 * current history entry (a click through the gallery must not fill Back with samples), except one:
 * opening a detail view pushes an entry, so that Back closes the view instead of leaving the site;
 * closing the view from inside it (Esc, the close button) goes back over that entry again.
 * When a draw completes, the overview gets data-drawn="<sample>|<mode>" (tests and the
 * benchmark wait for it) and a "cnnx-drawn" performance mark; selecting a neuron dispatches a
 * "cnnx:select" event whose detail is {layer, neuron} or null.
 */
(function () {
  "use strict";
  const CNNX = window.CNNX;
  performance.mark("cnnx-start");
  const page = CNNX.page;
  const strings = page.strings;
  const root = document.querySelector("[data-role=overview]");
  const chip = document.querySelector("[data-role=hover]");
  const scaleSelect = document.querySelector("[data-role=scale]");
  const detailsButton = document.querySelector("[data-role=details]");
  const overview = new CNNX.Overview(root, page);
  const state = CNNX.readHash();
  let drawToken = 0;
  let hovering = null;
  let network = null;

  /** Whether selecting `selected` opens a detail view (detail.js): every layer's neurons but the input's. */
  function opensView(selected) {
    const column = selected && page.columns.find((c) => c.name === selected.layer);
    return Boolean(column && column.kind !== "input");
  }

  /** The URL hash of the current state. */
  function stateHash() {
    const params = new URLSearchParams({ sample: state.sample, scale: state.scale });
    if (state.selected) {
      params.set("layer", state.selected.layer);
      params.set("neuron", String(state.selected.neuron));
    }
    if (!state.details) params.set("details", "off");
    // The open detail view's own parameters (detail.js): view, channel, window position.
    for (const [key, value] of Object.entries(CNNX.hashExtras ? CNNX.hashExtras() : {})) params.set(key, value);
    return "#" + params.toString();
  }

  /** `push`: a new history entry, marked as ours so that closing the view can step back over it. */
  function writeHash(push = false) {
    const hash = stateHash();
    if (push) history.pushState({ cnnxView: true }, "", hash);
    else if (location.hash !== hash) location.replace(hash); // no history entry per click
  }

  function fail(error) {
    console.error(error);
    chip.textContent = String(error.message || error);
  }

  function selectionText() {
    if (!state.selected || !overview.sample) return strings.hint;
    const { layer, neuron } = state.selected;
    let text = `${strings.selected}: ${overview.describe(layer, neuron)}`;
    const weights = network && network.weights[layer];
    if (weights) text += ` · ${strings.bias} ${CNNX.format(weights.bias[neuron], 4)}`;
    return text;
  }

  function updateChip() {
    chip.textContent = hovering && overview.sample
      ? overview.describe(hovering.dataset.layer, Number(hovering.dataset.neuron))
      : selectionText();
  }

  function updateControls(sample) {
    for (const thumb of document.querySelectorAll("[data-sample]")) {
      thumb.setAttribute("aria-pressed", String(thumb.dataset.sample === state.sample));
    }
    scaleSelect.value = state.scale;
    detailsButton.setAttribute("aria-pressed", String(state.details));
    root.classList.toggle("details-on", state.details);
    overview.select(state.selected);
    if (sample) {
      document.querySelector("[data-role=prediction]").textContent = page.classes[sample.top1];
      document.querySelector("[data-role=confidence]").textContent =
        `(${CNNX.format(sample.probabilities[sample.top1] * 100, 1)}%)`;
    }
    updateChip();
  }

  let drawing = null; // the latest render() while it is under way
  // How long a click waits for its sample before the controls show it anyway (the picture pressed, the hint).
  const FEEDBACK_DELAY_MS = 100;

  /** Load (if needed) and draw the current sample in the current mode; later calls win. The controls change with
   * the drawing, or after FEEDBACK_DELAY_MS while a download is slow: changed at the click, they made the browser
   * render a frame of the whole page (5-10 ms of main thread) between the click and its sample's decoding. */
  function render() {
    const token = ++drawToken;
    root.removeAttribute("data-drawn");
    const feedback = setTimeout(() => token === drawToken && updateControls(null), FEEDBACK_DELAY_MS);
    const done = CNNX.loadSample(state.sample).finally(() => clearTimeout(feedback)).then((sample) => {
      if (token !== drawToken) return undefined;
      const drawn = overview.draw(sample, state.scale);
      performance.mark("cnnx-painted");
      updateControls(sample);
      return drawn.then(() => {
        if (token !== drawToken) return;
        root.dataset.drawn = state.sample + "|" + state.scale;
        performance.mark("cnnx-drawn");
      });
    }).catch(fail);
    drawing = done;
    done.then(() => {
      if (drawing === done) drawing = null;
    });
    return done;
  }

  function loadNetworkForSelection() {
    if (network || !state.selected) return;
    CNNX.loadNetwork().then((loaded) => {
      network = loaded;
      updateChip();
    }).catch(fail);
  }

  /** Apply a state change: redraw only when what is drawn changes. `fromHash`: the browser already moved to
   * the new URL (a pasted link, Back, Forward), so the history is left as it is. Resolves once drawn and,
   * when closing a view went back over its history entry, once the browser got there. */
  function apply(next, fromHash = false) {
    const redraw = ("sample" in next && next.sample !== state.sample) || ("scale" in next && next.scale !== state.scale);
    const reselect = "selected" in next && !sameNeuron(next.selected, state.selected);
    const wasOpen = opensView(state.selected);
    const otherSample = "sample" in next && next.sample !== state.sample;
    const { missingOwn, ...change } = next;
    Object.assign(state, change);
    if (reselect) {
      // Views that open on a selected neuron (the detail views) listen for this.
      root.dispatchEvent(new CustomEvent("cnnx:select", { detail: state.selected, bubbles: true }));
    }
    if (missingOwn) showMissingOwn();
    else if (otherSample) CNNX.notice("");
    // Started before the URL is written: location.replace took 1-5 ms of a click, which the file's request now overlaps.
    const drawn = redraw ? render() : null;
    const opening = !fromHash && !wasOpen && opensView(state.selected);
    const closing = !fromHash && wasOpen && !opensView(state.selected) && history.state && history.state.cnnxView;
    let settled = Promise.resolve();
    if (closing && !redraw) {
      // The entry before the view's holds this very state: step back to it rather than leave the view's
      // entry behind, where Back would only reopen the view.
      // Resolved a frame after popstate: the browser restores the entry's scroll position after that event.
      settled = new Promise((resolve) => window.addEventListener("popstate", () => requestAnimationFrame(() =>
        setTimeout(resolve, 0)), { once: true }));
      history.back();
    } else {
      writeHash(opening);
    }
    loadNetworkForSelection();
    if (redraw) return Promise.all([settled, drawn]);
    updateControls(overview.sample);
    return settled;
  }

  function sameNeuron(a, b) {
    return a && b ? a.layer === b.layer && a.neuron === b.neuron : a === b;
  }

  const gallery = document.querySelector(".gallery");
  gallery.addEventListener("click", (event) => {
    const thumb = event.target.closest("[data-sample]");
    if (thumb) apply({ sample: thumb.dataset.sample });
  });
  // A reader points at (or tabs to) a picture before clicking it: start loading its data then, so the click
  // finds it ready even before prefetchGallery (below) has reached it.
  const prefetch = (event) => {
    const thumb = event.target.closest("[data-sample]");
    if (thumb) CNNX.loadSample(thumb.dataset.sample, true).catch(() => {}); // a failure is reported on the click
  };
  gallery.addEventListener("pointerover", prefetch);
  gallery.addEventListener("focusin", prefetch);
  scaleSelect.addEventListener("change", () => apply({ scale: scaleSelect.value }));
  detailsButton.addEventListener("click", () => apply({ details: !state.details }));

  root.addEventListener("click", (event) => {
    if (event.target.closest("[data-inplace]")) return; // the in-graph view (inplace.js) handles its own clicks
    const el = event.target.closest("[data-neuron]");
    const picked = el ? { layer: el.dataset.layer, neuron: Number(el.dataset.neuron) } : null;
    apply({ selected: sameNeuron(picked, state.selected) ? null : picked }); // empty space or same neuron: deselect
  });
  root.addEventListener("keydown", (event) => {
    if ((event.key === "Enter" || event.key === " ") && event.target.closest("[data-neuron]")) {
      event.preventDefault();
      event.target.click();
    }
  });

  function hover(el) {
    if (el === hovering) return;
    hovering = el;
    overview.highlight(el);
    updateChip();
  }
  root.addEventListener("pointerover", (event) => hover(event.target.closest("[data-neuron]")));
  root.addEventListener("pointerleave", () => hover(null));
  root.addEventListener("focusin", (event) => hover(event.target.closest("[data-neuron]")));
  root.addEventListener("focusout", () => hover(null));

  window.addEventListener("hashchange", () => {
    const next = CNNX.readHash();
    if (next.sample !== state.sample || next.scale !== state.scale || next.details !== state.details ||
        !sameNeuron(next.selected, state.selected) || next.missingOwn) {
      apply(next, true);
    }
  });

  /** A line under the controls that is no error of the reader's (a link to an image of another tab); "" hides it.
   * It goes when the reader picks another image. */
  const noticeLine = document.querySelector("[data-role=notice]");
  CNNX.notice = function (text) {
    noticeLine.textContent = text;
    noticeLine.hidden = !text;
  };

  /** A link to an image someone added in another tab: its pixels never left that tab (sessionStorage). */
  function showMissingOwn() {
    const shown = page.samples.find((s) => s.id === state.sample);
    CNNX.notice(strings.own_image_elsewhere.replace("{title}", shown ? shown.title : state.sample));
  }

  // The detail views (detail.js) read the state and close themselves (select(null)) through this; the
  // promise resolves when the page is back where the view was opened from.
  CNNX.app = { state, overview, select: (selected) => apply({ selected }) };

  /** The graph's size by site.css's rules (.overview) from the window's (data.js), not asked of the browser: asked
   * this early, it lays out the half-parsed page for that alone (the first view drew ~15 ms later). Where the guess
   * is wrong (a scrollbar, a resize meanwhile), the ResizeObserver places the graph again before the first paint. */
  function expectedSize() {
    const { width, height } = CNNX.viewport;
    return { width: Math.max(900, width), height: Math.min(720, Math.max(520, height - 116)) };
  }

  let pendingLayout = 0;
  let firstFrame = true;
  new ResizeObserver(() => {
    const fits = () => overview.geometry.width === root.clientWidth && overview.geometry.height === root.clientHeight;
    if (firstFrame) { // just laid out: the size costs nothing to read
      firstFrame = false;
      if (!fits()) overview.layout().catch(fail);
      return;
    }
    cancelAnimationFrame(pendingLayout);
    pendingLayout = requestAnimationFrame(() => {
      // inplace.js lays the graph out itself when it changes its height
      if (fits()) return;
      overview.layout().catch(fail);
    });
  }).observe(root);

  overview.layout(expectedSize());
  if (state.missingOwn) showMissingOwn();
  delete state.missingOwn;
  // As location.replace would (no entry, no state), minus its fragment navigation, which cost the first view ~10 ms.
  const firstHash = stateHash();
  if (location.hash !== firstHash) history.replaceState(null, "", firstHash);
  loadNetworkForSelection();
  render().then(() => {
    // Work for later (the article's layout, the prefetch) waits while a sample the reader asked for is drawn: its
    // image decodes leave the page idle in between, and a slice of that work started there delays the redraw.
    const whenIdle = (callback) => (window.requestIdleCallback
      ? window.requestIdleCallback(callback, { timeout: 2000 }) : setTimeout(callback, 200));
    const idle = (callback) => whenIdle((deadline) => (drawing ? drawing.then(() => idle(callback))
      : callback(deadline)));
    CNNX.parsed.then(() => CNNX.layOutArticleWhenIdle(idle)); // the article may still be parsing below the graph
    prefetchGallery(idle);
  });

  /** Once the first sample is drawn, while the page is idle, load and decode the gallery's other samples one at a
   * time (a sample is about 36 KB gzipped), so that a click on one redraws at once instead of waiting for its
   * data. Not on a connection that asks to save data or is as slow as 2G. Sets data-prefetched on the graph when
   * done. */
  function prefetchGallery(idle) {
    const connection = navigator.connection;
    if (connection && (connection.saveData || /2g/.test(connection.effectiveType || ""))) return;
    const ids = page.samples.map((s) => s.id).filter((id) => !/^own-\d+$/.test(id)); // a reader's own is computed
    const next = () => {
      const id = ids.shift();
      if (id === undefined) root.dataset.prefetched = "";
      else idle(() => CNNX.loadSample(id, true).catch(() => {}).then(next)); // a failure is reported on the click
    };
    next();
  }
})();
