/* The flatten and softmax views, opened from an output class (flatten also from a hidden Dense unit).
 *
 * Flatten: the last maps unrolled into the vector in the network's own order (network.json flattenOrder).
 * Two drawings of it, the reader picks one. "Edges", as the original draws it: the vector as one column,
 * top to bottom in flatten order, and one edge from each value into the unit, coloured by its weight
 * (BrBG in bins of sqrt |w|, brown negative, teal positive, darker = larger; the strong bins are drawn last, on
 * top). "Grid": Keras' (H, W, C) order drawn one line per map row, each pixel's channels side by side
 * (TinyVGG: max_pool_2's ten 13x13 maps as 13 lines of 130); PyTorch's (C, H, W) one line per map; the
 * dense weights into the unit below it in the same layout. Both share the window (one value, the arrow
 * keys walk the grid's lines) and Σ value x weight + bias = the unit's value (an output's logit),
 * computed here from the exact maps.
 * A hidden Dense unit shows the same: the edges from the flattened vector into that unit (it has no
 * softmax). A Dense layer after a hidden one reads that layer's units as the vector, one line, so the
 * output's edges then come from the hidden units.
 * Softmax: the classes revealed one by one, as the original animates it: a first pass takes each class's
 * logit to exp(logit) and adds it to the running sum, a second divides each exp by the sum, giving the
 * probability. The window is (pass, class); play / step / the arrow keys walk it like the other views'.
 */
