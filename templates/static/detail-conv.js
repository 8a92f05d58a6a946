/* The convolution view: how one conv neuron's map is made from the previous layer.
 *
 * One card per input channel: its map (with the layer's zero border, when it pads), the kernel that
 * neuron applies to it, and the intermediate result (the channel's map correlated with the kernel at the
 * layer's stride and dilation; network.json gives them). The intermediates summed
 * plus the bias give the neuron's map. The formula shows, for the window's position, one
 * channel's patch x kernel = products (their sum is that channel's intermediate value), then
 * every channel's value + bias = the result. The maps and the result are the network's exact values
 * (data.js loadExact), the intermediates computed from them (detail-math.js), drawn with one red-blue range; the input image keeps its grey scale, and in
 * "layer" mode the input maps keep their own layer's range (detail.js sharedRange).
 */
(function () {
  "use strict";
  const CNNX = window.CNNX;
  const math = CNNX.detailMath;
  const { el, fmt, scale, heatmap, matrix, number, legend, mapLegend, sharedRange } = CNNX.detail;

  CNNX.detail.register("conv", (ctx) => {
    const { sample, network, mode, layer, neuron, strings } = ctx;
    const columns = CNNX.page.columns;
    const previous = columns[columns.findIndex((c) => c.name === layer) - 1];
    const stored = ctx.exact[previous.name];
    const weights = network.weights[layer];
    const inputs = stored.count;
    const outputs = weights.bias.length;
    const bias = weights.bias[neuron];
    const isImage = previous.kind === "input";
    const desc = network.layers.find((l) => l.name === layer);
    const g = math.convGeometry(desc);
    const [outHeight, outWidth] = desc.shape;
    // The first layer sees the pixels after the network's own normalisation, if it has one.
    const { scale: inScale, offset: inOffset } = network.input;
    const normalised = isImage && Boolean(inScale || inOffset);

    const channels = [];
    for (let c = 0; c < inputs; c++) {
      const map = math.channel(stored, c);
      if (normalised) {
        map.values = map.values.map((v) => Math.fround((inScale ? Math.fround(v * inScale[c]) : v) + (inOffset ? inOffset[c] : 0)));
      }
      const padded = math.pad(map, desc.padding);
      const k = math.kernel(weights, c, neuron, inputs, outputs, g.kh, g.kw);
      channels.push({ map: padded, kernel: k, intermediate: math.correlate(padded, k, desc, outHeight, outWidth) });
    }
    // The neuron's map as the network computed it (float32); the sum of the intermediates is within float32
    // rounding of it, far below the digits shown.
    const output = math.channel(ctx.exact[layer], neuron);
    const range = sharedRange(sample, mode, [previous.name, layer],
      math.maxAbs(output.values, ...channels.map((ch) => ch.intermediate.values)));
    const colours = scale("RdBu", range);
    // "layer" mode draws the input maps with their own layer's range, as the overview does: a ReLU or pooling
    // layer's values are a fraction of the convolution's, and would be near white in its range.
    const ownInputRange = !isImage && mode === "layer";
    let inputColours = colours;
    if (isImage && !normalised) inputColours = scale("Greys", 1);
    else if (ownInputRange) inputColours = scale("RdBu", sample.ranges[mode][previous.name]);
    const kernelRange = 2 * math.maxAbs(...channels.map((ch) => ch.kernel)) || 1;
    const kernelColours = scale("BrBG", kernelRange);
    let selected = Math.min(inputs - 1, Math.max(0, Number.parseInt(ctx.extras.channel, 10) || 0));
    let at = { row: 0, col: 0 };

    const imageNames = inputs === 1 ? [strings.grey] : [strings.red, strings.green, strings.blue];
    const channelName = (c) => (isImage ? imageNames[c] : `${strings.channel} ${c}`);
    const size = inputs > 3 ? "s" : "m";

    /* The channel cards. */
    const cards = channels.map((ch, c) => {
      const input = heatmap(ch.map, inputColours, { size, role: "input" });
      const intermediate = heatmap(ch.intermediate, colours, { size, role: "intermediate" });
      const glyph = el("span", { class: "kernel-glyph", "data-map": "kernel-glyph", style: g.kw === 3 ? null : `--k: ${g.kw}`,
                                 title: `${strings.detail_kernel}: ${[...ch.kernel].map((w) => fmt(w)).join(", ")}` },
        ...[...ch.kernel].map((w) => el("span", { style: `background: ${kernelColours.colour(w)}` })));
      const card = el("div", { class: "channel-card", role: "button", tabindex: "0", "data-channel": String(c),
                               "aria-label": `${channelName(c)}: ${strings.detail_show_formula}` },
        el("span", { class: "card-label", text: channelName(c) }),
        input.element, el("span", { class: "op", text: "∗" }), glyph, el("span", { class: "op", text: "=" }),
        intermediate.element);
      input.onCell((r, col) => {
        choose(c);
        ctx.moveTo(Math.min(Math.floor(r / g.sh), output.height - 1), Math.min(Math.floor(col / g.sw), output.width - 1));
      });
      intermediate.onCell((r, col) => {
        choose(c);
        ctx.moveTo(r, col);
      });
      glyph.addEventListener("pointerenter", () => ctx.setStatus(`${channelName(c)} · ${glyph.title}`));
      card.addEventListener("click", () => choose(c));
      card.addEventListener("keydown", (event) => {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          choose(c);
        }
      });
      return { card, input, intermediate };
    });

    /* The sum: the neuron's map and the formula. */
    const result = heatmap(output, colours, { size: "l", role: "output",
      label: `${strings.detail_output} (${output.height} × ${output.width}) = Σ ${strings.detail_intermediates} + ${strings.bias}` });
    result.onCell((r, col) => ctx.moveTo(r, col));

    const caption = el("p", { class: "formula-caption" });
    const patch = matrix(new Array(g.kh * g.kw).fill(0), g.kw, inputColours, "patch");
    const kernel = matrix([...channels[0].kernel], g.kw, kernelColours, "kernel");
    const products = matrix(new Array(g.kh * g.kw).fill(0), g.kw, null, "product");
    // A layer that is not TinyVGG's 3x3, stride 1, unpadded, undilated says how it slides.
    const plain = g.kh === 3 && g.kw === 3 && g.sh === 1 && g.sw === 1 && g.dh === 1 && g.dw === 1 &&
      desc.padding.flat().every((p) => p === 0);
    const hyper = plain ? null : el("p", { class: "formula-caption", "data-role": "hyperparameters",
      text: `${strings.kernel_size} ${g.kh} × ${g.kw} · ${strings.stride} ${g.sh} × ${g.sw} · ` +
        `${strings.padding} ${desc.padding.map((p) => p.join("/")).join(" × ")} · ${strings.dilation} ${g.dh} × ${g.dw}` });
    const channelSum = number(0, colours, "channel-value");
    const step1 = el("div", { class: "formula-row" },
      el("figure", {}, el("figcaption", { text: strings.detail_patch }), patch),
      el("span", { class: "op", text: "⊙" }),
      el("figure", {}, el("figcaption", { text: strings.detail_kernel }), kernel),
      el("span", { class: "op", text: "=" }),
      el("figure", {}, el("figcaption", { text: strings.detail_products }), products),
      el("span", { class: "op", text: "→ Σ =" }), channelSum);

    const terms = channels.map((ch, c) => el("span", { class: "term", "data-channel": String(c) },
      el("small", { text: isImage ? channelName(c) : String(c) }), number(0, colours, "channel-sum")));
    const biasNumber = number(bias, null, "bias");
    const resultNumber = number(0, colours, "result");
    const step2 = el("div", { class: "sum-row" },
      el("span", { class: "sum-label", text: `Σ ${strings.detail_per_channel}` }),
      ...terms.flatMap((term, c) => (c ? [el("span", { class: "op", text: "+" }), term] : [term])),
      el("span", { class: "op", text: "+" }),
      el("span", { class: "term" }, el("small", { text: strings.bias }), biasNumber),
      el("span", { class: "op", text: "=" }),
      el("span", { class: "term result" }, el("small", { text: strings.detail_result }), resultNumber));

    const inputMaps = channels.map((ch) => ch.map.values);
    const legends = el("div", { class: "legends" },
      isImage ? legend(strings.detail_legend_input, inputColours, 0, 1) : null,
      ownInputRange ? mapLegend(strings.detail_legend_input, inputColours, mode, ...inputMaps) : null,
      mapLegend(strings.detail_legend_maps, colours, mode, output.values,
        ...channels.map((ch) => ch.intermediate.values), ...(isImage || ownInputRange ? [] : inputMaps)),
      legend(strings.detail_legend_kernel, kernelColours, -kernelRange / 2, kernelRange / 2));

    ctx.body.replaceChildren(el("div", { class: "conv-view" },
      el("div", { class: "conv-channels", role: "group", "aria-label": strings.detail_channels },
        el("div", { class: "channel-head" }, el("span", { text: `${strings.detail_input} (${previous.name})` }),
          el("span", { text: strings.detail_kernel }), el("span", { text: strings.detail_intermediate })),
        ...cards.map((c) => c.card)),
      el("div", { class: "conv-sum" },
        el("div", { class: "conv-output" }, result.element, legends),
        el("div", { class: "formula", "aria-live": "polite" }, hyper, caption, step1, step2))));

    function choose(c) {
      if (c === selected || c < 0 || c >= inputs) return;
      selected = c;
      ctx.setExtras({ channel: String(c) });
      show(at.row, at.col);
    }

    function show(row, col) {
      at = { row, col };
      cards.forEach(({ card, input, intermediate }, c) => {
        input.window(row * g.sh, col * g.sw, g.eh, g.ew);
        intermediate.window(row, col);
        card.setAttribute("aria-pressed", String(c === selected));
      });
      result.window(row, col);
      const ch = channels[selected];
      const x = math.taps(ch.map, row, col, g);
      patch.update(x);
      kernel.update([...ch.kernel]);
      products.update(x.map((v, i) => v * ch.kernel[i]), scale("RdBu", range));
      channelSum.update(ch.intermediate.values[row * ch.intermediate.width + col]);
      terms.forEach((term, c) => {
        term.lastChild.update(channels[c].intermediate.values[row * output.width + col]);
        term.classList.toggle("chosen", c === selected);
      });
      resultNumber.update(output.values[row * output.width + col]);
      caption.textContent = `${channelName(selected)} · ${strings.detail_window} (${row}, ${col})`;
      ctx.setStatus(`${strings.detail_output} (${row}, ${col}) = ${fmt(output.values[row * output.width + col])}`);
    }

    // What the in-graph view (inplace.js) draws: the same maps and colours as these cards, so the two agree.
    const inplace = { kind: "conv", channels, output, colours, kernelColours, bias, geometry: g,
                      padding: desc.padding, input: { height: stored.height, width: stored.width } };
    return { rows: output.height, cols: output.width, animate: true, show, inplace, choose,
             channel: () => selected, channels: inputs, channelName };
  });
})();
