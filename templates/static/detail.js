/* The detail views' shell: the dialog, its header and player, the sliding window, the URL hash.
 *
 * Selecting a neuron in the overview (app.js fires "cnnx:select") opens the view of that layer's
 * kind. A conv, ReLU or pooling neuron opens in the graph itself on a large screen (inplace.js draws
 * it there; the dialog, docked right below the graph and not modal, holds the formula); anything else,
 * and everything on a phone, opens in a modal <dialog> over the graph (the controls are disabled either
 * way). From inside a view, buttons and keys (Page Up / Page Down, [ and ]) move to the layer's other
 * neurons and to the other input channels without closing it. Each view (detail-conv.js, detail-activation.js,
 * detail-dense.js) registers a factory here; the shell owns what they share: loading the current
 * sample through CNNX.loadSample (the path every sample takes, whatever its origin) and the exact values of
 * the layers the view prints (CNNX.loadExact; the sample's 8-bit maps are for colour only), the window
 * position (data-row / data-col on the dialog), play / pause / step / speed, arrow keys, Esc,
 * the info button and the view's part of the URL hash (view, channel, row, col).
 *
 * This file runs before app.js so that it can read those hash parameters before app.js
 * rewrites the hash; everything else waits for DOMContentLoaded, when app.js has run.
 */