(function () {
  "use strict";
  const CNNX = window.CNNX;
  const math = CNNX.detailMath;
  const { el, fmt, scale, inkOn, heatmap, number, legend, mapLegend, sharedRange } = CNNX.detail;
  const SVG = "http://www.w3.org/2000/svg";
  const BINS = 8; // colour bins of |w| on each side of zero: 16 paths draw every edge
  const GAP = 0.2; // the palest edge colour, as a fraction of the palette's half (the original's flatten uses 0.35)
  const reducedMotion = () => window.matchMedia("(prefers-reduced-motion: reduce)").matches; // read when asked: it can change

  function svg(tag, attrs) {
    const node = document.createElementNS(SVG, tag);
    for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
    return node;
  }

  /** The vector as one column (flatten order, top to bottom) and one straight edge from each value into the
   * unit, coloured by its weight: BrBG in BINS bins of sqrt(|w| / max |w|) per sign, each drawn in the colour
   * of its outer end. One path per bin; weak bins first, so the strong
   * weights lie on top. `pick(k)` is called with the value under the pointer. */
  function edgeFigure({ values, column, colours, unitName, value, strings, pick }) {
    const n = values.length;
    const [W, H, top, stripX, stripW, nodeX, nodeR] = [400, 280, 8, 2, 18, 318, 11];
    const step = (H - 2 * top) / n;
    const y = (k) => top + (k + 0.5) * step;
    const cy = H / 2;
    const m = math.maxAbs(column) || 1;
    // Most weights are a small fraction of the largest: bins of sqrt(|w| / max) spread them over the colours,
    // and the palest bin starts GAP into its side so that no edge is drawn near white.
    const binOf = (w) => Math.min(BINS - 1, Math.floor(Math.sqrt(Math.abs(w) / m) * BINS));
    const binColour = (sign, bin) => {
      const t = 0.5 + (sign * (GAP + ((1 - GAP) * (bin + 1)) / BINS)) / 2;
      return CNNX.page.palettes.BrBG[Math.max(0, Math.min(255, Math.round(t * 255)))];
    };
    const colourOf = (w) => binColour(w < 0 ? -1 : 1, binOf(w));

    const picture = el("canvas", { width: 1, height: n });
    const context = picture.getContext("2d");
    const image = context.createImageData(1, n);
    for (let k = 0; k < n; k++) {
      const hex = colours.colour(values[k]);
      for (let b = 0; b < 3; b++) image.data[4 * k + b] = Number.parseInt(hex.slice(1 + 2 * b, 3 + 2 * b), 16);
      image.data[4 * k + 3] = 255;
    }
    context.putImageData(image, 0, 0);

    const paths = {};
    const x0 = stripX + stripW;
    const x1 = nodeX - nodeR;
    for (let k = 0; k < n; k++) {
      const key = `${column[k] < 0 ? -1 : 1},${binOf(column[k])}`;
      (paths[key] = paths[key] || []).push(`M${x0} ${y(k).toFixed(2)}L${x1} ${cy}`);
    }
    const width = Math.max(0.35, Math.min(2, 160 / n));
    const drawn = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "flat-edges", role: "img",
                              "aria-label": strings.detail_edges_caption.replace("{n}", n.toLocaleString("en"))
                                .replace("{unit}", unitName) });
    for (let bin = 0; bin < BINS; bin++) {
      for (const sign of [-1, 1]) {
        const d = paths[`${sign},${bin}`];
        if (!d) continue;
        drawn.append(svg("path", { class: "flat-edge", "data-sign": sign, "data-bin": bin, d: d.join(""),
                                   stroke: binColour(sign, bin), "stroke-width": width, fill: "none" }));
      }
    }
    const strip = svg("image", { x: stripX, y: top, width: stripW, height: H - 2 * top, preserveAspectRatio: "none",
                                 class: "edge-strip" });
    strip.setAttribute("href", picture.toDataURL());
    const markEdge = svg("path", { class: "edge-mark", d: "", fill: "none" });
    const markValue = svg("rect", { class: "edge-value", x: stripX - 1.5, width: stripW + 3,
                                    height: Math.max(3, step), fill: "none" });
    drawn.append(strip, svg("rect", { x: stripX, y: top, width: stripW, height: H - 2 * top, class: "edge-frame",
                                      fill: "none" }),
      markEdge, markValue, svg("circle", { cx: nodeX, cy, r: nodeR, class: "edge-node" }));
    const name = svg("text", { x: nodeX, y: cy - nodeR - 8, "text-anchor": "middle", class: "edge-label" });
    name.textContent = unitName;
    const sum = svg("text", { x: nodeX, y: cy + nodeR + 16, "text-anchor": "middle", class: "edge-label" });
    sum.textContent = `= ${fmt(value)}`;
    drawn.append(name, sum);

    const handle = (event) => {
      // The edge through the pointer: an edge runs from (x0, y(k)) to (x1, cy), so at a fraction f of the way
      // across it is at y(k) + f (cy - y(k)); near the unit, where every edge meets, f is held at 0.9.
      const rect = drawn.getBoundingClientRect();
      const px = ((event.clientX - rect.left) / rect.width) * W;
      const py = ((event.clientY - rect.top) / rect.height) * H;
      const f = Math.max(0, Math.min(0.9, (px - x0) / (x1 - x0)));
      const start = (py - f * cy) / (1 - f);
      pick(Math.max(0, Math.min(n - 1, Math.floor((start - top) / step))));
    };
    drawn.addEventListener("pointermove", handle);
    drawn.addEventListener("pointerdown", handle);

    const legendColours = { colour: colourOf };
    const element = el("figure", { class: "map-figure edge-figure" },
      el("figcaption", { text: strings.detail_edges_caption.replace("{n}", n.toLocaleString("en"))
        .replace("{unit}", unitName) }),
      drawn);
    return {
      element, legend: legend(strings.detail_legend_edges, legendColours, -m, m, 3),
      /** Outline value k and its edge. */
      mark(k) {
        markEdge.setAttribute("d", `M${x0} ${y(k).toFixed(2)}L${x1} ${cy}`);
        markValue.setAttribute("y", (y(k) - Math.max(3, step) / 2).toFixed(2));
      },
    };
  }
  CNNX.detail.register("flatten", (ctx) => {
    const { sample, network, mode, layer, neuron, strings, classes } = ctx;
    const isOutput = layer === "output";
    const at = network.layers.findIndex((l) => l.name === layer);
    const fromFlatten = network.layers[at - 1].kind === "flatten";
    const sourceAt = fromFlatten ? at - 2 : at - 1;
    const SOURCE = sourceAt < 0 ? "input" : network.layers[sourceAt].name; // a network may flatten its input
    const stored = ctx.exact[SOURCE];
    const maps = [];
    for (let c = 0; c < stored.count; c++) maps.push(math.channel(stored, c));
    const { height, width } = maps[0];
    const count = maps.length;
    const order = fromFlatten ? network.flattenOrder : "hwc"; // a hidden layer's units: (units, 1, 1), in order
    const values = math.flatten(maps, order);
    const dense = network.weights[layer];
    const classCount = dense.bias.length;
    const column = values.map((_, k) => dense.kernel[k * classCount + neuron]);
    const products = values.map((v, k) => v * column[k]);
    const total = products.reduce((a, b) => a + b, 0);
    const bias = dense.bias[neuron];
    const chw = order === "chw";
    const vector = height * width === 1; // nothing spatial to unroll: one line of units
    const lineWidth = chw ? height * width : width * count; // a line of the strip: one map, or one row of the maps
    const rows = values.length / lineWidth;
    const where = (c, r, col) => {
      const k = math.flatIndex(c, r, col, count, height, width, order);
      return [Math.floor(k / lineWidth), k % lineWidth];
    };
    const unitName = isOutput ? classes[neuron] : `${layer} · ${strings.neuron} ${neuron}`;
    const range = sharedRange(sample, mode, [SOURCE], math.maxAbs(values));
    const colours = scale("RdBu", range);
    const weightRange = 2 * math.maxAbs(column) || 1;
    const weightColours = scale("BrBG", weightRange);

    const sources = vector ? [] : maps.map((map, c) => {
      const view = heatmap(map, colours, { size: "xs", role: "source", label: `${c}` });
      view.onCell((r, col) => ctx.moveTo(...where(c, r, col)));
      return view;
    });
    const flatLabel = (chw ? strings.detail_flattened_chw : strings.detail_flattened)
      .replace("{n}", values.length.toLocaleString("en")).replace("{channels}", String(count));
    const strip = heatmap({ values, height: rows, width: lineWidth }, colours, { size: "strip", role: "flattened",
      label: vector ? `${SOURCE} (${values.length})` : flatLabel });
    const weights = heatmap({ values: column, height: rows, width: lineWidth }, weightColours, { size: "strip",
      role: "weights", label: `${strings.detail_weights_into} ${unitName}` });
    if (lineWidth !== 130 || rows !== 13) {
      // TinyVGG's strip is drawn at 130 / 20 (site.css): rows half again as tall as wide; others alike, within reason
      const ratio = Math.min(40, Math.max(2, lineWidth / (rows * 1.5)));
      for (const view of [strip, weights]) view.frame.querySelector("canvas").style.aspectRatio = String(ratio);
    }
    strip.onCell((r, col) => ctx.moveTo(r, col));
    weights.onCell((r, col) => ctx.moveTo(r, col));

    const caption = el("p", { class: "formula-caption" });
    const value = number(0, colours, "patch");
    const weight = number(0, weightColours, "kernel");
    const product = number(0, null, "product");
    const sum = number(total, null, "sum");
    const logit = number(total + bias, null, "result");
    const switchButton = !isOutput ? null : el("button", { type: "button", class: "switch", "data-role": "detail-switch",
                                        text: `${strings.detail_softmax} →` });
    if (switchButton) switchButton.addEventListener("click", () => ctx.switchTo("softmax"));

    const edges = edgeFigure({ values, column, colours, unitName, value: total + bias, strings,
                               pick: (k) => ctx.moveTo(Math.floor(k / lineWidth), k % lineWidth) });
    const grid = el("div", { class: "flatten-grid", hidden: true }, strip.element, weights.element);
    const gridLegend = legend(strings.detail_legend_weight, weightColours, -weightRange / 2, weightRange / 2);
    gridLegend.hidden = true;
    // Each drawing with its weight legend; the activations' legend serves both.
    const drawings = [["edges", [edges.element, edges.legend], strings.detail_view_edges],
                      ["grid", [grid, gridLegend], strings.detail_view_grid]];
    const toggles = drawings.map(([name, , text]) => {
      const button = el("button", { type: "button", class: "drawing-toggle", "data-drawing": name, text,
                                    "aria-pressed": String(name === "edges") });
      button.addEventListener("click", () => {
        for (const [other, nodes] of drawings) for (const node of nodes) node.hidden = other !== name;
        for (const b of toggles) b.setAttribute("aria-pressed", String(b === button));
      });
      return button;
    });

    ctx.body.replaceChildren(el("div", { class: "flatten-view" },
      vector ? null : el("div", { class: "flatten-sources", role: "group", "aria-label": SOURCE },
        el("p", { class: "section-label", text: `${SOURCE} (${height} × ${width} × ${count})` }),
        el("div", { class: "source-grid" }, ...sources.map((s) => s.element))),
      el("div", { class: "flatten-strips" },
        el("div", { class: "drawing-switch", role: "group", "aria-label": strings.detail_drawing }, ...toggles),
        edges.element, grid,
        el("div", { class: "legends" }, edges.legend, gridLegend,
          mapLegend(strings.detail_legend_maps, colours, mode, values))),
      el("div", { class: "formula", "aria-live": "polite" }, caption,
        el("div", { class: "formula-row" }, el("span", { class: "term" }, el("small", { text: strings.detail_value }), value),
          el("span", { class: "op", text: "×" }),
          el("span", { class: "term" }, el("small", { text: strings.detail_weight }), weight),
          el("span", { class: "op", text: "=" }), product),
        el("div", { class: "sum-lines" },
          el("p", {}, el("span", { text: strings.detail_sum_products.replace("{n}", values.length.toLocaleString("en")) }), sum),
          el("p", {}, el("span", { text: `+ ${strings.bias}` }), number(bias, null, "bias")),
          el("p", { class: "result" }, el("span", { text: isOutput ? `= ${strings.logit} (${classes[neuron]})`
            : `= ${unitName}` }), logit)),
        isOutput ? el("p", { class: "note", text: strings.detail_network_logit.replace("{value}", fmt(sample.logits[neuron])) })
          : null,
        switchButton)));

    function show(row, col) {
      const k = row * lineWidth + col;
      const source = math.unflatten(k, count, height, width, order);
      sources.forEach((s, c) => s.window(c === source.channel ? source.row : null, source.col));
      strip.window(row, col);
      weights.window(row, col);
      edges.mark(k);
      value.update(values[k]);
      weight.update(column[k]);
      product.update(products[k]);
      caption.textContent = strings.detail_flat_source.replace("{k}", String(k))
        .replace("{layer}", SOURCE).replace("{channel}", String(source.channel)).replace("{row}", String(source.row))
        .replace("{col}", String(source.col));
      ctx.setStatus(caption.textContent);
    }

    return { rows, cols: lineWidth, animate: true, show };
  });

  /** Text for exp(logit): four significant digits, without exponent notation for the usual sizes. */
  function expText(v) {
    return v >= 1000 ? v.toFixed(0) : v.toPrecision(4);
  }

  CNNX.detail.register("softmax", (ctx) => {
    const { sample, neuron, strings, classes } = ctx;
    const logits = sample.logits;
    const probabilities = sample.probabilities; // the network's own, as the overview prints them
    const n = classes.length;
    const exps = logits.map((l) => Math.exp(l));
    const running = [];
    exps.reduce((sum, e) => (running.push(sum + e), sum + e), 0);
    const total = running[n - 1];
    const lo = Math.min(...logits);
    const hi = Math.max(...logits);
    // The original's logit colours: Oranges from 0.2 (lowest logit) to 1 (highest).
    const tOf = (l) => 0.2 + (0.8 * (l - lo)) / (hi - lo || 1);
    const orange = (l) => CNNX.page.palettes.Oranges[Math.round(tOf(l) * 255)];
    const chip = (role) => el("span", { class: "number", "data-role": role });
    /** Show logit l in a chip, or nothing (a class not reached yet). */
    const paint = (node, l) => {
      node.textContent = l === null ? "\u00a0" : fmt(l); // a blank keeps the row's height
      node.style.background = l === null ? "" : orange(l);
      node.style.color = l === null ? "" : inkOn(orange(l));
    };

    const cells = classes.map(() => ({ logit: chip("logit"), exp: el("td", { "data-role": "exp" }),
      probability: el("span", { "data-role": "probability" }), bar: el("span", { class: "bar" }) }));
    const rows = classes.map((name, i) => el("tr", { "data-class": String(i), class: i === neuron ? "chosen" : null },
      el("th", { scope: "row", text: name }), el("td", {}, cells[i].logit), cells[i].exp,
      el("td", {}, cells[i].probability, cells[i].bar)));
    const sumLabel = el("th", { scope: "row", colspan: "2" });
    const sumCell = el("td", { "data-role": "sum" });
    const table = el("table", { class: "softmax-table" },
      el("thead", {}, el("tr", {}, el("th", { text: strings.detail_class }), el("th", { text: strings.logit }),
        el("th", { text: "exp(logit)" }), el("th", { text: strings.probability }))),
      el("tbody", {}, ...rows),
      el("tfoot", {}, el("tr", {}, sumLabel, sumCell, el("td", {}))));

    // The step: exp(logit) and the running sum (first pass), or exp / Σ = probability (second pass).
    const caption = el("p", { class: "formula-caption" });
    const stepLogit = chip("step-logit");
    const stepExp = el("span", { class: "number", "data-role": "step-exp" });
    const stepSum = el("span", { class: "number", "data-role": "step-sum" });
    const shareExp = el("span", { "data-role": "share-exp" });
    const shareSum = el("span", { "data-role": "share-sum" });
    const shareResult = el("span", { class: "number result-number", "data-role": "step-probability" });
    const sumName = el("span");
    const expLine = el("div", { class: "fraction-row" }, el("span", { class: "exp" }, "exp(", stepLogit, ")"),
      el("span", { class: "op", text: "=" }), stepExp);
    const sumLine = el("div", { class: "fraction-row" }, sumName, el("span", { class: "op", text: "=" }), stepSum);
    const shareLine = el("div", { class: "fraction-row" },
      el("span", { class: "fraction" }, el("span", { class: "numerator" }, shareExp),
        el("span", { class: "denominator" }, shareSum)),
      el("span", { class: "op", text: "=" }), shareResult);
    const termChips = classes.map(() => chip(null));
    const terms = classes.map((name, i) => el("span", { class: "term", "data-class": String(i), tabindex: "0",
                                                          title: name },
      el("small", { text: name }), el("span", { class: "exp" }, "exp(", termChips[i], ")")));
    const formula = el("div", { class: "formula softmax-formula", "aria-live": "polite" }, caption, expLine, sumLine,
      shareLine,
      el("div", { class: "terms" }, el("span", { class: "op", text: `Σ exp(${strings.logit}) =` }),
        ...terms.flatMap((t, i) => (i ? [el("span", { class: "op", text: "+" }), t] : [t]))));
    const back = el("button", { type: "button", class: "switch", "data-role": "detail-switch",
                                text: `← ${strings.detail_flatten}` });
    back.addEventListener("click", () => ctx.switchTo("flatten"));
    ctx.body.replaceChildren(el("div", { class: "softmax-view" }, table, el("div", {}, formula, back)));

    // Pointing at a class's row or its term lights both, over the step's class.
    let at = [0, 0];
    let pointed = null;
    const light = () => {
      const lit = pointed === null ? at[1] : pointed;
      for (const node of [...rows, ...terms]) node.classList.toggle("lit", Number(node.dataset.class) === lit);
    };
    for (const node of [...rows, ...terms]) {
      const enter = () => { pointed = Number(node.dataset.class); light(); };
      const leave = () => { pointed = null; light(); };
      node.addEventListener("pointerenter", enter);
      node.addEventListener("focus", enter);
      node.addEventListener("pointerleave", leave);
      node.addEventListener("blur", leave);
    }

    /** Pass 0 reveals class i's logit and exp and adds it to the sum; pass 1 divides class i's exp by the sum. */
    function show(pass, i) {
      at = [pass, i];
      classes.forEach((_, j) => {
        const reached = pass === 1 || j <= i;
        const shared = pass === 1 && j <= i;
        paint(cells[j].logit, reached ? logits[j] : null);
        paint(termChips[j], reached ? logits[j] : null);
        terms[j].classList.toggle("veiled", !reached);
        cells[j].exp.textContent = reached ? expText(exps[j]) : "\u00a0";
        cells[j].probability.textContent = shared ? fmt(probabilities[j], 4) : "";
        cells[j].bar.style.width = shared ? `${(probabilities[j] * 100).toFixed(1)}%` : "0";
      });
      sumLabel.textContent = pass === 0 ? strings.detail_sum_so_far : strings.detail_sum_all;
      sumCell.textContent = expText(pass === 0 ? running[i] : total);
      caption.textContent = strings[pass === 0 ? "detail_softmax_pass_exp" : "detail_softmax_pass_share"]
        .replace("{step}", String(pass * n + i + 1)).replace("{steps}", String(2 * n)).replace("{class}", classes[i]);
      paint(stepLogit, logits[i]);
      stepExp.textContent = expText(exps[i]);
      sumName.textContent = pass === 0 ? strings.detail_sum_so_far : strings.detail_sum_all;
      stepSum.textContent = expText(pass === 0 ? running[i] : total);
      shareLine.hidden = pass === 0;
      shareExp.textContent = expText(exps[i]);
      shareSum.textContent = expText(total);
      shareResult.textContent = fmt(probabilities[i], 4);
      light();
      ctx.setStatus(`${classes[i]} · ${strings.logit} ${fmt(logits[i])} · exp ${expText(exps[i])}` +
        (pass === 1 ? ` · ${strings.probability} ${fmt(probabilities[i], 4)}` : ""));
    }

    // Without motion the view opens on the last step, every class revealed; otherwise it plays from the first.
    return { rows: 2, cols: n, animate: true, show, start: reducedMotion() ? 1 : 0, startCol: reducedMotion() ? n - 1 : 0 };
  });
})();
