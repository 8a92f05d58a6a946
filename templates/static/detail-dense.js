/* The flatten and softmax views, opened from an output class (flatten also from a hidden Dense unit).
 *
 * Flatten: the last maps unrolled into the vector in the network's own order (network.json flattenOrder).
 * Keras' (H, W, C) order is drawn one line per map row, each pixel's channels side by side (TinyVGG:
 * max_pool_2's ten 13x13 maps as 13 lines of 130); PyTorch's (C, H, W) one line per map. The dense weights
 * into the unit follow in the same layout (brown negative, teal positive, darker = larger), and
 * Σ value x weight + bias = the unit's value (an output's logit), computed here from the exact maps.
 * A Dense layer after a hidden one reads that layer's units as the vector, one line.
 * Softmax: the model's logits, exp, their sum and the probabilities.
 */
(function () {
  "use strict";
  const CNNX = window.CNNX;
  const math = CNNX.detailMath;
  const { el, fmt, scale, inkOn, heatmap, number, legend, mapLegend, sharedRange } = CNNX.detail;
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

    ctx.body.replaceChildren(el("div", { class: "flatten-view" },
      vector ? null : el("div", { class: "flatten-sources", role: "group", "aria-label": SOURCE },
        el("p", { class: "section-label", text: `${SOURCE} (${height} × ${width} × ${count})` }),
        el("div", { class: "source-grid" }, ...sources.map((s) => s.element))),
      el("div", { class: "flatten-strips" }, strip.element, weights.element,
        el("div", { class: "legends" }, mapLegend(strings.detail_legend_maps, colours, mode, values),
          legend(strings.detail_legend_weight, weightColours, -weightRange / 2, weightRange / 2))),
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
    const { exps, total, probabilities } = math.softmax(logits);
    const lo = Math.min(...logits);
    const hi = Math.max(...logits);
    // The original's logit colours: Oranges from 0.2 (lowest logit) to 1 (highest).
    const tOf = (l) => 0.2 + (0.8 * (l - lo)) / (hi - lo || 1);
    const orange = (l) => CNNX.page.palettes.Oranges[Math.round(tOf(l) * 255)];
    const ink = (l) => inkOn(orange(l));
    const chip = (l, role) => el("span", { class: "number", "data-role": role, text: fmt(l),
                                           style: `background: ${orange(l)}; color: ${ink(l)}` });

    const rows = classes.map((name, i) => el("tr", { "data-class": String(i), class: i === neuron ? "chosen" : null },
      el("th", { scope: "row", text: name }),
      el("td", {}, chip(logits[i], "logit")),
      el("td", { "data-role": "exp", text: expText(exps[i]) }),
      el("td", {}, el("span", { "data-role": "probability", text: fmt(probabilities[i], 4) }),
        el("span", { class: "bar", style: `width: ${(probabilities[i] * 100).toFixed(1)}%` }))));
    const table = el("table", { class: "softmax-table" },
      el("thead", {}, el("tr", {}, el("th", { text: strings.detail_class }), el("th", { text: strings.logit }),
        el("th", { text: "exp(logit)" }), el("th", { text: strings.probability }))),
      el("tbody", {}, ...rows));

    const terms = classes.map((name, i) => el("span", { class: "term", "data-class": String(i), tabindex: "0",
                                                          title: name },
      el("small", { text: name }), el("span", { class: "exp" }, "exp(", chip(logits[i], null), ")")));
    const formula = el("div", { class: "formula softmax-formula", "aria-live": "polite" },
      el("p", { class: "formula-caption", text: `${strings.probability} (${classes[neuron]})` }),
      el("div", { class: "fraction-row" },
        el("span", { class: "fraction" },
          el("span", { class: "numerator" }, `exp(`, chip(logits[neuron], null), `) = ${expText(exps[neuron])}`),
          el("span", { class: "denominator" }, `Σ exp(${strings.logit}) = `,
            el("span", { "data-role": "sum", text: expText(total) }))),
        el("span", { class: "op", text: "=" }),
        el("span", { class: "number result-number", "data-role": "result", text: fmt(probabilities[neuron], 4) })),
      el("div", { class: "terms" }, el("span", { class: "op", text: `Σ exp(${strings.logit}) =` }),
        ...terms.flatMap((t, i) => (i ? [el("span", { class: "op", text: "+" }), t] : [t]))));
    const back = el("button", { type: "button", class: "switch", "data-role": "detail-switch",
                                text: `← ${strings.detail_flatten}` });
    back.addEventListener("click", () => ctx.switchTo("flatten"));
    ctx.body.replaceChildren(el("div", { class: "softmax-view" }, table, el("div", {}, formula, back)));

    // A term and its class's row light up together, whichever the reader points at.
    for (const node of [...rows, ...terms]) {
      node.addEventListener("pointerenter", () => ctx.moveTo(Number(node.dataset.class), 0));
      node.addEventListener("focus", () => ctx.moveTo(Number(node.dataset.class), 0));
    }

    function show(row) {
      for (const node of [...rows, ...terms]) node.classList.toggle("lit", Number(node.dataset.class) === row);
      ctx.setStatus(`${classes[row]} · ${strings.logit} ${fmt(logits[row])} · exp ${expText(exps[row])} · ` +
        `${strings.probability} ${fmt(probabilities[row], 4)}`);
    }

    return { rows: classes.length, cols: 1, animate: false, show, start: neuron };
  });
})();
