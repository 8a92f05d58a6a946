/* The overview's colour legends and output probabilities, drawn as plain SVG.
 *
 * They were Vega views; drawing these few rectangles and labels here keeps the Vega runtime (200 KB
 * gzipped) off the first view: it now loads only when an article chart scrolls near (article.js).
 * Each chart builds its SVG elements once and show() only moves and recolours them, so a sample
 * switch rebuilds nothing. Look: a 5 px bar (a gradient through 17 palette colours), ticks and 10 px
 * labels under it, arrow tips at clipped ends; class names above 8 px bars with the percentage beside
 * each bar.
 */
(function () {
  "use strict";
  const CNNX = window.CNNX;
  const SVG_NS = "http://www.w3.org/2000/svg";
  // Stops of a legend's gradient. Its 48 flat segments were 576 rectangles in all, each made and styled before
  // the first view is drawn; 17 stops of a smooth palette, interpolated between, look the same.
  const STOPS = 17;
  const BAR_WIDTH = 60; // px: the output column's longest bar
  const VALUE_ROOM = 44; // px right of the bars for the percentages
  const LEGEND_HEIGHT = 5; // px, the original's legend bar
  const LEGEND_PADDING = 24; // px each side of a legend, room for its end labels
  const TICK_LENGTH = 3;
  const LABEL_GAP = 3; // px between a tick's end and the top of its label
  // The arrow tip at a clipped end, 8 px tall and 6 px long, pointing away from the bar (the colour-bar
  // "extend" convention for values beyond the range); its base meets the bar's end.
  const CAPS = { low: "M0,-4L-6,0L0,4Z", high: "M0,-4L6,0L0,4Z" };

  /** An SVG element with these attributes, appended to `parent` if given. */
  function svgElement(name, attributes, parent) {
    const el = document.createElementNS(SVG_NS, name);
    for (const [key, value] of Object.entries(attributes)) el.setAttribute(key, value);
    if (parent) parent.appendChild(el);
    return el;
  }

  /** Set attribute `name` of `el` only when it changes: a sample switch mostly redraws what is already there. */
  function set(el, name, value) {
    const text = String(value);
    if (el.getAttribute(name) !== text) el.setAttribute(name, text);
  }

  /** `count` children of `group` made by `make`, reusing those already there and removing the rest. */
  function pool(group, count, make) {
    while (group.childElementCount < count) make(group);
    while (group.childElementCount > count) group.lastElementChild.remove();
    return [...group.children];
  }

  /** Fixed-point text without "-0.00". */
  function format(v, digits) {
    const text = v.toFixed(digits);
    return Number(text) === 0 ? (0).toFixed(digits) : text;
  }

  CNNX.format = format;

  /** The decimals of v's shortest form, so a "layer" mode range (two significant digits) reads exactly:
   * 0.18 -> 2, 2.5 -> 1, 12 -> 0. */
  CNNX.shortDecimals = function (v) {
    const text = String(v);
    return text.includes("e") ? 2 : (text.split(".")[1] || "").length;
  };

  CNNX.charts = {
    /** A legend bound to one container; show() redraws it, hide() takes it off the page. */
    legend(container) {
      const svg = svgElement("svg", { class: "chart-svg", height: LEGEND_HEIGHT + 18, "aria-hidden": "true" });
      const plot = svgElement("g", { transform: `translate(${LEGEND_PADDING},0)` }, svg);
      const id = "cnnx-legend-" + (container.dataset.legend || "chart");
      const fill = svgElement("linearGradient", { id }, svgElement("defs", {}, svg));
      const stops = [];
      for (let k = 0; k < STOPS; k++) stops.push(svgElement("stop", { offset: k / (STOPS - 1) }, fill));
      const gradient = svgElement("g", { class: "gradient" }, plot);
      const bar = svgElement("rect", { y: 0, height: LEGEND_HEIGHT, fill: `url(#${id})` }, gradient);
      const ticks = svgElement("g", { class: "ticks" }, plot);
      const labels = svgElement("g", { class: "labels" }, plot);
      const caps = svgElement("g", { class: "caps" }, plot);
      container.appendChild(svg);
      container.setAttribute("role", "img");
      return {
        container,
        hide() {
          container.hidden = true;
        },
        /** lo..hi along `width` px at (x, y), coloured by colourAt(v), labelled at `ticks` (numbers, or
         * {v, label} for a label of its own); `clipped` {low, high} puts an arrow tip on each end whose
         * values go beyond it (data-clipped names them), `title` is the tooltip, `name` what the range
         * is of (the accessible name is "<name>: <first label> … <last label>"). */
        show({ lo, hi, colourAt, ticks: tickValues, digits, x, y, width, clipped = {}, title = "", name = "" }) {
          container.hidden = false;
          container.title = title;
          container.style.left = x - LEGEND_PADDING + "px";
          container.style.top = y + "px";
          set(svg, "width", width + 2 * LEGEND_PADDING);
          const at = (v) => (hi === lo ? 0 : ((v - lo) / (hi - lo)) * width);
          set(bar, "width", width);
          stops.forEach((stop, k) => set(stop, "stop-color", colourAt(lo + ((hi - lo) * k) / (STOPS - 1))));
          const rows = tickValues.map((t) => (typeof t === "number" ? { v: t, label: format(t, digits) } : t));
          const lines = pool(ticks, rows.length, (group) => svgElement("line", {
            y1: LEGEND_HEIGHT, y2: LEGEND_HEIGHT + TICK_LENGTH }, group));
          const texts = pool(labels, rows.length, (group) => svgElement("text", {
            y: LEGEND_HEIGHT + TICK_LENGTH + LABEL_GAP, "text-anchor": "middle", "dominant-baseline": "hanging" }, group));
          rows.forEach((row, i) => {
            const px = at(row.v);
            set(lines[i], "x1", px);
            set(lines[i], "x2", px);
            set(texts[i], "x", px);
            if (texts[i].textContent !== row.label) texts[i].textContent = row.label;
          });
          const sides = ["low", "high"].filter((side) => clipped[side]);
          pool(caps, sides.length, (group) => svgElement("path", {}, group)).forEach((path, i) => {
            const side = sides[i];
            set(path, "d", CAPS[side]);
            set(path, "transform", `translate(${side === "low" ? 0 : width},${LEGEND_HEIGHT / 2})`);
            set(path, "fill", colourAt(side === "low" ? lo : hi));
          });
          container.dataset.clipped = sides.join(" ");
          const range = rows.length ? `${rows[0].label} … ${rows[rows.length - 1].label}` : "";
          set(container, "aria-label", title || `${name}: ${range}`);
          return Promise.resolve();
        },
      };
    },

    /** The output column: class names with probability bars, aligned with the output nodes. */
    probabilities(container) {
      const svg = svgElement("svg", { class: "chart-svg" });
      const bars = svgElement("g", { class: "bars", "aria-hidden": "true" }, svg);
      const names = svgElement("g", { class: "names" }, svg);
      const values = svgElement("g", { class: "values" }, svg);
      container.appendChild(svg);
      container.setAttribute("role", "group");
      container.setAttribute("aria-label", CNNX.page.strings.probability);
      return {
        show({ classes, probabilities, top1, x, ys, node, height }) {
          container.style.left = x + "px";
          container.style.top = "0px";
          set(svg, "width", BAR_WIDTH + VALUE_ROOM);
          set(svg, "height", height);
          const top = Math.max(...probabilities);
          const length = (p) => (top > 0 ? (p / top) * BAR_WIDTH : 0); // the likeliest class: the full bar
          const rects = pool(bars, classes.length, (group) => svgElement("rect", { x: 0, height: 8 }, group));
          const labels = pool(names, classes.length, (group) => svgElement("text", { x: 0 }, group));
          const numbers = pool(values, classes.length, (group) => svgElement("text", {
            "dominant-baseline": "central" }, group));
          classes.forEach((name, i) => {
            const middle = ys[i] + node * 0.5;
            const first = i === top1;
            set(rects[i], "y", middle);
            set(rects[i], "width", length(probabilities[i]));
            rects[i].classList.toggle("top", first);
            // the class name just above the node's middle, an 8 px bar just below it, its value beside the bar
            set(labels[i], "y", ys[i] + node * 0.4);
            labels[i].classList.toggle("top", first);
            if (labels[i].textContent !== name) labels[i].textContent = name;
            set(numbers[i], "x", length(probabilities[i]) + 4);
            set(numbers[i], "y", middle + 4);
            numbers[i].textContent = format(probabilities[i] * 100, 1) + "%";
          });
          return Promise.resolve();
        },
      };
    },
  };
})();
