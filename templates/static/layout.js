/* Geometry of the overview, recomputed whenever the graph's box changes size.
 *
 * The original's rules (FEATURES.md 2.2): 40 px nodes; a long gap (four short ones) before
 * each conv layer and before the output; each column's nodes spread evenly in the height.
 * The original lays out once for a wide window; here a short window shrinks the nodes (down
 * to 28 px) and a narrow one shortens the long gaps first, so labels never collide.
 *
 * Any network's columns fit the same rules. A hidden Dense layer (and its ReLU) has up to 128 units,
 * drawn compactly: squares as small as 3 px, centred in a slot as wide as a map column's, so its label
 * keeps the same room. Up to 16 neurons a column and about 16 columns fit a 1280x800 window; a network
 * that needs more room gets it (`contentWidth` / `contentHeight` beyond the box) and the graph scrolls.
 */
(function () {
  "use strict";
  const MAX_NODE = 40;
  const MIN_NODE = 28;
  const MIN_COMPACT = 3; // px: a hidden Dense layer's unit at its smallest
  const MIN_CLASS = 18; // px: a class row still holds its name above its bar
  const GAP_RATIO = 4;
  const MIN_SHORT_GAP = 24; // px: keeps neighbouring labels ("relu_1_2", "max_pool_1") apart
  const LABEL_PITCH = 64; // px from one column to the next: room for two such labels side by side
  const PAD = { left: 34, right: 112, top: 46, bottom: 58 }; // labels above, legends below, class names right

  /** A column drawn compactly: a 1-D layer before the output (hidden Dense units, their ReLU). */
  function compact(column) {
    return column.kind !== "dense" && column.kind !== "input" && column.shape.length === 1;
  }

  /** Pixel positions of every column and node for a graph box of width x height.
   * Each placed column has x, ys (node tops) and size (its nodes' side); `node` is the map columns' size.
   * `room` ({before: column index, width: px}, optional) opens a gap before one column for the in-graph view
   * (inplace.js): the other columns are laid out by the same rules in a box that much narrower. */
  window.CNNX.layout = function (columns, width, height, room = null) {
    const boxGraph = height - PAD.top - PAD.bottom;
    const maps = columns.filter((c) => !compact(c) && c.kind !== "dense");
    const tallest = Math.max(...maps.map((c) => c.count));
    const node = Math.max(MIN_NODE, Math.min(MAX_NODE, Math.floor(boxGraph / (tallest * 1.2))));
    const sizeOf = (column) => {
      if (compact(column)) return Math.max(MIN_COMPACT, Math.min(node, Math.floor(boxGraph / (column.count * 1.2))));
      if (column.kind === "dense" && column.count > tallest) {
        return Math.max(MIN_CLASS, Math.min(node, Math.floor(boxGraph / (column.count * 1.2))));
      }
      return node;
    };
    const sizes = columns.map(sizeOf);
    // A column that cannot fit the box even at its smallest makes the graph taller: it scrolls.
    const needed = Math.max(...columns.map((c, i) => Math.ceil(c.count * sizes[i] * 1.2)));
    const graphHeight = Math.max(boxGraph, needed);
    const contentHeight = graphHeight + PAD.top + PAD.bottom;
    // A compact column's long label ("dense_relu_1") needs the long gap too.
    const long = columns.map((c, i) => i > 0 && (c.kind === "conv" || c.kind === "dense" || compact(c)));
    const longGaps = long.filter(Boolean).length;
    const shortGaps = columns.length - 1 - longGaps;
    const extra = room ? room.width : 0;
    const free = width - extra - PAD.left - PAD.right - node * columns.length;
    let unit = free / (shortGaps + GAP_RATIO * longGaps);
    let ratio = GAP_RATIO;
    if (unit < Math.max(MIN_SHORT_GAP, LABEL_PITCH - node)) {
      // Squeezed: short gaps keep what two neighbouring labels need (a column pitch of LABEL_PITCH, which small
      // nodes reach only with wider gaps), the long ones shrink; a network that still does not fit is wider than
      // the box and the graph scrolls.
      unit = Math.max(MIN_SHORT_GAP, LABEL_PITCH - node);
      ratio = Math.max(1, (free - shortGaps * unit) / (longGaps * unit));
    }
    let x = PAD.left;
    const placed = columns.map((column, i) => {
      if (i > 0) x += node + (long[i] ? ratio : 1) * unit + (room && room.before === i ? extra : 0);
      const size = sizes[i];
      const gap = (graphHeight - size * column.count) / (column.count + 1);
      const ys = [];
      for (let n = 0; n < column.count; n++) ys.push(PAD.top + gap * (n + 1) + size * n);
      // A compact column's squares sit in the middle of a map column's slot.
      const left = compact(column) ? x + (node - size) / 2 : x;
      return { name: column.name, kind: column.kind, x: left, slot: x, ys, size, compact: compact(column) };
    });
    // Rounded: the gaps add up to the box, give or take float error, which must not make it scroll.
    const contentWidth = Math.max(width, Math.round(x + node + PAD.right));
    return {
      node, width, height, columns: placed, contentWidth, contentHeight,
      byName: Object.fromEntries(placed.map((c) => [c.name, c])),
      labelY: 8, legendY: contentHeight - PAD.bottom + 18,
    };
  };
})();
