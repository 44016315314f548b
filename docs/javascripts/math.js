// Renders the math that pymdownx.arithmatex marks (generic mode: \( \) and \[ \]) with the vendored KaTeX,
// on the first load and after every instant page switch. KaTeX (270 KB of script) is fetched only by a
// page that has math, the first time one is shown: the other pages (and their first figure) do not wait
// for it. Nothing is fetched from outside the site.
(function () {
  "use strict";
  var base = new URL("katex/", document.currentScript.src).href;
  var loading = null;

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = src;
      script.onload = resolve;
      script.onerror = function () { reject(new Error("could not load " + src)); };
      document.head.appendChild(script);
    });
  }

  function katex() {
    if (window.renderMathInElement) return Promise.resolve();
    if (!loading) {
      loading = loadScript(base + "katex.min.js").then(function () {
        return loadScript(base + "contrib/auto-render.min.js");
      });
    }
    return loading;
  }

  function render(root) {
    var elements = root.querySelectorAll(".arithmatex");
    if (!elements.length) return;
    katex().then(function () {
      elements.forEach(function (element) {
        window.renderMathInElement(element, {
          delimiters: [
            { left: "\\(", right: "\\)", display: false },
            { left: "\\[", right: "\\]", display: true },
          ],
          throwOnError: false,
        });
      });
    }, function (error) { console.error(error.message); });
  }

  if (window.document$) {
    window.document$.subscribe(function () { render(document.body); });
  } else {
    document.addEventListener("DOMContentLoaded", function () { render(document.body); });
  }
})();
