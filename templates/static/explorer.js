/* The hyperparameter explorer: pick input size, padding, kernel size, stride and dilation and watch
 * the kernel slide. Every frame was precomputed in Python (generator/hyperparams.py); this file only
 * draws them. The validity rule mirrors generator.hyperparams.validity_problem.
 */
(function () {
  "use strict";
  const STEP_MS = 1000;

  function strideMax(n, p, k, d) {
    return Math.max(n + 2 * p - (d * (k - 1) + 1) + 1, 2);
  }

  function problemOf(s) {
    const keff = s.d * (s.k - 1) + 1;
    const span = s.n + 2 * s.p - keff;
    if (span < 0) return { kind: "too-wide", keff };
    if (span % s.s !== 0) return { kind: "stride", value: span / s.s + 1, keff };
    return null;
  }

  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, (_, name) => String(values[name]));
  }

  function clamp(value, lo, hi) {
    return Math.min(hi, Math.max(lo, value));
  }

  /** Mount the explorer into `root`; `data` is the hyperparameter JSON, `t` the page's UI strings. */
  function mountExplorer(root, data, t) {
    const state = { n: 5, p: 0, k: 2, s: 1, d: 1, frame: 0, playing: true };
    root.replaceChildren();
    root.classList.add("explorer-ready");

    const controls = document.createElement("div");
    controls.className = "explorer-controls";
    const fields = {};
    for (const [key, label] of [["n", t.input_size], ["p", t.padding], ["k", t.kernel_size], ["s", t.stride],
                                ["d", t.dilation]]) {
      const row = document.createElement("div");
      row.className = "explorer-row";
      const id = `explorer-${key}`; // one explorer per page
      const name = document.createElement("label");
      name.htmlFor = id;
      name.textContent = label;
      const number = document.createElement("input");
      number.type = "number";
      number.id = id;
      number.dataset.param = key;
      const slider = document.createElement("input");
      slider.type = "range";
      slider.dataset.param = key;
      slider.setAttribute("aria-label", label);
      for (const input of [number, slider]) {
        input.addEventListener("input", () => {
          const value = Number.parseInt(input.value, 10);
          if (Number.isNaN(value)) return;
          state[key] = value;
          state.frame = 0;
          update();
        });
      }
      row.append(name, number, slider);
      controls.append(row);
      fields[key] = { number, slider, row };
    }
    const message = document.createElement("p");
    message.className = "explorer-message";
    message.setAttribute("role", "status");
    message.dataset.role = "explorer-message";
    const play = document.createElement("button");
    play.type = "button";
    play.className = "explorer-play";
    play.addEventListener("click", () => {
      state.playing = !state.playing;
      update();
    });
    controls.append(play, message);

    const grids = document.createElement("div");
    grids.className = "explorer-grids";
    const inputBox = document.createElement("figure");
    const outputBox = document.createElement("figure");
    const kernelBox = document.createElement("figure");
    grids.append(inputBox, kernelBox, outputBox);
    root.append(controls, grids);

    let timer = null;

    function ranges() {
      const { n, p, k, d } = state;
      return {
        n: [k, data.max_input],
        p: [0, k - 1],
        k: [p + 1, n],
        s: [1, strideMax(n, p, k, d)],
        d: [1, data.max_dilation],
      };
    }

    function normalise() {
      // Clamp in dependency order so every control stays inside the range the others allow.
      state.n = clamp(state.n, 1, data.max_input);
      state.k = clamp(state.k, 1, state.n);
      state.p = clamp(state.p, 0, state.k - 1);
      state.d = clamp(state.d, 1, data.max_dilation);
      state.s = clamp(state.s, 1, strideMax(state.n, state.p, state.k, state.d));
    }

    function grid(box, title, subtitle, size, cell) {
      box.replaceChildren();
      const caption = document.createElement("figcaption");
      const strong = document.createElement("strong");
      strong.textContent = title;
      caption.append(strong);
      if (subtitle) {
        const small = document.createElement("span");
        small.textContent = ` ${subtitle}`;
        caption.append(small);
      }
      const table = document.createElement("div");
      table.className = "explorer-grid";
      table.style.gridTemplateColumns = `repeat(${size}, 1fr)`;
      for (let r = 0; r < size; r++) {
        for (let c = 0; c < size; c++) {
          const div = document.createElement("div");
          div.className = "cell";
          cell(div, r, c);
          table.append(div);
        }
      }
      box.append(caption, table);
      return table;
    }

    let built = null; // the setting whose grids are on the page: rebuilt only when the setting changes

    function build(key, entry) {
      const padded = state.n + 2 * state.p;
      const inputGrid = grid(inputBox, format(t.explorer_input, { n: state.n }), format(t.explorer_padded, { m: padded }),
        padded, (div, r, c) => {
          const isPad = r < state.p || c < state.p || r >= state.n + state.p || c >= state.n + state.p;
          div.textContent = isPad ? "0" : String(data.input[r - state.p][c - state.p]);
          div.classList.toggle("pad", isPad);
          div.dataset.row = r;
          div.dataset.col = c;
        });
      grid(kernelBox, format(t.explorer_kernel, { k: state.k }), state.d > 1 ? format(t.explorer_dilated, { d: state.d }) : "",
        state.k, (div, r, c) => {
          div.textContent = String(data.kernel[r][c]);
          div.classList.add("weight");
        });
      const m = entry ? entry.output : 0;
      outputBox.hidden = !entry; // an invalid setting has no output: the message says why
      const outputGrid = grid(outputBox, format(t.explorer_output, { m }), "", m, (div, r, c) => {
        div.dataset.index = r * m + c;
      });
      const pause = (frame) => {
        state.frame = frame;
        state.playing = false;
        update();
      };
      outputGrid.onmouseover = (event) => {
        const index = event.target.dataset?.index;
        if (index !== undefined) pause(Number(index));
      };
      inputGrid.onmouseover = (event) => {
        const { row, col } = event.target.dataset ?? {};
        if (!entry || row === undefined) return;
        const r = Math.min(Math.floor(Number(row) / state.s), m - 1);
        const c = Math.min(Math.floor(Number(col) / state.s), m - 1);
        pause(r * m + c);
      };
      built = { key, inputCells: [...inputGrid.children], outputCells: [...outputGrid.children], padded };
    }

    function draw() {
      const key = `${state.n},${state.p},${state.k},${state.s},${state.d}`;
      const entry = data.settings[key];
      const problem = problemOf(state);
      root.dataset.valid = entry ? "true" : "false";
      fields.s.number.setAttribute("aria-invalid", problem ? "true" : "false");
      fields.s.row.classList.toggle("invalid", Boolean(problem));
      if (problem) {
        message.textContent = problem.kind === "stride"
          ? format(t.stride_invalid, { n: state.n, p: state.p, k: problem.keff, s: state.s,
                                      value: Number(problem.value.toFixed(2)) })
          : format(t.kernel_too_wide, { k: problem.keff, size: state.n + 2 * state.p });
      } else {
        message.textContent = "";
      }
      if (!built || built.key !== key) build(key, entry);
      const current = entry ? state.frame % entry.frames.length : -1;
      const frame = entry ? entry.frames[current] : null;
      const inWindow = new Set();
      if (frame) {
        for (let i = 0; i < state.k; i++) {
          for (let j = 0; j < state.k; j++) inWindow.add((frame[0] + state.d * i) * built.padded + frame[1] + state.d * j);
        }
      }
      built.inputCells.forEach((cell, i) => cell.classList.toggle("hit", inWindow.has(i)));
      built.outputCells.forEach((cell, i) => {
        cell.textContent = i <= current ? String(entry.frames[i][2]) : "";
        cell.classList.toggle("hit", i === current);
      });
    }

    function update() {
      normalise();
      const r = ranges();
      for (const [key, { number, slider }] of Object.entries(fields)) {
        for (const input of [number, slider]) {
          input.min = r[key][0];
          input.max = r[key][1];
          input.value = state[key];
        }
      }
      const valid = problemOf(state) === null;
      play.textContent = state.playing && valid ? t.pause : t.play;
      play.disabled = !valid;
      play.setAttribute("aria-pressed", String(state.playing && valid));
      draw();
      clearInterval(timer);
      timer = null;
      if (state.playing && valid) {
        timer = setInterval(() => {
          state.frame += 1;
          draw();
        }, STEP_MS);
      }
    }

    update();
    return { state, update };
  }

  window.CNNX.mountExplorer = mountExplorer;
})();
