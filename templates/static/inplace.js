/* The in-graph view: a conv, ReLU or pooling neuron explained inside the overview itself, as the original's
 * "elastic" view does, instead of under a dialog that hides the network around it.
 *
 * Opening moves the columns apart (layout.js's `room`, animated by CSS transitions unless the reader asked
 * for reduced motion) to make a gap before the neuron's column, and draws in that gap, over the graph:
 * - conv: beside each input channel (the previous column's own neurons) the kernel this neuron applies to
 *   it and the intermediate map (channel ⊛ kernel), dashed edges from them into a plus with the bias, and
 *   on into the neuron;
 * - ReLU and pooling: the neuron's input map and its output map, large, joined by dashed edges.
 * A window sweeps over them in step with the formula panel (detail.js calls show); pointing at a map moves it.
 * Every map drawn here comes from the view's own model (detail-conv.js, detail-activation.js): this file
 * computes nothing, so the graph and the formula always agree. The layer is aria-hidden: the formula panel
 * holds the same numbers as text, and its buttons and keys do everything the pointer does here.
 */
(function () {
  "use strict";
  const CNNX = window.CNNX;
  const SVG_NS = "http://www.w3.org/2000/svg";
  const MOVED = ["transform", "width", "height"]; // what site.css's .moving glides (over the original's 500 ms)
  const PLUS = 18; // px: the plus sign's box
  const TOP = 46; // px: layout.js PAD.top, the first row of neurons
  const KINDS = ["conv", "relu", "pool"];

  function reducedMotion() {
    return window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  }

  function div(className, text) {
    const node = document.createElement("div");
    node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  /** Put `node` at (x, y) with size w x h, as overview.js places the neurons (the CSP allows no style attributes). */
  function put(node, x, y, w, h) {
    node.style.transform = `translate(${x}px, ${y}px)`;
    if (w !== undefined) node.style.width = w + "px";
    if (h !== undefined) node.style.height = h + "px";
  }

  /** A canvas of `map` ({values, height, width}) in `colours` (detail.js scale). */
  function canvasOf(map, colours) {
    const canvas = document.createElement("canvas");
    canvas.width = map.width;
    canvas.height = map.height;
    CNNX.detail.paint(canvas, map, colours);
    return canvas;
  }

  /** A box over a map of `map.height` x `map.width` cells, holding the sweeping window; `onCell(row, col)` on
   * pointing. `role` names the map for tests (data-map) and `values` are exposed as the element's `values`. */
  function frame(role, map, onCell, values) {
    const node = div("inplace-frame");
    node.dataset.map = role;
    const box = div("window");
    box.hidden = true;
    node.append(box);
    if (values) node.values = values;
    const handle = (event) => {
      const rect = node.getBoundingClientRect();
      const col = Math.floor(((event.clientX - rect.left) / rect.width) * map.width);
      const row = Math.floor(((event.clientY - rect.top) / rect.height) * map.height);
      if (row >= 0 && col >= 0 && row < map.height && col < map.width) onCell(row, col);
    };
    node.addEventListener("pointermove", handle);
    node.addEventListener("pointerdown", handle);
    return {
      node,
      /** Outline rows r..r+h-1, columns c..c+w-1 (they may lie on the padding, outside the map). */
      window(r, c, h = 1, w = 1) {
        box.hidden = false;
        box.style.left = (100 * c) / map.width + "%";
        box.style.top = (100 * r) / map.height + "%";
        box.style.width = (100 * w) / map.width + "%";
        box.style.height = (100 * h) / map.height + "%";
      },
    };
  }

  function path(className) {
    const node = document.createElementNS(SVG_NS, "path");
    node.setAttribute("class", className);
    return node;
  }

  function curve(node, x1, y1, x2, y2) {
    const xm = (x1 + x2) / 2;
    node.setAttribute("d", `M${x1},${y1}C${xm},${y1} ${xm},${y2} ${x2},${y2}`);
  }

  /** The box of a `map`-shaped picture in a square slot of side `size` at (x, y): a map that is not square keeps
   * its aspect, centred, as overview.js draws the neurons. */
  function fit(x, y, size, map) {
    const w = size * Math.min(1, map.width / map.height);
    const h = size * Math.min(1, map.height / map.width);
    return [x + (size - w) / 2, y + (size - h) / 2, w, h];
  }

  function clamp(v, lo, hi) {
    return Math.max(lo, Math.min(hi, v));
  }

  CNNX.Inplace = class {
    constructor(overview) {
      this.overview = overview;
      this.root = overview.root;
      this.spec = null;
      this.layer = null;
      this.at = null; // the window's output cell, kept across a redraw
      this.moves = 0; // counts move() calls: only the latest one's glide ends "moving"
      this.root.addEventListener("cnnx:layout", () => this.place());
    }

    /** Whether a neuron of `column` opens here: the layers made of maps that the formula panel slides over. */
    static handles(column) {
      return KINDS.includes(column.kind) && column.shape.length === 3;
    }

    /** Show `spec` ({layer, neuron, model, strings, moveTo(row, col), choose(channel)}): the columns move when
     * the layer is another one than the shown one; another neuron of the same layer is only redrawn. */
    open(spec) {
      const columns = this.overview.columns;
      const l = columns.findIndex((c) => c.name === spec.layer);
      const moves = !this.spec || this.spec.l !== l;
      this.clearMarks();
      this.spec = { ...spec, l };
      this.build();
      this.mark();
      if (!moves) return this.place();
      this.root.classList.add("inplace-open"); // the graph's new height (site.css) decides the nodes' size
      const plain = CNNX.layout(columns, this.root.clientWidth, this.root.clientHeight);
      const node = plain.node;
      this.overview.room = { before: l, width: Math.round((spec.model.kind === "conv" ? 5 : 7.5) * node) };
      return this.move();
    }

    /** Put the columns back where they were. */
    close() {
      if (!this.spec) return;
      this.clearMarks();
      this.spec = null;
      this.at = null;
      if (this.layer) this.layer.remove();
      this.layer = null;
      this.root.classList.remove("inplace-open");
      this.overview.room = null;
      this.move();
    }

    /** Lay the graph out again, its moves animated (unless reduced motion is asked for). */
    move() {
      const move = ++this.moves;
      const animate = !reducedMotion();
      this.root.classList.toggle("moving", animate);
      this.overview.layout().catch((error) => console.error(error));
      if (!animate) return;
      // "moving" lasts until the glides this layout started have ended (getAnimations brings the style up to date),
      // not for a set time: a glide starts at the next style update, which a busy frame delays, and the maps
      // (overview.js follow) and the in-graph view are drawn where the columns end only once they are there.
      const glides = this.root.getAnimations({ subtree: true })
        .filter((a) => a instanceof CSSTransition && MOVED.includes(a.transitionProperty));
      Promise.all(glides.map((a) => a.finished.catch(() => null))).then(() => {
        if (move === this.moves) this.root.classList.remove("moving");
      });
    }

    /** Dim the layer's other neurons and hide the edges the view replaces with its own. */
    mark() {
      const { l, layer, neuron } = this.spec;
      this.overview.neurons[layer].forEach((el, n) => el.classList.toggle("inplace-dim", n !== neuron));
      this.overview.repaint();
      for (const edge of this.overview.edges) if (edge.l === l) edge.path.classList.add("inplace-hidden");
    }

    clearMarks() {
      if (!this.spec) return;
      for (const el of this.overview.neurons[this.spec.layer]) el.classList.remove("inplace-dim");
      this.overview.repaint();
      for (const edge of this.overview.edges) edge.path.classList.remove("inplace-hidden");
    }

    /** Make the view's elements for the current spec (placed by place()). */
    build() {
      if (this.layer) this.layer.remove();
      const { model } = this.spec;
      const layer = div("inplace");
      layer.dataset.role = "inplace";
      layer.dataset.inplace = "";
      layer.dataset.kind = model.kind;
      layer.setAttribute("aria-hidden", "true");
      const svg = document.createElementNS(SVG_NS, "svg");
      svg.setAttribute("class", "inplace-edges");
      layer.append(svg);
      this.svg = svg;
      this.layer = layer;
      this.parts = model.kind === "conv" ? this.buildConv(model) : this.buildActivation(model);
      this.root.append(layer);
    }

    buildConv(model) {
      const { spec } = this;
      const g = model.geometry;
      const [[top], [left]] = model.padding;
      const inputMap = model.input;
      const output = model.output;
      const toOutput = (r, c) => [Math.min(output.height - 1, Math.floor((r + top) / g.sh)),
        Math.min(output.width - 1, Math.floor((c + left) / g.sw))];
      const channels = model.channels.map((ch, c) => {
        const kernel = canvasOf({ values: ch.kernel, height: g.kh, width: g.kw }, model.kernelColours);
        kernel.className = "inplace-kernel";
        kernel.dataset.channel = String(c);
        const input = frame("input", inputMap, (r, col) => {
          spec.choose(c);
          spec.moveTo(...toOutput(r, col));
        });
        input.node.dataset.channel = String(c);
        if (model.padding.flat().some((p) => p > 0)) {
          // The layer's zero border, drawn around the map it pads: the window can sit on it.
          const border = div("pad-outline");
          const [[t, b], [lft, rgt]] = model.padding;
          border.style.inset = `${(-100 * t) / inputMap.height}% ${(-100 * rgt) / inputMap.width}% ` +
            `${(-100 * b) / inputMap.height}% ${(-100 * lft) / inputMap.width}%`;
          input.node.append(border);
        }
        const mid = frame("intermediate", ch.intermediate, (r, col) => {
          spec.choose(c);
          spec.moveTo(r, col);
        }, ch.intermediate.values);
        mid.node.dataset.channel = String(c);
        mid.node.dataset.range = String(model.colours.range);
        mid.node.prepend(canvasOf(ch.intermediate, model.colours));
        const gate = div("inplace-gate");
        const into = path("inplace-edge");
        const out = path("inplace-edge");
        this.svg.append(into, out);
        this.layer.append(gate, kernel, input.node, mid.node);
        return { kernel, input, mid, gate, into, out };
      });
      const plus = div("inplace-plus", "+");
      const bias = div("inplace-bias");
      bias.style.background = model.kernelColours.colour(model.bias);
      bias.title = `${spec.strings.bias} ${CNNX.format(model.bias, 3)}`;
      const biasLabel = div("inplace-note", spec.strings.bias);
      const result = frame("output", output, (r, col) => spec.moveTo(r, col));
      const label = div("layer-label inplace-label");
      label.append(document.createTextNode(spec.strings.detail_intermediate));
      const dims = document.createElement("span");
      dims.className = "dims";
      dims.textContent = `(${output.height}, ${output.width}, ${channels.length})`;
      label.append(dims);
      const toPlus = path("inplace-edge");
      const fromBias = path("inplace-edge");
      this.svg.append(toPlus, fromBias);
      this.layer.append(plus, bias, biasLabel, result.node, label);
      return { channels, plus, bias, biasLabel, result, label, toPlus, fromBias };
    }

    buildActivation(model) {
      const { spec } = this;
      const [sh, sw] = model.strides;
      const [top, left] = model.pad;
      const { input, output } = model;
      const big = frame("input", input, (r, c) => spec.moveTo(Math.min(output.height - 1, Math.floor((r + top) / sh)),
        Math.min(output.width - 1, Math.floor((c + left) / sw))), input.values);
      big.node.prepend(canvasOf(input, model.colours));
      const result = frame("output", output, (r, c) => spec.moveTo(r, c), output.values);
      result.node.prepend(canvasOf(output, model.colours));
      const [ph, pw] = model.window;
      const op = div("inplace-op", model.op === "relu" ? "max(0, x)" : `${model.op === "avg" ? "mean" : "max"} ${ph} × ${pw}`);
      const columns = this.overview.columns;
      const inLabel = div("inplace-note", columns[spec.l - 1].name);
      const outLabel = div("inplace-note", spec.layer);
      const edges = [path("inplace-edge"), path("inplace-edge"), path("inplace-edge")];
      this.svg.append(...edges);
      this.layer.append(big.node, result.node, op, inLabel, outLabel);
      return { big, result, op, inLabel, outLabel, edges };
    }

    /** Place the view for the graph's current geometry (after every layout, so also during a move's end). */
    place() {
      if (!this.spec || !this.layer) return;
      const geometry = this.overview.geometry;
      const { l, neuron, model } = this.spec;
      const previous = geometry.columns[l - 1];
      const current = geometry.columns[l];
      this.svg.setAttribute("width", geometry.contentWidth);
      this.svg.setAttribute("height", geometry.contentHeight);
      this.svg.setAttribute("viewBox", `0 0 ${geometry.contentWidth} ${geometry.contentHeight}`);
      const yOut = current.ys[neuron] + current.size / 2;
      if (model.kind === "conv") this.placeConv(geometry, previous, current, yOut);
      else this.placeActivation(geometry, previous, current, yOut);
      if (this.at) this.show(this.at.row, this.at.col);
    }

    placeConv(geometry, previous, current, yOut) {
      const p = this.parts;
      const { model } = this.spec;
      const s = previous.size;
      const k = Math.max(6, Math.round(s * 0.3));
      const left = previous.x + s;
      const G = Math.max(6, (current.x - left - 4 - k - s - PLUS) / 3);
      const xk = left + 4;
      const xi = xk + k + G;
      const xp = xi + s + G;
      p.channels.forEach((ch, c) => {
        const y = previous.ys[c];
        put(ch.kernel, xk, y + (s - k) / 2, k, k);
        put(ch.input.node, ...fit(previous.x, y, s, model.input));
        put(ch.mid.node, ...fit(xi, y, s, model.output));
        put(ch.gate, previous.x - 4, y - 4, xi + s - previous.x + 8, s + 8);
        curve(ch.into, xk + k, y + s / 2, xi, y + s / 2);
        curve(ch.out, xi + s, y + s / 2, xp, yOut);
      });
      put(p.plus, xp, yOut - PLUS / 2, PLUS, PLUS);
      put(p.bias, xp + PLUS / 2 - 5, yOut + PLUS / 2 + 10, 10, 10);
      put(p.biasLabel, xp + PLUS / 2 + 8, yOut + PLUS / 2 + 8);
      curve(p.fromBias, xp + PLUS / 2, yOut + PLUS / 2 + 10, xp + PLUS / 2, yOut + PLUS / 2);
      curve(p.toPlus, xp + PLUS, yOut, current.x, yOut);
      put(p.result.node, ...fit(current.x, current.ys[this.spec.neuron], current.size, model.output));
      p.label.style.transform = `translate(${xi + s / 2}px, ${geometry.labelY}px) translateX(-50%)`;
    }

    placeActivation(geometry, previous, current, yOut) {
      const p = this.parts;
      const { model } = this.spec;
      const bottom = geometry.legendY - 24;
      const B = Math.round(Math.min(2.6 * geometry.node, (bottom - TOP) * 0.6));
      const left = previous.x + previous.size;
      const G = Math.max(8, (current.x - left - 2 * B) / 3);
      const xin = left + G;
      const xout = xin + B + G;
      const y = clamp(yOut - B / 2, TOP + 16, bottom - B);
      put(p.big.node, ...fit(xin, y, B, model.input));
      put(p.result.node, ...fit(xout, y, B, model.output));
      put(p.inLabel, xin, y - 16);
      put(p.outLabel, xout, y - 16);
      p.op.style.transform = `translate(${xin + B + G / 2}px, ${y + B + 6}px) translateX(-50%)`;
      const yIn = previous.ys[this.spec.neuron] + previous.size / 2;
      curve(p.edges[0], left, yIn, xin, y + B / 2);
      curve(p.edges[1], xin + B, y + B / 2, xout, y + B / 2);
      curve(p.edges[2], xout + B, y + B / 2, current.x, yOut);
    }

    /** Put the window at output cell (row, col) on every map of the view. */
    show(row, col) {
      this.at = { row, col };
      if (!this.spec) return;
      const { model } = this.spec;
      const p = this.parts;
      if (model.kind === "conv") {
        const g = model.geometry;
        const [[top], [left]] = model.padding;
        for (const ch of p.channels) {
          ch.input.window(row * g.sh - top, col * g.sw - left, g.eh, g.ew);
          ch.mid.window(row, col);
        }
      } else {
        const [sh, sw] = model.strides;
        const [top, left] = model.pad;
        p.big.window(row * sh - top, col * sw - left, model.window[0], model.window[1]);
      }
      p.result.window(row, col);
    }

    /** Mark input channel `c` as the one the formula shows. */
    setChannel(c) {
      if (!this.spec || this.spec.model.kind !== "conv") return;
      this.parts.channels.forEach((ch, i) => ch.gate.classList.toggle("chosen", i === c));
      this.layer.dataset.channel = String(c);
    }
  };
})();
