/* The ReLU and max-pooling views: one neuron's input map, its output map, and the formula for
 * the window's cell, max(0, x) = y or max([a b; c d]) = y with the chosen maximum marked.
 *
 * The input is the stored map of the same neuron one layer back; the output is computed here
 * from it (detail-math.js), so the formula always matches the map it explains.
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

  /** What the two views share; `pool` is the window size (1 for ReLU, 2 for pooling). */
  function view(ctx, pool) {
    const { sample, mode, layer, neuron, strings } = ctx;
    const previous = previousLayer(layer);
    const input = math.channel(sample.maps[previous.name], neuron);
    const output = pool === 1 ? math.relu(input) : math.maxPool(input);
    const range = sharedRange(sample, mode, [previous.name, layer], math.maxAbs(input.values));
    const colours = scale("RdBu", range);

    const inMap = heatmap(input, colours, { size: "l", role: "input",
      label: `${strings.detail_input}: ${previous.name} (${input.height} × ${input.width})` });
    const outMap = heatmap(output, colours, { size: "l", role: "output",
      label: `${strings.detail_output}: ${layer} (${output.height} × ${output.width})` });
    inMap.onCell((r, c) => ctx.moveTo(Math.floor(r / pool), Math.floor(c / pool)));
    outMap.onCell((r, c) => ctx.moveTo(r, c));

    const patch = matrix(new Array(pool * pool).fill(0), pool, colours, "patch");
    const result = number(0, colours, "result");
    const caption = el("p", { class: "formula-caption" });
    const formula = pool === 1
      ? el("div", { class: "formula-row big" }, el("span", { class: "op", text: "max(" }),
        matrix([0], 1, colours, "zero"), el("span", { class: "op", text: "," }), patch,
        el("span", { class: "op", text: ") =" }), result)
      : el("div", { class: "formula-row big" }, el("span", { class: "op", text: "max(" }), patch,
        el("span", { class: "op", text: ") =" }), result);

    ctx.body.replaceChildren(el("div", { class: "activation-view" }, inMap.element,
      el("div", { class: "formula", "aria-live": "polite" }, caption, formula,
        mapLegend(strings.detail_legend_maps, colours, mode, input.values)),
      outMap.element));

    function show(row, col) {
      inMap.window(row * pool, col * pool, pool, pool);
      outMap.window(row, col);
      const values = pool === 1 ? [input.values[row * input.width + col]] : math.window2x2(input, row, col);
      const y = output.values[row * output.width + col];
      patch.update(values, colours, pool === 1 ? -1 : values.indexOf(y));
      result.update(y);
      caption.textContent = `${strings.detail_window} (${row}, ${col})`;
      ctx.setStatus(`${strings.detail_output} (${row}, ${col}) = ${fmt(y)}`);
    }

    return { rows: output.height, cols: output.width, animate: true, show };
  }

  CNNX.detail.register("relu", (ctx) => view(ctx, 1));
  CNNX.detail.register("pool", (ctx) => view(ctx, 2));
})();
