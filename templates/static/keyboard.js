/* Keyboard navigation in the overview: the graph is one Tab stop, and the arrow keys move between its
 * neurons (a "roving tabindex": the neuron last reached has tabindex 0, every other -1).
 *
 * A graph of a hundred neurons as a hundred Tab stops makes everything after it a hundred presses away.
 * Up and Down move within a layer's column, Left and Right to the neighbouring column's neuron nearest in
 * height, Home and End to the first and last neuron of the column. The neighbours are found from where
 * the neurons are drawn, not from the network's shape, so this follows whatever layout overview.js makes.
 * Enter and Space select the neuron (app.js), as a click does.
 */
(function () {
  "use strict";
  const root = document.querySelector("[data-role=overview]");
  const neurons = [...root.querySelectorAll("[data-neuron]")];
  if (!neurons.length) return;
  const columns = [];
  for (const el of neurons) {
    const last = columns[columns.length - 1];
    if (last && last[0].dataset.layer === el.dataset.layer) last.push(el);
    else columns.push([el]);
  }
  root.dataset.roving = "";

  /** Make `el` the graph's one Tab stop. */
  function makeStop(el) {
    for (const other of neurons) other.tabIndex = other === el ? 0 : -1;
  }

  function centreY(el) {
    const box = el.getBoundingClientRect();
    return box.top + box.height / 2;
  }

  /** The neuron the key `key` leads to from `el`, or null (an edge of the graph, or another key). */
  function target(el, key) {
    const c = columns.findIndex((column) => column[0].dataset.layer === el.dataset.layer);
    const column = columns[c];
    const n = column.indexOf(el);
    if (key === "ArrowUp") return column[n - 1] || null;
    if (key === "ArrowDown") return column[n + 1] || null;
    if (key === "Home") return column[0];
    if (key === "End") return column[column.length - 1];
    const next = columns[c + (key === "ArrowRight" ? 1 : key === "ArrowLeft" ? -1 : NaN)];
    if (!next) return null;
    const y = centreY(el);
    return next.reduce((best, candidate) =>
      (Math.abs(centreY(candidate) - y) < Math.abs(centreY(best) - y) ? candidate : best));
  }

  const selected = root.querySelector(".neuron.selected");
  makeStop(selected || neurons[0]);
  // Whatever brings the focus to a neuron (a click, the detail view handing it back) makes it the stop.
  root.addEventListener("focusin", (event) => {
    const el = event.target.closest("[data-neuron]");
    if (el) makeStop(el);
  });
  root.addEventListener("keydown", (event) => {
    const el = event.target.closest("[data-neuron]");
    if (!el || event.altKey || event.ctrlKey || event.metaKey) return;
    const next = target(el, event.key);
    if (next === null && !event.key.startsWith("Arrow")) return;
    event.preventDefault(); // at an edge too: the arrows must not scroll the page from inside the graph
    if (next) next.focus();
  });
})();
