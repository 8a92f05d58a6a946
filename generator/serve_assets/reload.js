// Added by `cnn-explainer serve` to the pages it sends; never part of the built site.
// Reloads the page after every successful rebuild. While the latest rebuild has failed, shows its
// one-line error over the last good build, which stays served, until the next good one reloads
// the page. The page's Content-Security-Policy holds: this is a same-origin script file, the
// overlay is made of elements whose text is set with textContent (an error quoting markup shows
// it as text), and its styles come from the server's own stylesheet.
(function () {
  "use strict";
  const WORDS = {
    en: { title: "Build failed: this page shows the last good build.", dismiss: "Dismiss" },
    zh: { title: "构建失败：本页显示的是上一次成功的构建。", dismiss: "关闭" },
  };
  const lang = (document.documentElement.lang || "en").split("-")[0];
  const words = WORDS[lang] || WORDS.en;
  let overlay = null;
  let seen = null;

  const style = document.createElement("link");
  style.rel = "stylesheet";
  style.href = "/__serve__/overlay.css";
  document.head.appendChild(style);

  function hide() {
    if (overlay) overlay.remove();
    overlay = null;
  }

  function show(message) {
    hide();
    overlay = document.createElement("div");
    overlay.className = "cnnx-serve-error";
    overlay.setAttribute("role", "alert");  // read out when it appears
    const title = document.createElement("p");
    title.textContent = words.title;
    const text = document.createElement("pre");
    text.lang = "en";  // the command line speaks English on every page
    text.textContent = message;
    const dismiss = document.createElement("button");
    dismiss.type = "button";
    dismiss.textContent = words.dismiss;
    dismiss.addEventListener("click", hide);
    overlay.append(title, text, dismiss);
    document.body.prepend(overlay);  // first in the Tab order
  }

  function whenReady(action) {
    if (document.body) action();
    else document.addEventListener("DOMContentLoaded", action, { once: true });
  }

  const events = new EventSource("/__serve__/events");
  events.onmessage = (event) => {
    const state = JSON.parse(event.data);  // {"build": "<id>", "error": "<line>" or null}
    if (seen !== null && state.build !== seen) {
      location.reload();
      return;
    }
    seen = state.build;
    whenReady(() => (state.error ? show(state.error) : hide()));
  };
})();
