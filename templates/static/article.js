/* The article under the graph: its Vega charts, the hyperparameter explorer (loaded when it
 * scrolls near), links between layer labels and sections, and a language switch that keeps
 * the reader's state. In-page links scroll instead of changing the hash, because the hash
 * holds the graph's state (app.js). The page's script runs above the article (index.html), so
 * what needs the article's own elements waits until the page is parsed.
 */
(function () {
  "use strict";
  const CNNX = window.CNNX;
  const page = CNNX.page;
  const SECTION_OF = { input: "article-input", conv: "article-convolution", relu: "article-relu",
                       pool: "article-pooling", dense: "article-softmax", hidden: "article-flatten" };

  /** Lay the whole article out now (site.css skips its blocks until then): before a jump to a section, so that it
   * lands where the section really is. */
  CNNX.layOutArticle = function () {
    for (const article of document.querySelectorAll(".article")) article.classList.add("laid-out");
  };

  const SLICE_MS = 8;
  /** Lay the article out a few blocks at a time while the page is idle (`idle` calls back with the browser's
   * deadline, or with none), once the first view is drawn (app.js); .laid-out on the article when all are done.
   * At once it was one task of 55-180 ms on a 2-core machine, and a sample clicked meanwhile waited for it. */
  CNNX.layOutArticleWhenIdle = function (idle) {
    const blocks = [...document.querySelectorAll(".article:not(.laid-out) > :not(.laid-out)")];
    const slice = (deadline) => {
      if (document.querySelector(".article.laid-out")) return; // a jump laid out the rest at once
      const end = performance.now() + Math.min(SLICE_MS, deadline ? deadline.timeRemaining() : SLICE_MS);
      do {
        const block = blocks.shift();
        if (!block) break;
        block.classList.add("laid-out");
        block.getBoundingClientRect(); // laid out in this slice, not in the next frame's rendering
      } while (performance.now() < end);
      if (blocks.length) idle(slice);
      else CNNX.layOutArticle();
    };
    idle(slice);
  };

  function scrollToId(id) {
    const target = document.getElementById(id);
    if (!target) return false;
    // "Back to the network" shows the gallery too, which sits above the graph: a reader coming back up
    // from the article usually wants to pick another image.
    const shown = id === "network" ? document.querySelector(".controls") || target : target;
    CNNX.layOutArticle();
    shown.scrollIntoView({ behavior: "smooth", block: "start" });
    if (target.tabIndex < 0 && !/^(A|BUTTON|INPUT|SELECT)$/.test(target.tagName)) target.tabIndex = -1;
    target.focus({ preventScroll: true });
    return true;
  }

  // Links to places on this page ("#article-relu", "#network") scroll there and leave the hash alone.
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[href^='#']");
    if (!link || link.getAttribute("href").length < 2) return;
    if (scrollToId(decodeURIComponent(link.getAttribute("href").slice(1)))) event.preventDefault();
  });

  // Each layer label leads to the section that explains that kind of layer.
  for (const column of page.columns) {
    const label = document.querySelector(`[data-label="${column.name}"]`);
    const section = SECTION_OF[column.kind];
    if (!label || !section) continue;
    label.setAttribute("role", "link");
    label.tabIndex = 0;
    label.dataset.section = section;
    label.addEventListener("click", () => scrollToId(section));
    label.addEventListener("keydown", (event) => {
      if (event.key === "Enter") scrollToId(section);
    });
  }

  // The language switch carries the current state (the hash) to the other page.
  const languageLinks = [...document.querySelectorAll("[data-role=language]")];
  const base = languageLinks.map((link) => link.getAttribute("href"));
  // app.js writes the hash with location.replace (no event), so refresh just before the link is used.
  languageLinks.forEach((link, i) => {
    const sync = () => link.setAttribute("href", base[i] + location.hash);
    for (const type of ["mouseenter", "focus", "mousedown", "click"]) link.addEventListener(type, sync);
  });

  // Charts are drawn when they scroll near, so that loading Vega (assets/vega.js, the page's largest file) and
  // parsing and rendering them never delays the overview above the fold: nothing else on the page needs Vega.
  let vega = null;
  function loadVega() {
    vega = vega || new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = page.root + "assets/vega.js";
      script.onload = () => (window.vega ? resolve(window.vega) : reject(new Error(script.src + " defined no vega")));
      script.onerror = () => {
        vega = null; // a later chart may try again
        reject(new Error("could not load " + script.src));
      };
      document.head.appendChild(script);
    });
    return vega;
  }

  // The specs (data/charts/<lang>.js) come with Vega: only page.charts' names are on the first view.
  const charts = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      charts.unobserve(entry.target);
      Promise.all([loadVega(), CNNX.loadData("charts/" + page.lang)])
        .then(([runtime, doc]) => new runtime.View(runtime.parse(doc.charts[entry.target.dataset.chart]),
          { renderer: "svg", container: entry.target, hover: false }).runAsync())
        .catch((error) => console.error(error));
    }
  }, { rootMargin: "600px" });
  // A figure's flowing edges move only while it is in view: a running CSS animation of an SVG stroke makes the
  // browser render a frame of the page every 16 ms, offscreen too (2-3 ms of main thread each on the 2-core machine).
  const flows = new IntersectionObserver((entries) => {
    for (const entry of entries) entry.target.classList.toggle("flowing", entry.isIntersecting);
  });
  CNNX.parsed.then(() => {
    for (const figure of document.querySelectorAll(".article-figure")) {
      if (figure.querySelector(".figure-flow")) flows.observe(figure);
    }
    for (const figure of document.querySelectorAll("figure[data-chart]")) {
      if (page.charts.includes(figure.dataset.chart)) charts.observe(figure);
    }
    const explorer = document.querySelector("[data-role=explorer]");
    if (!explorer) return;
    const mount = () => CNNX.loadData("hyperparams")
      .then((data) => CNNX.mountExplorer(explorer, data, page.strings))
      .catch((error) => console.error(error));
    const watcher = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) {
        watcher.disconnect();
        mount();
      }
    }, { rootMargin: "400px" });
    watcher.observe(explorer);
  });
})();
