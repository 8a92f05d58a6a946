/* The Vega views: colour legends and the output probabilities.
 *
 * Their specs were written with Altair and compiled to Vega by the build (page.charts); this
 * file only feeds them rows with view.data(...) and places them on the graph's layout.
 */
(function () {
  "use strict";
  const CNNX = window.CNNX;
  const SEGMENTS = 48;
  const BAR_WIDTH = 60;
  const CAP_OFFSET = 3; // px: half the arrow tip's 6 px length (charts.py CAP_PATHS), so its base meets the bar

  const parsed = {};

  function makeView(container, name) {
    const spec = CNNX.page.charts[name];
    parsed[name] = parsed[name] || window.vega.parse(spec); // one parse serves every legend
    const view = new window.vega.View(parsed[name], { renderer: "svg", container, hover: false });
    return { view, padding: spec.padding };
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
      const { view, padding } = makeView(container, "legend");
      return {
        container,
        hide() {
          container.hidden = true;
        },
        /** lo..hi along `width` px at (x, y), coloured by colourAt(v), labelled at `ticks` (numbers, or
         * {v, label} for a label of its own); `clipped` {low, high} puts an arrow tip on each end whose
         * values go beyond it (data-clipped names them), `title` is the tooltip. */
        show({ lo, hi, colourAt, ticks, digits, x, y, width, clipped = {}, title = "" }) {
          container.hidden = false;
          container.title = title;
          container.style.left = x - padding.left + "px";
          container.style.top = y + "px";
          const gradient = [];
          for (let k = 0; k < SEGMENTS; k++) {
            const v0 = lo + ((hi - lo) * k) / SEGMENTS;
            const v1 = lo + ((hi - lo) * (k + 1)) / SEGMENTS;
            // Each segment reaches into the next, so anti-aliased edges leave no light seams.
            const end = k + 1 < SEGMENTS ? v1 + (hi - lo) / SEGMENTS / 2 : v1;
            gradient.push({ v0, v1: end, color: colourAt((v0 + v1) / 2) });
          }
          const tickRows = ticks.map((t) => (typeof t === "number" ? { v: t, label: format(t, digits) } : t));
          const caps = [];
          if (clipped.low) caps.push({ side: "low", x: -CAP_OFFSET, color: colourAt(lo) });
          if (clipped.high) caps.push({ side: "high", x: width + CAP_OFFSET, color: colourAt(hi) });
          container.dataset.clipped = caps.map((cap) => cap.side).join(" ");
          return view.width(width).data("gradient", gradient).data("ticks", tickRows).data("caps", caps).runAsync();
        },
      };
    },

    /** The output column: class names with probability bars, aligned with the output nodes. */
    probabilities(container) {
      const { view } = makeView(container, "probabilities");
      return {
        show({ classes, probabilities, top1, x, ys, node, height }) {
          container.style.left = x + "px";
          container.style.top = "0px";
          const rows = classes.map((name, i) => ({
            name, p: probabilities[i], top: i === top1, text: format(probabilities[i] * 100, 1) + "%",
            // the class name just above the node's middle, an 8 px bar just below it
            label_y: ys[i] + node * 0.4, bar_y: ys[i] + node * 0.5, bar_y2: ys[i] + node * 0.5 + 8,
            text_y: ys[i] + node * 0.5 + 4,
          }));
          return view.width(BAR_WIDTH).height(height).data("classes", rows).runAsync();
        },
      };
    },
  };
})();
