/* The ReLU and pooling views: one neuron's input map, its output map, and the formula for the
 * window's cell, max(0, x) = y, or max([a b; c d]) = y with the chosen maximum marked, or the mean of the
 * window for average pooling, with the layer's own window, stride and padding (network.json). A window
 * cell on the padding takes no part and is shown empty.
 *
 * The input is the exact map of the same neuron one layer back, the output the layer's exact map (data.js
 * loadExact): a max or a ReLU of float32 values is exact, so the formula matches the map it explains.
 */
(function () {
  "use strict";
  const CNNX = window.CNNX;
  const math = CNNX.detailMath;
  const { el, fmt, scale, heatmap, matrix, number, mapLegend, sharedRange } = CNNX.detail;

  function previousLayer(layer) {
    const columns = CNNX.page.columns;
    return columns[columns.findIndex((c) => c.name === layer) - 1];
  }

  /** What the two views share; `desc` is the pooling layer's network.json entry (null for ReLU). */
  function view(ctx, desc) {
    const { sample, mode, layer, neuron, strings } = ctx;
    const previous = previousLayer(layer);
    const input = math.channel(ctx.exact[previous.name], neuron);
    const output = math.channel(ctx.exact[layer], neuron); // the network's, as math.pool / math.relu of the input
    const [ph, pw] = desc ? desc.window : [1, 1];
    const [sh, sw] = desc ? desc.strides : [1, 1];
    const [top, left] = desc ? [desc.padding[0][0], desc.padding[1][0]] : [0, 0];
    const average = desc && desc.op === "avg";
    const range = sharedRange(sample, mode, [previous.name, layer], math.maxAbs(input.values));
    const colours = scale("RdBu", range);

    const inMap = heatmap(input, colours, { size: "l", role: "input",
      label: `${strings.detail_input}: ${previous.name} (${input.height} × ${input.width})` });
    const outMap = heatmap(output, colours, { size: "l", role: "output",
      label: `${strings.detail_output}: ${layer} (${output.height} × ${output.width})` });
    inMap.onCell((r, c) => ctx.moveTo(Math.min(output.height - 1, Math.floor((r + top) / sh)),
      Math.min(output.width - 1, Math.floor((c + left) / sw))));
    outMap.onCell((r, c) => ctx.moveTo(r, c));

    const patch = matrix(new Array(ph * pw).fill(0), pw, colours, "patch");
    const result = number(0, colours, "result");
    const caption = el("p", { class: "formula-caption" });
    const formula = !desc
      ? el("div", { class: "formula-row big" }, el("span", { class: "op", text: "max(" }),
        matrix([0], 1, colours, "zero"), el("span", { class: "op", text: "," }), patch,
        el("span", { class: "op", text: ") =" }), result)
      : el("div", { class: "formula-row big" }, el("span", { class: "op", text: average ? "mean(" : "max(" }), patch,
        el("span", { class: "op", text: ") =" }), result);

    ctx.body.replaceChildren(el("div", { class: "activation-view" }, inMap.element,
      el("div", { class: "formula", "aria-live": "polite" }, caption, formula,
        mapLegend(strings.detail_legend_maps, colours, mode, input.values)),
      outMap.element));

    function show(row, col) {
      inMap.window(row * sh - top, col * sw - left, ph, pw);
      outMap.window(row, col);
      const values = desc ? math.poolWindow(input, desc, row, col) : [input.values[row * input.width + col]];
      const y = output.values[row * output.width + col];
      patch.update(values, colours, desc && !average ? values.indexOf(y) : -1);
      result.update(y);
      caption.textContent = `${strings.detail_window} (${row}, ${col})`;
      ctx.setStatus(`${strings.detail_output} (${row}, ${col}) = ${fmt(y)}`);
    }

    // What the in-graph view (inplace.js) draws: these two maps, this window, these colours.
    const inplace = { kind: desc ? "pool" : "relu", input, output, colours, window: [ph, pw], strides: [sh, sw],
                      pad: [top, left], op: !desc ? "relu" : average ? "avg" : "max" };
    return { rows: output.height, cols: output.width, animate: true, show, inplace };
  }

  CNNX.detail.register("relu", (ctx) => view(ctx, null));
  CNNX.detail.register("pool", (ctx) => view(ctx, ctx.network.layers.find((l) => l.name === ctx.layer)));
})();
