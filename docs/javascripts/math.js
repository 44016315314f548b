// Renders the math that pymdownx.arithmatex marks (generic mode: \( \) and \[ \]) with the vendored KaTeX,
// on the first load and after every instant page switch. Nothing is fetched from outside the site.
(function () {
  "use strict";
  function render(root) {
    if (!window.renderMathInElement) return;
    root.querySelectorAll(".arithmatex").forEach(function (element) {
      window.renderMathInElement(element, {
        delimiters: [
          { left: "\\(", right: "\\)", display: false },
          { left: "\\[", right: "\\]", display: true },
        ],
        throwOnError: false,
      });
    });
  }
  if (window.document$) {
    window.document$.subscribe(function () { render(document.body); });
  } else {
    document.addEventListener("DOMContentLoaded", function () { render(document.body); });
  }
})();