(function () {
  "use strict";
  const CNNX = window.CNNX;
  const page = CNNX.page;
  const strings = page.strings;
  const factories = {};
  const SECTIONS = { conv: "article-convolution", relu: "article-relu", pool: "article-pooling",
                     flatten: "article-flatten", softmax: "article-softmax" };
  const TITLES = { conv: "detail_conv", relu: "detail_relu", pool: "detail_pool", flatten: "detail_flatten",
                   softmax: "detail_softmax" };
  const EXTRA_KEYS = ["view", "channel", "row", "col"];
  const reducedMotion = () => window.matchMedia("(prefers-reduced-motion: reduce)").matches; // read when asked: it can change
  const DOCK_WIDTH = 760; // px: narrower screens (phones) keep the full-screen panel

  /** The view's own hash parameters; a link's are kept until the view they describe opens. */
  function readExtras(hash) {
    const params = new URLSearchParams(hash.replace(/^#/, ""));
    const extras = {};
    for (const key of EXTRA_KEYS) if (params.has(key)) extras[key] = params.get(key);
    return extras;
  }
  let linked = readExtras(location.hash);
  let current = null; // the open view: { kind, selected, extras, row, col, view, token }
  let openToken = 0;

  /** app.js appends these to the hash it writes. */
  CNNX.hashExtras = function () {
    if (!current) return linked || {};
    const extras = { ...current.extras };
    if ((current.view && current.view.rows) || current.pending) {
      extras.row = String(current.row);
      extras.col = String(current.col);
    }
    return extras;
  };

  /** Write the view's parameters into the hash without an event or a history entry. */
  function writeExtras() {
    const params = new URLSearchParams(location.hash.replace(/^#/, ""));
    for (const key of EXTRA_KEYS) params.delete(key);
    for (const [key, value] of Object.entries(CNNX.hashExtras())) params.set(key, value);
    const hash = "#" + params.toString();
    if (location.hash !== hash) history.replaceState(history.state, "", hash);
  }

  /* ---- small DOM helpers the views share ---- */

  /** el("div", {class: "x", "data-role": "y"}, child, "text", ...) */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "text") node.textContent = value;
      else if (key === "style") node.style.cssText = value; // CSSOM: the CSP refuses style attributes
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children) if (child !== null && child !== undefined) node.append(child);
    return node;
  }

  /** Fixed-point text: the precision every formula number is shown at (docs/data-format.md). */
  const DIGITS = 3;
  function fmt(v, digits = DIGITS) {
    return CNNX.format(v, digits);
  }

  const packed = {};
  function lookup(name) {
    if (!packed[name]) {
      packed[name] = Uint32Array.from(page.palettes[name], (hex) => {
        const n = Number.parseInt(hex.slice(1), 16);
        return ((255 << 24) | ((n & 0xff) << 16) | (n & 0xff00) | (n >> 16)) >>> 0; // RGBA bytes, little-endian
      });
    }
    return packed[name];
  }

  function index(t) {
    return Math.max(0, Math.min(255, Math.round(t * 255)));
  }

  /** The text colour for a number on `hex`: white or black, whichever contrasts more. One of the two always
   * clears WCAG AA's 4.5:1 (the worst case, a background of relative luminance ~0.18, gives ~4.6 with black);
   * a fixed threshold on the palette position does not, as the palettes' lightness is not linear in it. */
  function inkOn(hex) {
    const n = Number.parseInt(hex.slice(1), 16);
    const linear = (c) => (c / 255 <= 0.04045 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4);
    const l = 0.2126 * linear(n >> 16) + 0.7152 * linear((n >> 8) & 0xff) + 0.0722 * linear(n & 0xff);
    return 1.05 / (l + 0.05) > (l + 0.05) / 0.05 ? "#fff" : "#000";
  }

  /** A colour scale: value -> palette position, as the overview paints (docs/data-format.md). */
  function scale(scheme, range) {
    const position = scheme === "Greys" ? (v) => 1 - v : (v) => (v + range / 2) / range;
    return {
      scheme, range,
      at: (v) => index(position(v)),
      colour: (v) => page.palettes[scheme][index(position(v))],
      /** Text that stays readable on colour(v): white on the dark colours, black on the light ones. */
      ink: (v) => inkOn(page.palettes[scheme][index(position(v))]),
    };
  }

  /** Paint `map` ({values, height, width}) into a canvas of its size, in `colours` (a scale). */
  function paint(canvas, map, colours) {
    const context = canvas.getContext("2d");
    const image = context.createImageData(map.width, map.height);
    const pixels = new Uint32Array(image.data.buffer);
    const table = lookup(colours.scheme);
    for (let i = 0; i < map.values.length; i++) pixels[i] = table[colours.at(map.values[i])];
    context.putImageData(image, 0, 0);
  }

  /** A heatmap of `map` ({values, height, width}) with a sliding window over it. */
  function heatmap(map, colours, { label, size = "m", role } = {}) {
    const canvas = el("canvas", { width: map.width, height: map.height, "aria-hidden": "true" });
    paint(canvas, map, colours);
    const box = el("span", { class: "window", hidden: true });
    const frame = el("div", { class: `heatmap size-${size}`, "data-map": role || null }, canvas, box);
    const figure = el("figure", { class: "map-figure" }, label ? el("figcaption", { text: label }) : null, frame);
    return {
      element: figure, frame,
      /** Outline rows r..r+h-1, columns c..c+w-1 (null hides the window). */
      window(r, c, h = 1, w = 1) {
        box.hidden = r === null;
        if (r === null) return;
        box.style.left = (100 * c) / map.width + "%";
        box.style.top = (100 * r) / map.height + "%";
        box.style.width = (100 * w) / map.width + "%";
        box.style.height = (100 * h) / map.height + "%";
      },
      /** Call back with the cell under the pointer: (row, col). */
      onCell(callback) {
        const handle = (event) => {
          const rect = canvas.getBoundingClientRect();
          const col = Math.floor(((event.clientX - rect.left) / rect.width) * map.width);
          const row = Math.floor(((event.clientY - rect.top) / rect.height) * map.height);
          if (row >= 0 && col >= 0 && row < map.height && col < map.width) callback(row, col);
        };
        frame.addEventListener("pointermove", handle);
        frame.addEventListener("pointerdown", handle);
      },
    };
  }

  /** Numbers in a grid (`cols` wide), each cell tinted with its colour; `role` is the test hook. */
  function matrix(values, cols, colours, role) {
    const node = el("div", { class: "matrix", "data-role": role, style: `--cols: ${cols}` });
    node.update = (next, tint = colours, mark = -1) => {
      node.replaceChildren(...next.map((v, i) => {
        // A window cell on the padding takes no part: an empty cell, one line tall like the others.
        if (v === null) return el("span", { class: "cell pad", "aria-label": strings.padding, text: "\u00a0" });
        const cell = el("span", { class: i === mark ? "cell marked" : "cell", text: fmt(v) });
        if (tint) {
          cell.style.background = tint.colour(v);
          cell.style.color = tint.ink(v);
        }
        return cell;
      }));
      node.style.setProperty("--cols", String(cols));
    };
    node.update(values);
    return node;
  }

  /** A single number, tinted. */
  function number(value, colours, role) {
    const node = el("span", { class: "number", "data-role": role });
    node.update = (v, tint = colours) => {
      node.textContent = fmt(v);
      if (tint) {
        node.style.background = tint.colour(v);
        node.style.color = tint.ink(v);
      }
    };
    node.update(value);
    return node;
  }

  /** A colour bar from lo to hi with three labels; `clipped` {low, high} tips an end with an arrow when
   * values beyond it are drawn in its colour. */
  function legend(label, colours, lo, hi, digits = 2, clipped = {}) {
    const stops = [];
    for (let k = 0; k <= 16; k++) stops.push(colours.colour(lo + ((hi - lo) * k) / 16));
    const bar = ["legend-bar", clipped.low ? "clip-low" : "", clipped.high ? "clip-high" : ""].filter(Boolean);
    const range = `${fmt(lo, digits)} … ${fmt(hi, digits)}`;
    const title = `${strings.scale}: ${range}` + (clipped.low || clipped.high ? `; ${strings.legend_clipped}` : "");
    return el("div", { class: "detail-legend", title },
      el("span", { class: "legend-label", text: label }),
      el("span", { class: bar.join(" "), "data-clipped": bar.slice(1).join(" ").replaceAll("clip-", ""),
                   style: `background: linear-gradient(to right, ${stops.join(", ")}); ` +
                          `--low: ${colours.colour(lo)}; --high: ${colours.colour(hi)}` }),
      el("span", { class: "legend-ticks" }, el("span", { text: fmt(lo, digits) }),
        el("span", { text: fmt((lo + hi) / 2, digits) }), el("span", { text: fmt(hi, digits) })));
  }

  /** The legend `label` of a view's red-blue maps in scale mode `mode`: -R/2 .. R/2 of `colours`, an arrow at each
   * end that some value of `arrays` goes beyond (drawn in the end colour); a "layer" range reads exactly. */
  function mapLegend(label, colours, mode, ...arrays) {
    const half = colours.range / 2;
    let lowest = Infinity;
    let highest = -Infinity;
    for (const values of arrays) {
      for (const v of values) {
        if (v < lowest) lowest = v;
        if (v > highest) highest = v;
      }
    }
    return legend(label, colours, -half, half, mode === "layer" ? Math.max(2, CNNX.shortDecimals(half)) : 2,
      { low: lowest < -half, high: highest > half });
  }

  /** JavaScript's Math.round(x * 1000) / 1000, as the ranges in the data are rounded. */
  function round3(x) {
    return Math.floor(x * 1000 + 0.5) / 1000;
  }

  /** The range R shared by every red-blue map in a view. In the original's modes: the layers' own ranges,
   * widened if a map computed in the view (an intermediate result) reaches further. In "layer" mode: the
   * range of the layer the view explains (the last of `layers`), as the overview draws it, so the view's
   * output looks like the neuron clicked; values beyond it are clipped and the legend says so. */
  function sharedRange(sample, mode, layers, maxAbs) {
    if (mode === "layer") return sample.ranges[mode][layers[layers.length - 1]];
    const ranges = layers.filter((name) => name !== "input").map((name) => sample.ranges[mode][name]);
    return Math.max(...ranges, 2 * (0.1 + round3(maxAbs)));
  }

  CNNX.detail = {
    register(kind, factory) {
      factories[kind] = factory;
    },
    el, fmt, scale, inkOn, paint, heatmap, matrix, number, legend, mapLegend, sharedRange, DIGITS,
  };

  /* ---- the shell ---- */

  function start() {
    const app = CNNX.app;
    const dialog = document.querySelector("[data-role=detail]");
    const overview = document.querySelector("[data-role=overview]");
    const body = dialog.querySelector("[data-role=detail-body]");
    const title = dialog.querySelector("[data-role=detail-title]");
    const subtitle = dialog.querySelector("[data-role=detail-subtitle]");
    const hint = dialog.querySelector("[data-role=detail-hint]");
    const status = dialog.querySelector("[data-role=detail-status]");
    const player = dialog.querySelector("[data-role=detail-player]");
    const playButton = dialog.querySelector("[data-role=detail-play]");
    const stepButton = dialog.querySelector("[data-role=detail-step]");
    const speed = dialog.querySelector("[data-role=detail-speed]");
    const closeButton = dialog.querySelector("[data-role=detail-close]");
    const channelNav = dialog.querySelector("[data-role=channel-nav]");
    const inplace = new CNNX.Inplace(app.overview);
    overview.after(dialog); // docked, the formula sits right below the graph (modal, the top layer ignores where)
    let timer = 0;
    let disabled = [];

    /** Whether `selected` opens in the graph (inplace.js) with the formula docked below it. */
    function docks(selected) {
      const column = page.columns.find((c) => c.name === selected.layer);
      return window.innerWidth >= DOCK_WIDTH && CNNX.Inplace.handles(column);
    }

    function isDocked() {
      return dialog.open && dialog.classList.contains("docked");
    }

    function kindOf(selected, view) {
      if (!selected) return null;
      const column = page.columns.find((c) => c.name === selected.layer);
      if (!column || column.kind === "input") return null;
      if (column.kind === "dense") return view === "softmax" ? "softmax" : "flatten";
      if (column.kind === "hidden") return "flatten"; // a hidden Dense unit: the same weighted sum, no softmax
      return column.kind;
    }

    function place() {
      // Over the graph on a large screen (the controls stay visible, disabled); the whole screen on a small one.
      const top = Math.round(overview.getBoundingClientRect().top);
      const fits = window.innerWidth >= 760 && window.innerHeight - top >= 560;
      dialog.style.setProperty("--detail-top", (fits ? Math.max(0, top) : 0) + "px");
    }

    function setControlsDisabled(on) {
      if (on) {
        disabled = [...document.querySelectorAll(".controls button, .controls select, .controls input")]
          .filter((control) => !control.disabled);
        for (const control of disabled) control.disabled = true;
      } else {
        for (const control of disabled) control.disabled = false;
        disabled = [];
      }
    }

    function playing() {
      return timer !== 0;
    }

    function setPlaying(on) {
      clearInterval(timer);
      timer = 0;
      if (on && current && current.view && current.view.animate) {
        timer = setInterval(() => advance(), Number(speed.value));
      }
      const label = playing() ? strings.pause : strings.play;
      playButton.setAttribute("aria-label", label);
      playButton.title = label;
      playButton.dataset.state = playing() ? "playing" : "paused";
      dialog.dataset.playing = String(playing());
    }

    function advance() {
      const { view } = current;
      let { row, col } = current;
      col += 1;
      if (col >= view.cols) {
        col = 0;
        row = (row + 1) % view.rows;
      }
      moveTo(row, col);
    }

    /** Put the window at (row, col), clamped; pause when the reader moved it. */
    function moveTo(row, col, { pause = false } = {}) {
      if (!current) return;
      const { view } = current;
      if (!view) {
        Object.assign(current, { row, col, pending: true }); // applied once the view is drawn
        return;
      }
      if (!view.rows) return;
      if (pause) setPlaying(false);
      current.row = Math.max(0, Math.min(view.rows - 1, row));
      current.col = Math.max(0, Math.min(view.cols - 1, col));
      dialog.dataset.row = String(current.row);
      dialog.dataset.col = String(current.col);
      view.show(current.row, current.col);
      if (isDocked()) inplace.show(current.row, current.col);
      writeExtras();
    }

    function setStatus(text) {
      status.textContent = text || "";
    }

    /** Open (or redraw) the view for the app's current selection; close when it has none.
     * A link's view parameters (`linked`) apply to the view it opened with. */
    function render() {
      const state = app.state;
      const selected = state.selected;
      const keep = current && sameSelection(current.selected, selected);
      const extras = linked ? pick(linked, ["channel", "view"]) : keep ? current.extras : {};
      const kind = kindOf(selected, extras.view);
      if (!kind) return close();
      let position = keep && current.kind === kind && (current.view || current.pending)
        ? { row: current.row, col: current.col } : null;
      if (linked && linked.row !== undefined) position = { row: Number(linked.row) || 0, col: Number(linked.col) || 0 };
      linked = null;
      if (kind === "softmax") extras.view = "softmax";
      else delete extras.view;
      const token = ++openToken;
      // A known position (from a link, or kept across a redraw) is pending until the view exists.
      current = { kind, selected, extras, row: position ? position.row : 0, col: position ? position.col : 0,
                  pending: Boolean(position), view: null, token, drawn: state.sample + "|" + state.scale };
      setPlaying(false);
      const docked = docks(selected);
      if (dialog.open && isDocked() !== docked) { // another kind of neuron, or the window got wider or narrower
        dialog.close();
        setControlsDisabled(false);
      }
      if (!docked) inplace.close();
      if (!dialog.open) {
        dialog.classList.toggle("docked", docked);
        if (docked) {
          dialog.show();
          overview.scrollIntoView({ block: "start" }); // the graph and the formula on one screen
          closeButton.focus({ preventScroll: true });
        } else {
          place();
          dialog.showModal();
        }
        setControlsDisabled(true);
      }
      channelNav.hidden = true;
      delete dialog.dataset.view;
      delete dialog.dataset.row;
      delete dialog.dataset.col;
      const desc = page.columns.find((c) => c.name === selected.layer);
      title.textContent = strings[kind === "pool" && desc.short === "avg_pool" ? "detail_avg_pool" : TITLES[kind]];
      subtitle.textContent = selected.layer === "output"
        ? page.classes[selected.neuron] : `${selected.layer} · ${strings.neuron} ${selected.neuron}`;
      hint.textContent = kind === "pool" ? "" : strings[`detail_hint_${kind}`]; // pool: its window, once known
      setStatus("");
      body.replaceChildren();
      writeExtras();
      Promise.all([CNNX.loadNetwork(), CNNX.loadSample(state.sample)]).then(([network, sample]) => {
        // The numbers a view prints: the exact values of the layer and of the one before it (data.js loadExact).
        const at = page.columns.findIndex((c) => c.name === selected.layer);
        const shown = kind === "softmax" ? [] : [page.columns[at - 1].name, selected.layer];
        return CNNX.loadExact(sample, shown, network).then((exact) => [network, sample, exact]);
      }).then(([network, sample, exact]) => {
        if (token !== openToken) return;
        if (kind === "pool") {
          const window = network.layers.find((l) => l.name === selected.layer).window.join(" × ");
          hint.textContent = strings.detail_hint_pool.replace("{window}", window);
        }
        const view = factories[kind]({
          body, sample, exact, network, mode: state.scale, layer: selected.layer, neuron: selected.neuron,
          strings, classes: page.classes, extras: current.extras,
          moveTo: (row, col) => moveTo(row, col, { pause: true }),
          setStatus,
          /** The view changed one of its hash parameters (e.g. the channel in the formula). */
          setExtras(next) {
            Object.assign(current.extras, next);
            if ("channel" in next) inplace.setChannel(Number(next.channel));
            writeExtras();
          },
          /** Switch between the flatten and softmax views of the same class. */
          switchTo(next) {
            current.extras.view = next;
            render();
            dialog.querySelector("[data-role=detail-switch]")?.focus();
          },
        });
        current.view = view;
        if (docked && view.inplace) {
          inplace.open({ layer: selected.layer, neuron: selected.neuron, model: view.inplace, strings,
                         moveTo: (row, col) => moveTo(row, col, { pause: true }), choose: (c) => view.choose(c) });
          if (view.channel) inplace.setChannel(view.channel());
        }
        channelNav.hidden = !view.choose;
        dialog.dataset.view = kind;
        player.hidden = !view.animate;
        const pending = current.pending;
        current.pending = false;
        if (view.rows) {
          if (pending) moveTo(current.row, current.col);
          else moveTo(view.start || 0, view.startCol || 0);
          setPlaying(view.animate && !pending && !reducedMotion()); // a link or a redraw keeps its window still
        }
      }).catch((error) => {
        console.error(error);
        setStatus(String(error.message || error));
      });
      return undefined;
    }

    function pick(object, keys) {
      return Object.fromEntries(keys.filter((k) => k in object).map((k) => [k, object[k]]));
    }

    function sameSelection(a, b) {
      return a && b && a.layer === b.layer && a.neuron === b.neuron;
    }

    function close() {
      openToken++;
      setPlaying(false);
      current = null;
      linked = null;
      inplace.close();
      if (dialog.open) {
        dialog.close();
        setControlsDisabled(false);
      }
      dialog.classList.remove("docked");
      delete dialog.dataset.view;
      delete dialog.dataset.row;
      delete dialog.dataset.col;
      body.replaceChildren();
      writeExtras(); // drop view parameters a link gave for a neuron without a view
    }

    /** Close through the app, so the selection and the hash follow; resolves once the history is back
     * on the entry from before the view (app.js), whose scroll position the browser restores. */
    function dismiss() {
      return app.select(null);
    }

    /** The layer's neuron `delta` away from the open one (wrapping round), in the same view. */
    function stepNeuron(delta) {
      if (!current) return;
      const column = page.columns.find((c) => c.name === current.selected.layer);
      app.select({ layer: column.name, neuron: (current.selected.neuron + delta + column.count) % column.count });
    }

    /** The input channel `delta` away from the one the formula shows (a convolution only). */
    function stepChannel(delta) {
      const view = current && current.view;
      if (view && view.choose) view.choose((view.channel() + delta + view.channels) % view.channels);
    }

    document.addEventListener("cnnx:select", () => {
      // Fired from a click in the overview (the hash holds no view parameters then) or while app.js
      // applies a new hash, before rewriting it: either way location.hash holds the wanted view.
      linked = readExtras(location.hash);
      render();
    });
    window.addEventListener("hashchange", (event) => {
      // app.js handled the hash first (it registered earlier) and may have rewritten it since:
      // the view's parameters are read from the URL the reader went to.
      const state = app.state;
      if (!state.selected) return close();
      const extras = readExtras(new URL(event.newURL).hash);
      const same = current && sameSelection(current.selected, state.selected) &&
        current.drawn === state.sample + "|" + state.scale &&
        (extras.view === "softmax") === (current.kind === "softmax") &&
        (extras.channel || "0") === (current.extras.channel || "0");
      if (!same) {
        linked = extras;
        return render();
      }
      if (extras.row !== undefined && (Number(extras.row) !== current.row || Number(extras.col) !== current.col)) {
        moveTo(Number(extras.row), Number(extras.col), { pause: true });
      }
      return undefined;
    });

    dialog.addEventListener("cancel", (event) => {
      event.preventDefault(); // Esc: close through the app
      dismiss();
    });
    closeButton.addEventListener("click", dismiss);
    dialog.querySelector("[data-role=detail-prev]").addEventListener("click", () => stepNeuron(-1));
    dialog.querySelector("[data-role=detail-next]").addEventListener("click", () => stepNeuron(1));
    dialog.querySelector("[data-role=detail-prev-channel]").addEventListener("click", () => stepChannel(-1));
    dialog.querySelector("[data-role=detail-next-channel]").addEventListener("click", () => stepChannel(1));
    document.addEventListener("keydown", (event) => {
      // Wherever the focus is while a docked view is open (the graph is usable then); inside a modal one.
      if (!current || event.altKey || event.ctrlKey || event.metaKey) return;
      if (!isDocked() && !dialog.contains(event.target)) return;
      if (event.target.closest && event.target.closest("select, input, textarea")) return;
      if (event.key === "Escape" && isDocked()) dismiss(); // a modal dialog has its "cancel" event
      else if (event.key === "PageUp" || event.key === "PageDown") stepNeuron(event.key === "PageDown" ? 1 : -1);
      else if (event.key === "[" || event.key === "]") stepChannel(event.key === "]" ? 1 : -1);
      else return;
      event.preventDefault();
    });
    dialog.querySelector("[data-role=detail-info]").addEventListener("click", () => {
      const section = current && SECTIONS[current.kind];
      // Scroll only once the history step is done: the browser restores that entry's scroll position.
      dismiss().then(() => {
        const target = section && document.getElementById(section);
        if (target) {
          CNNX.layOutArticle(); // article.js: the blocks above the section get their real heights first
          target.scrollIntoView({ block: "start" });
          if (target.tabIndex < 0) target.tabIndex = -1;
          target.focus({ preventScroll: true });
        }
      });
    });
    dialog.addEventListener("click", (event) => {
      // A click on the dimmed page around the dialog (its backdrop) closes it, as empty space does in the overview.
      if (event.target !== dialog) return;
      const rect = dialog.getBoundingClientRect();
      const inside = event.clientX >= rect.left && event.clientX <= rect.right &&
        event.clientY >= rect.top && event.clientY <= rect.bottom;
      if (!inside) dismiss();
    });
    playButton.addEventListener("click", () => setPlaying(!playing()));
    stepButton.addEventListener("click", () => {
      setPlaying(false);
      advance();
    });
    speed.addEventListener("change", () => {
      if (playing()) setPlaying(true);
    });
    document.addEventListener("keydown", (event) => {
      const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
      const move = moves[event.key];
      if (!move || !current || !current.view || !current.view.rows) return;
      // In the view; docked, also from nowhere in particular (after a click on the in-graph maps). On a
      // neuron of the graph the arrows move between neurons (keyboard.js).
      if (!dialog.contains(event.target) && !(isDocked() && event.target === document.body)) return;
      if (event.target.closest("select, input, textarea")) return; // they use the arrows themselves
      event.preventDefault();
      moveTo(current.row + move[0], current.col + move[1], { pause: true });
    });
    window.addEventListener("resize", () => {
      if (!dialog.open || !current) return;
      if (docks(current.selected) !== isDocked()) render(); // across the phone width: the other kind of view
      else if (!isDocked()) place();
    });

    render();
  }

  document.addEventListener("DOMContentLoaded", start);
})();
