// Draws the Plotly figures that cnnatlas pages embed as <div class="cnnatlas-plotly" data-figure="{json}">.
// Runs on the first load and after every Material instant page switch (document$), loads plotly.js
// once and only when a page has a figure, and keeps plotly.js's CSS in <body>, because Material drops
// <head> elements that the next page lacks (which would unstyle the mode bar and stack the svg layers).
(function () {
  "use strict";
  var plotlyUrl = new URL("plotly.min.js", document.currentScript.src).href;
  var loading = null;

  function loadPlotly() {
    if (window.Plotly) return Promise.resolve(window.Plotly);
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = plotlyUrl;
        script.onload = function () { resolve(window.Plotly); };
        script.onerror = function () { reject(new Error("cnnatlas: could not load " + plotlyUrl)); };
        document.body.appendChild(script);
      });
    }
    return loading;
  }

  // plotly.js fills its <style> elements through the CSSOM (insertRule), so their text is empty and
  // moving one would drop its rules: each is replaced by a <style> in <body> holding the rules as text,
  // with the same id, so that plotly.js keeps adding to it on later pages.
  function keepStyles() {
    var keep = document.getElementById("cnnatlas-plotly-styles");
    if (!keep) {
      keep = document.createElement("div");
      keep.id = "cnnatlas-plotly-styles";
      document.body.appendChild(keep);
    }
    document.head.querySelectorAll('style[id^="plotly.js"]').forEach(function (style) {
      var copy = document.createElement("style");
      copy.id = style.id;
      copy.textContent = Array.prototype.map.call(style.sheet.cssRules, function (r) { return r.cssText; }).join("\n");
      style.remove();
      keep.appendChild(copy);
    });
  }

  function themed() {
    var fg = getComputedStyle(document.body).getPropertyValue("--md-default-fg-color").trim();
    return { paper_bgcolor: "rgba(0,0,0,0)", font: { color: fg || "#333" } };
  }

  function draw(Plotly, div) {
    var fig = JSON.parse(div.getAttribute("data-figure"));
    var layout = Object.assign({}, fig.layout || {}, themed());
    div.setAttribute("data-drawn", "pending");
    return Plotly.newPlot(div, fig.data, layout, { responsive: true, displaylogo: false })
      .then(function () { return fig.frames ? Plotly.addFrames(div, fig.frames) : null; })
      .then(function () { div.setAttribute("data-drawn", "yes"); keepStyles(); });
  }

  function drawAll() {
    var divs = document.querySelectorAll("div.cnnatlas-plotly[data-figure]:not([data-drawn])");
    if (!divs.length) return;
    loadPlotly()
      .then(function (Plotly) { return Promise.all(Array.prototype.map.call(divs, function (d) { return draw(Plotly, d); })); })
      .catch(function (error) { console.error(error); });
  }

  function retheme() {
    if (!window.Plotly) return;
    document.querySelectorAll('div.cnnatlas-plotly[data-drawn="yes"]').forEach(function (div) {
      window.Plotly.relayout(div, themed());
    });
  }

  if (window.document$) {
    window.document$.subscribe(drawAll);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
  new MutationObserver(retheme).observe(document.body, { attributes: true, attributeFilter: ["data-md-color-scheme"] });
})();
