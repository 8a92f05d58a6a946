/* Geometry of the overview, recomputed whenever the graph's box changes size.
 *
 * The original's rules (FEATURES.md 2.2): 40 px nodes; a long gap (four short ones) before
 * each conv layer and before the output; each column's nodes spread evenly in the height.
 * The original lays out once for a wide window; here a short window shrinks the nodes (down
 * to 28 px) and a narrow one shortens the long gaps first, so labels never collide.
 */
(function () {
  "use strict";
  const MAX_NODE = 40;
  const MIN_NODE = 28;
  const GAP_RATIO = 4;
  const MIN_SHORT_GAP = 24; // px: keeps neighbouring labels ("relu_1_2", "max_pool_1") apart
  const PAD = { left: 34, right: 112, top: 46, bottom: 58 }; // labels above, legends below, class names right

  /** Pixel positions of every column and node for a graph box of width x height. */
  window.CNNX.layout = function (columns, width, height) {
    const graphHeight = height - PAD.top - PAD.bottom;
    const tallest = Math.max(...columns.map((c) => c.count));
    const node = Math.max(MIN_NODE, Math.min(MAX_NODE, Math.floor(graphHeight / (tallest * 1.2))));
    const long = columns.map((c, i) => i > 0 && (c.kind === "conv" || c.kind === "dense"));
    const longGaps = long.filter(Boolean).length;
    const shortGaps = columns.length - 1 - longGaps;
    const free = width - PAD.left - PAD.right - node * columns.length;
    let unit = free / (shortGaps + GAP_RATIO * longGaps);
    let ratio = GAP_RATIO;
    if (unit < MIN_SHORT_GAP) {
      unit = MIN_SHORT_GAP;
      ratio = Math.max(1, (free - shortGaps * unit) / (longGaps * unit));
    }
    let x = PAD.left;
    const placed = columns.map((column, i) => {
      if (i > 0) x += node + (long[i] ? ratio : 1) * unit;
      const gap = (graphHeight - node * column.count) / (column.count + 1);
      const ys = [];
      for (let n = 0; n < column.count; n++) ys.push(PAD.top + gap * (n + 1) + node * n);
      return { name: column.name, kind: column.kind, x, ys };
    });
    return {
      node, width, height, columns: placed,
      byName: Object.fromEntries(placed.map((c) => [c.name, c])),
      labelY: 8, legendY: height - PAD.bottom + 18,
    };
  };
})();
