/* The overview graph: places the server-rendered neurons, draws edges, heatmaps, legends and
 * bars for one sample and colour mode, and highlights a neuron's inputs.
 *
 * Every heatmap is drawn into one canvas under the neurons (which are plain elements: focus, outlines,
 * clicks), from one detached picture per neuron at the map's own resolution. A canvas in the page costs the
 * browser a compositor resource of its own each time it changes: with a canvas per neuron (103 for TinyVGG),
 * handing them over took 150-280 ms of the main thread in each of the first three frames after the first draw.
 *
 * It holds no application state beyond what is drawn; app.js decides what to show.
 */
(function () {
  "use strict";
  const CNNX = window.CNNX;
  const SVG_NS = "http://www.w3.org/2000/svg";
  const OUTPUT_BAR_WIDTH = 60;
  const DIMMED = 0.15; // the opacity of a neuron the in-graph view dims (site.css .inplace-dim)

  function key(layer, neuron) {
    return layer + "/" + neuron;
  }

  CNNX.Overview = class {
    constructor(root, page) {
      this.root = root;
      this.page = page;
      this.columns = page.columns;
      this.shapes = Object.fromEntries(this.columns.map((c) => [c.name, c.shape.length === 3 ? c.shape : [1, 1]]));
      this.neurons = {};
      for (const el of root.querySelectorAll("[data-neuron]")) {
        (this.neurons[el.dataset.layer] = this.neurons[el.dataset.layer] || [])[Number(el.dataset.neuron)] = el;
      }
      this.canvas = root.querySelector("[data-role=maps]");
      this.pictures = this.makePictures();
      this.boxes = {}; // layer -> each neuron's {x, y, width, height} in the graph, from the last layout
      this.following = false;
      this.labels = Object.fromEntries([...root.querySelectorAll("[data-label]")].map((el) => [el.dataset.label, el]));
      this.captions = [...root.querySelectorAll("[data-caption]")];
      this.svg = root.querySelector("[data-role=edges]");
      this.legends = {};
      for (const el of root.querySelectorAll("[data-legend]")) this.legends[el.dataset.legend] = CNNX.charts.legend(el);
      this.bars = CNNX.charts.probabilities(root.querySelector("[data-role=probabilities]"));
      this.sample = null;
      this.mode = page.scaleModes[0];
      this.lit = null;
      this.room = null; // a gap opened for the in-graph view (inplace.js), or null
      this.buildEdges();
    }

    /** One canvas per map neuron at the map's size, out of the page (so it costs no compositor resource), in a
     * hidden holder: what the heatmaps canvas draws from, and what a test reads a neuron's exact colours from. */
    makePictures() {
      const holder = document.createElement("div");
      holder.hidden = true;
      holder.dataset.role = "map-pictures";
      const pictures = {};
      for (const column of this.columns) {
        if (column.kind === "dense") continue;
        const [height, width] = this.shapes[column.name];
        pictures[column.name] = this.neurons[column.name].map((el, n) => {
          const picture = document.createElement("canvas");
          picture.width = width;
          picture.height = height;
          picture.dataset.picture = column.name + "/" + n;
          holder.appendChild(picture);
          return picture;
        });
      }
      this.root.appendChild(holder);
      return pictures;
    }

    /** Draw every neuron's picture into the heatmaps canvas at `boxes` (default: where the last layout put them);
     * a neuron dimmed by the in-graph view (inplace.js) as its opacity says. */
    paintMaps(boxes = this.boxes) {
      if (!this.sample || !this.geometry) return;
      const context = this.canvas.getContext("2d");
      const scale = this.scale;
      context.setTransform(1, 0, 0, 1, 0, 0);
      context.clearRect(0, 0, this.canvas.width, this.canvas.height);
      context.setTransform(scale, 0, 0, scale, 0, 0);
      for (const name of Object.keys(this.pictures)) {
        this.pictures[name].forEach((picture, n) => {
          const box = boxes[name][n];
          context.globalAlpha = this.neurons[name][n].classList.contains("inplace-dim") ? DIMMED : 1;
          context.drawImage(picture, box.x, box.y, box.width, box.height);
        });
      }
      context.globalAlpha = 1;
    }

    /** Draw the maps again where they are (a neuron was dimmed or lit again), unless follow() is drawing them. */
    repaint() {
      if (!this.following) this.paintMaps();
    }

    /** While the columns glide (inplace.js's "moving", CSS transitions), draw the maps where the neurons are in
     * each frame; then once more where they end. */
    follow() {
      if (this.following) return;
      this.following = true;
      const frame = () => {
        if (!this.root.classList.contains("moving")) {
          this.following = false;
          this.paintMaps();
          return;
        }
        const origin = this.canvas.getBoundingClientRect();
        const boxes = {};
        for (const name of Object.keys(this.pictures)) {
          boxes[name] = this.neurons[name].map((el) => {
            const r = el.getBoundingClientRect();
            return { x: r.left - origin.left, y: r.top - origin.top, width: r.width, height: r.height };
          });
        }
        this.paintMaps(boxes);
        requestAnimationFrame(frame);
      };
      requestAnimationFrame(frame);
    }

    /** Indices of the neurons in the previous column that feed neuron j of column l. */
    sources(l, j) {
      const column = this.columns[l];
      const previous = this.columns[l - 1];
      if (column.kind === "conv" || column.kind === "dense" || column.kind === "hidden") {
        return [...Array(previous.count).keys()];
      }
      return [j];
    }

    buildEdges() {
      const fragment = document.createDocumentFragment();
      this.edges = [];
      this.into = new Map();
      for (let l = 1; l < this.columns.length; l++) {
        for (let j = 0; j < this.columns[l].count; j++) {
          const paths = [];
          for (const i of this.sources(l, j)) {
            const path = document.createElementNS(SVG_NS, "path");
            path.setAttribute("class", "edge");
            fragment.appendChild(path);
            this.edges.push({ path, l, i, j });
            paths.push(path);
          }
          this.into.set(key(this.columns[l].name, j), paths);
        }
      }
      this.svg.appendChild(fragment);
    }

    /** Place everything for the graph's current size, or for `size` ({width, height}) where the caller knows it
     * already; cheap, so it runs on every resize. A network bigger than the box (layout.js) scrolls inside the graph:
     * the edges' canvas then covers the whole content. Fires "cnnx:layout" on the graph once everything is placed,
     * for what is drawn over it (inplace.js). */
    layout(size = { width: this.root.clientWidth, height: this.root.clientHeight }) {
      const geometry = CNNX.layout(this.columns, size.width, size.height, this.room);
      const width = geometry.contentWidth;
      const height = geometry.contentHeight;
      const half = geometry.node / 2;
      this.geometry = geometry;
      this.root.classList.toggle("scrolls", width > geometry.width || height > geometry.height);
      this.svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
      this.svg.setAttribute("width", width);
      this.svg.setAttribute("height", height);
      // The heatmaps canvas covers the content at the screen's pixel density (a new size clears it).
      this.scale = window.devicePixelRatio || 1;
      const canvasWidth = Math.round(width * this.scale);
      const canvasHeight = Math.round(height * this.scale);
      if (this.canvas.width !== canvasWidth || this.canvas.height !== canvasHeight) {
        this.canvas.width = canvasWidth;
        this.canvas.height = canvasHeight;
        this.canvas.style.width = width + "px";
        this.canvas.style.height = height + "px";
      }
      for (const column of geometry.columns) {
        // A map that is not square keeps its aspect inside the square slot, centred (TinyVGG's all are square).
        const [h, w] = this.shapes[column.name];
        const tall = column.kind === "dense" || h === w ? null
          : { width: (column.size * Math.min(1, w / h)), height: (column.size * Math.min(1, h / w)) };
        const boxes = this.neurons[column.name].map((el, n) => (tall
          ? { x: column.x + (column.size - tall.width) / 2, y: column.ys[n] + (column.size - tall.height) / 2, ...tall }
          : { x: column.x, y: column.ys[n], width: column.size, height: column.size }));
        this.boxes[column.name] = boxes;
        this.neurons[column.name].forEach((el, n) => {
          el.style.transform = `translate(${boxes[n].x}px, ${boxes[n].y}px)`;
          el.style.height = boxes[n].height + "px";
          if (column.kind !== "dense") el.style.width = boxes[n].width + "px"; // a class row keeps site.css's width
        });
        const label = this.labels[column.name];
        label.style.transform = `translate(${column.slot + half}px, ${geometry.labelY}px) translateX(-50%)`;
        if (column.kind === "dense") label.style.transform = `translate(${column.x}px, ${geometry.labelY}px)`;
      }
      const input = geometry.columns[0];
      this.captions.forEach((el, c) => {
        el.style.transform = `translate(${input.x + half}px, ${input.ys[c] + geometry.node + 3}px) translateX(-50%)`;
      });
      for (const { path, l, i, j } of this.edges) {
        const from = geometry.columns[l - 1];
        const to = geometry.columns[l];
        const x1 = from.x + from.size;
        const y1 = from.ys[i] + from.size / 2;
        const x2 = to.x;
        const y2 = to.ys[j] + to.size / 2;
        const xm = (x1 + x2) / 2;
        path.setAttribute("d", `M${x1},${y1}C${xm},${y1} ${xm},${y2} ${x2},${y2}`);
      }
      if (this.root.classList.contains("moving")) this.follow();
      else this.paintMaps();
      this.root.dispatchEvent(new CustomEvent("cnnx:layout"));
      return this.sample ? this.drawCharts() : Promise.resolve();
    }

    /** Draw `sample` in colour mode `mode`: every heatmap, every legend, the bars. */
    draw(sample, mode) {
      this.sample = sample;
      this.mode = mode;
      for (const column of this.columns) {
        if (column.kind === "dense") continue;
        const maps = sample.maps[column.name];
        const range = sample.ranges[mode][column.name];
        this.pictures[column.name].forEach((picture, n) => CNNX.palette.paint(picture, maps, n, column.kind, range));
      }
      this.paintMaps();
      return this.drawCharts();
    }

    drawCharts() {
      const { sample, mode, geometry } = this;
      const at = geometry.byName;
      const node = geometry.node;
      const y = geometry.legendY;
      const jobs = [];
      jobs.push(this.legends.input.show({
        lo: 0, hi: 1, ticks: [0, 0.5, 1], digits: 1, x: at.input.x, y, width: node, name: this.page.strings.scale,
        colourAt: (v) => CNNX.palette.colour("input", v, 1),
      }));
      const groups = this.page.legendGroups[mode];
      Object.keys(this.legends).filter((name) => name.startsWith("range-")).forEach((name, k) => {
        const group = groups[k];
        if (!group) return this.legends[name].hide();
        const first = at[group[0]];
        const last = at[group[group.length - 1]];
        const span = last.slot + node - first.slot;
        const { lo, hi, ticks, digits, clipped } = this.legendRange(group);
        const label = (t) => (typeof t === "number" ? CNNX.format(t, digits) : t.label); // the ticks span lo .. hi
        const range = `${label(ticks[0])} … ${label(ticks[ticks.length - 1])}`;
        const title = `${this.page.strings.scale}: ${range}` +
          (clipped.low || clipped.high ? `; ${this.page.strings.legend_clipped}` : "");
        jobs.push(this.legends[name].show({
          lo, hi, ticks, digits, x: first.slot, y, width: span, clipped, title,
          colourAt: (v) => CNNX.palette.colour("conv", v, 2 * hi),
        }));
      });
      const top = Math.max(...sample.probabilities);
      jobs.push(this.legends.output.show({
        lo: 0, hi: top, ticks: [0, top], digits: 2, x: at.output.x, y, width: OUTPUT_BAR_WIDTH,
        name: this.page.strings.probability,
        colourAt: () => "#a8a8a8",
      }));
      jobs.push(this.bars.show({
        classes: this.page.classes, probabilities: sample.probabilities, top1: sample.top1,
        x: at.output.x, ys: at.output.ys, node: at.output.size, height: geometry.contentHeight,
      }));
      return Promise.all(jobs);
    }

    /** What the legend of layers `group` shows in the current mode: the range drawn, its ticks, whether
     * values go beyond either end (then drawn in the end colour). The original's modes show the whole
     * symmetric range -R/2 .. R/2 as it did; "layer" mode shows only the part a layer's values can take
     * (0 .. R/2 for ReLU and pooling, whose values are never negative), labelled exactly. */
    legendRange(group) {
      const { sample, mode } = this;
      const half = sample.ranges[mode][group[0]] / 2;
      const lowest = Math.min(...group.flatMap((name) => sample.maps[name].min));
      const highest = Math.max(...group.flatMap((name) => sample.maps[name].max));
      const clipped = { low: lowest < -half, high: highest > half };
      if (mode !== "layer") {
        const ticks = mode === "unit" ? [-half, 0, half] : [-half, -half / 2, 0, half / 2, half];
        return { lo: -half, hi: half, ticks, digits: 2, clipped };
      }
      const lo = lowest >= 0 ? 0 : -half;
      const zero = { v: 0, label: "0" };
      const ticks = lo === 0 ? [zero, half] : [-half, zero, half];
      return { lo, hi: half, ticks, digits: CNNX.shortDecimals(half), clipped };
    }

    /** Raise and darken the edges into `el` and outline the neurons they come from (null clears). */
    highlight(el) {
      if (this.lit) {
        for (const path of this.lit.paths) path.classList.remove("active");
        for (const source of this.lit.sources) source.classList.remove("source");
        this.lit.el.classList.remove("hovered");
        this.lit = null;
      }
      if (!el) return;
      const layer = el.dataset.layer;
      const neuron = Number(el.dataset.neuron);
      const l = this.columns.findIndex((c) => c.name === layer);
      const paths = this.into.get(key(layer, neuron)) || [];
      const sources = l > 0 ? this.sources(l, neuron).map((i) => this.neurons[this.columns[l - 1].name][i]) : [];
      for (const path of paths) {
        path.classList.add("active");
        this.svg.appendChild(path); // SVG paints in document order: last is on top
      }
      for (const source of sources) source.classList.add("source");
      el.classList.add("hovered");
      this.lit = { el, paths, sources };
    }

    /** Mark the selected neuron ({layer, neuron} or null). */
    select(selected) {
      for (const el of this.root.querySelectorAll(".neuron.selected")) el.classList.remove("selected");
      if (selected) this.neurons[selected.layer][selected.neuron].classList.add("selected");
    }

    /** One line about a neuron of the shown sample, for the hover chip. */
    describe(layer, neuron) {
      const s = this.page.strings;
      const sample = this.sample;
      if (layer === "output") {
        return `${this.page.classes[neuron]} · ${s.probability} ${CNNX.format(sample.probabilities[neuron], 4)}` +
          ` · ${s.logit} ${CNNX.format(sample.logits[neuron], 4)}`;
      }
      const maps = sample.maps[layer];
      const range = `${s.values} ${CNNX.format(maps.min[neuron], 2)} … ${CNNX.format(maps.max[neuron], 2)}`;
      if (layer === "input") {
        const names = maps.count === 1 ? [s.grey] : [s.red, s.green, s.blue];
        return `${names[neuron]} ${s.channel} · ${range}`;
      }
      return `${layer} · ${s.neuron} ${neuron} · ${range}`;
    }
  };
})();
