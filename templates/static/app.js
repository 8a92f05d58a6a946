/* The page's state (sample, colour mode, selected neuron, details) and its wiring to the DOM.
 *
 * The URL hash is the state's public form: every change is written there and every hash the
 * reader pastes or navigates to is applied, so a link reopens the same view.
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

  function writeHash() {
    const params = new URLSearchParams({ sample: state.sample, scale: state.scale });
    if (state.selected) {
      params.set("layer", state.selected.layer);
      params.set("neuron", String(state.selected.neuron));
    }
    if (!state.details) params.set("details", "off");
    // The open detail view's own parameters (detail.js): view, channel, window position.
    for (const [key, value] of Object.entries(CNNX.hashExtras ? CNNX.hashExtras() : {})) params.set(key, value);
    const hash = "#" + params.toString();
    if (location.hash !== hash) location.replace(hash); // no history entry per click
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

  /** Load (if needed) and draw the current sample in the current mode; later calls win. */
  function render() {
    const token = ++drawToken;
    root.removeAttribute("data-drawn");
    updateControls(null);
    return CNNX.loadSample(state.sample).then((sample) => {
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
  }

  function loadNetworkForSelection() {
    if (network || !state.selected) return;
    CNNX.loadNetwork().then((loaded) => {
      network = loaded;
      updateChip();
    }).catch(fail);
  }

  /** Apply a state change: redraw only when what is drawn changes. */
  function apply(next) {
    const redraw = ("sample" in next && next.sample !== state.sample) || ("scale" in next && next.scale !== state.scale);
    const reselect = "selected" in next && !sameNeuron(next.selected, state.selected);
    Object.assign(state, next);
    if (reselect) {
      // Views that open on a selected neuron (the detail views) listen for this.
      root.dispatchEvent(new CustomEvent("cnnx:select", { detail: state.selected, bubbles: true }));
    }
    writeHash();
    loadNetworkForSelection();
    if (redraw) return render();
    updateControls(overview.sample);
    return Promise.resolve();
  }

  function sameNeuron(a, b) {
    return a && b ? a.layer === b.layer && a.neuron === b.neuron : a === b;
  }

  document.querySelector(".gallery").addEventListener("click", (event) => {
    const thumb = event.target.closest("[data-sample]");
    if (thumb) apply({ sample: thumb.dataset.sample });
  });
  scaleSelect.addEventListener("change", () => apply({ scale: scaleSelect.value }));
  detailsButton.addEventListener("click", () => apply({ details: !state.details }));

  root.addEventListener("click", (event) => {
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
        !sameNeuron(next.selected, state.selected)) {
      apply(next);
    }
  });

  // The detail views (detail.js) read the state and close themselves (select(null)) through this.
  CNNX.app = { state, select: (selected) => apply({ selected }) };

  let pendingLayout = 0;
  new ResizeObserver(() => {
    cancelAnimationFrame(pendingLayout);
    pendingLayout = requestAnimationFrame(() => overview.layout().catch(fail));
  }).observe(root);

  overview.layout();
  writeHash();
  loadNetworkForSelection();
  render();
})();
