// Draws the Plotly figures that cnnatlas pages embed as <div class="cnnatlas-plotly" data-src="figures/NAME.json">
// (the figure's JSON, a file beside the page; docs/hooks/gallery_conf.py writes both). A div with the JSON
// inline in data-figure="{json}" is drawn too.
//
// - Lazily: a figure is drawn when it comes within one viewport of the visible part of the page
//   (IntersectionObserver), one figure at a time with a paint in between, in page order; its JSON is
//   fetched when it comes near (the first figure's as soon as the page is shown). plotly.js (the vendored
//   bundle of the trace types the atlas draws, docs/javascripts/plotly) is loaded as soon as a page with
//   a figure is shown.
// - Early on a page's first load: a page with a figure runs figures.js from the end of its <head> and
//   plotly.js just before Material's script (docs/hooks/figure_head.py): plotly.js runs before Material's
//   script, and the figures near the viewport then are drawn at once; see the end of this file.
// - As soon as figures.js runs (the end of <body>, or DOMContentLoaded when it ran early) and after every
//   Material instant page switch (document$): figures of the page that was left are purged (Plotly.purge
//   frees their memory), the new page's figures are observed.
// - A drawn figure is resized when its container's width changes (ResizeObserver) and follows Material's
//   colour scheme: light ("default") or dark ("slate"), re-styled when the reader toggles the palette.
//   Colours come from Material's CSS variables; heatmap colour scales are the figures' own.
// - plotly.js's CSS is kept in <body>, because Material drops <head> elements that the next page lacks
//   (which would unstyle the mode bar and stack the svg layers).
// - Contract with the tests and the benchmark: a figure's div gets data-drawn="pending" while it is
//   drawn and data-drawn="yes" once drawn (then a performance mark "cnnatlas:figure-drawn").
// No inline script: pages hold data only (see docs/hooks/gallery_conf.py).
(function () {
  "use strict";
  // A page with a figure loads figures.js twice: early (from its <head>) and at the end of <body>
  // (mkdocs.yml's extra_javascript, as every page does): the first copy to run does the work.
  if (window.__cnnatlasFigures) return;
  window.__cnnatlasFigures = true;
  var WAITING = "div.cnnatlas-plotly[data-src]:not([data-drawn]), div.cnnatlas-plotly[data-figure]:not([data-drawn])";
  var NEAR = "100% 0px"; // one viewport above and below the visible part of the page
  var plotlyUrl = new URL("plotly/plotly-atlas.min.js", document.currentScript.src).href;
  var loading = null;
  var inPage = false; // while the page is parsed: plotly.js comes from the page's own <script> (see the end)
  var settle = null; // resolve and reject of loading
  var near = "IntersectionObserver" in window ? new IntersectionObserver(onNear, { rootMargin: NEAR }) : null;
  var watched = new WeakSet(); // divs ever observed
  var watching = []; // divs observed that have not come near yet
  var queue = []; // divs that came near, waiting to be drawn
  var busy = false;
  var shown = []; // divs drawn (or being drawn) since the last purge
  var widths = new WeakMap();
  var sized = "ResizeObserver" in window ? new ResizeObserver(onResize) : null;

  function loadPlotly() {
    if (window.Plotly) return Promise.resolve(window.Plotly);
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        // Resolved as soon as plotly.js sets window.Plotly, at the end of its evaluation: the first figure
        // is then drawn in the same task, rather than after the script's load event, which the browser may
        // dispatch only after other tasks (Material's DOMContentLoaded set-up, some hundreds of ms).
        try {
          Object.defineProperty(window, "Plotly", {
            configurable: true,
            enumerable: true,
            get: function () { return undefined; },
            set: function (value) {
              Object.defineProperty(window, "Plotly", { value: value, writable: true, configurable: true, enumerable: true });
              resolve(value);
            },
          });
        } catch (error) { /* resolved at the load event */ }
        settle = { resolve: resolve, reject: reject };
        if (!inPage) addScript(); // else the page's own <script> sets window.Plotly (see the end)
      });
    }
    return loading;
  }

  function addScript() {
    var script = document.createElement("script");
    script.src = plotlyUrl;
    script.fetchPriority = "high"; // a script added by a script is fetched at low priority otherwise
    script.onload = function () {
      if (window.Plotly) settle.resolve(window.Plotly);
      else script.onerror();
    };
    script.onerror = function () {
      loading = null;
      settle.reject(new Error("cnnatlas: could not load " + plotlyUrl));
    };
    document.body.appendChild(script);
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

  // ---- colour scheme -------------------------------------------------------------------------------

  var probe = null;

  function cssColor(name) {
    // A CSS variable resolved to rgb(a) through a hidden element (Material's values use hsla(var(...))).
    if (!probe) {
      probe = document.createElement("span");
      probe.style.display = "none";
    }
    document.body.appendChild(probe);
    probe.style.color = "var(" + name + ")";
    var value = getComputedStyle(probe).color;
    probe.remove();
    return value;
  }

  function isDark() {
    return document.body.getAttribute("data-md-color-scheme") === "slate";
  }

  function getPath(object, path) {
    return path.split(".").reduce(function (o, key) {
      if (o == null) return undefined;
      var m = /^(\w+)\[(\d+)\]$/.exec(key);
      return m ? (o[m[1]] || [])[+m[2]] : o[key];
    }, object);
  }

  function setPath(object, path, value) {
    var keys = path.split(".");
    var o = object;
    keys.forEach(function (key, i) {
      var m = /^(\w+)\[(\d+)\]$/.exec(key);
      var last = i === keys.length - 1;
      if (m) {
        o = o[m[1]][+m[2]];
      } else if (last) {
        if (value === null) delete o[key];
        else o[key] = value;
      } else {
        if (o[key] == null || typeof o[key] !== "object") o[key] = {};
        o = o[key];
      }
    });
  }

  function isTransparent(colour) {
    return colour === "transparent" || /^rgba\(.*,\s*0(\.0*)?\)$/.test(String(colour).replace(/\s/g, ""));
  }

  function axesOf(fig) {
    var names = {};
    Object.keys(fig.layout || {}).forEach(function (key) {
      if (/^[xy]axis\d*$/.test(key)) names[key] = true;
    });
    (fig.data || []).forEach(function (trace) {
      names[(trace.xaxis || "x").replace(/^x/, "xaxis")] = true;
      names[(trace.yaxis || "y").replace(/^y/, "yaxis")] = true;
    });
    return Object.keys(names);
  }

  // The layout attributes that depend on the scheme: in the light scheme, the figure's own values (null:
  // plotly's default or the figure's template); in the dark scheme, colours from Material's dark palette.
  function schemeLayout(theme) {
    var layout = theme.layout;
    var dark = isDark();
    var update = { paper_bgcolor: "rgba(0,0,0,0)", "font.color": cssColor("--md-default-fg-color") };
    var lighter = cssColor("--md-default-fg-color--lighter");
    var lightest = cssColor("--md-default-fg-color--lightest");
    var surface = cssColor("--md-code-bg-color");
    function pick(path, darkValue) {
      var own = getPath(layout, path);
      update[path] = dark ? darkValue : own === undefined ? null : own;
    }
    var ownPlot = getPath(layout, "plot_bgcolor");
    pick("plot_bgcolor", ownPlot !== undefined && isTransparent(ownPlot) ? ownPlot : surface);
    theme.axes.forEach(function (axis) {
      pick(axis + ".gridcolor", lightest);
      pick(axis + ".zerolinecolor", lighter);
      pick(axis + ".linecolor", lighter);
    });
    (layout.sliders || []).forEach(function (_, i) {
      var slider = "sliders[" + i + "]";
      pick(slider + ".bgcolor", surface);
      pick(slider + ".activebgcolor", lighter);
      pick(slider + ".bordercolor", lighter);
      pick(slider + ".tickcolor", lighter);
    });
    (layout.updatemenus || []).forEach(function (_, i) {
      var menu = "updatemenus[" + i + "]";
      pick(menu + ".bgcolor", surface);
      pick(menu + ".showactive", false); // plotly.js paints the active button a fixed near-white
      pick(menu + ".bordercolor", lighter);
    });
    return update;
  }

  function restyleAll() {
    if (!window.Plotly) return;
    shown.forEach(function (div) {
      if (div.isConnected && div.getAttribute("data-drawn") === "yes") {
        window.Plotly.relayout(div, schemeLayout(div._cnnatlasTheme));
      }
    });
  }

  // ---- drawing -------------------------------------------------------------------------------------

  // The figure of a div: its JSON file, fetched once (the promise is kept on the div), or its inline JSON.
  // The file's address is resolved when the page is shown (Material has set the new address by then).
  function fetchFigure(url) {
    var figure = fetch(url).then(function (response) {
      if (!response.ok) throw new Error("cnnatlas: could not load " + url + " (" + response.status + ")");
      return response.json();
    });
    figure.catch(function () {}); // reported when the figure is drawn
    return figure;
  }

  function figureOf(div) {
    if (!div._cnnatlasFigure) {
      var inline = div.getAttribute("data-figure");
      var url = div._cnnatlasSrc || new URL(div.getAttribute("data-src"), location.href).href;
      div._cnnatlasFigure = inline !== null
        ? Promise.resolve().then(function () { return JSON.parse(inline); })
        : fetchFigure(url);
    }
    return div._cnnatlasFigure;
  }

  function draw(Plotly, div, fig) {
    var theme = { layout: fig.layout || {}, axes: axesOf(fig) };
    var layout = JSON.parse(JSON.stringify(theme.layout));
    var update = schemeLayout(theme);
    Object.keys(update).forEach(function (path) { setPath(layout, path, update[path]); });
    div._cnnatlasTheme = theme;
    div.setAttribute("data-drawn", "pending");
    shown.push(div);
    return Plotly.newPlot(div, fig.data, layout, { displaylogo: false })
      .then(function () { return fig.frames ? Plotly.addFrames(div, fig.frames) : null; })
      .then(function () {
        div.setAttribute("data-drawn", "yes");
        keepStyles();
        widths.set(div, div.clientWidth);
        if (sized) sized.observe(div);
        if (performance.mark) performance.mark("cnnatlas:figure-drawn");
      });
  }

  function drawNext() {
    if (busy) return;
    queue = queue.filter(function (div) { return div.isConnected; });
    if (!queue.length) return;
    busy = true;
    var div = queue[0];
    Promise.all([loadPlotly(), figureOf(div)])
      .then(function (ready) {
        queue = queue.filter(function (d) { return d !== div; });
        // the page may have been swapped while plotly.js or the figure loaded
        return div.isConnected ? draw(ready[0], div, ready[1]) : null;
      })
      .catch(function (error) {
        queue = queue.filter(function (d) { return d !== div; });
        div.setAttribute("data-drawn", "failed");
        console.error(error);
      })
      .then(function () {
        busy = false;
        // let the browser paint this figure before the next one is drawn
        requestAnimationFrame(function () { setTimeout(drawNext, 0); });
      });
  }

  function onNear(entries) {
    entries.forEach(function (entry) {
      if (!entry.isIntersecting) return;
      near.unobserve(entry.target);
      var at = watching.indexOf(entry.target);
      if (at >= 0) watching.splice(at, 1);
      queue.push(entry.target);
      figureOf(entry.target); // fetched now, while the figures before it are drawn
    });
    queue.sort(function (a, b) {
      return a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1;
    });
    drawNext();
  }

  function onResize(entries) {
    entries.forEach(function (entry) {
      var div = entry.target;
      var width = div.clientWidth;
      if (width === widths.get(div) || !div.isConnected || !window.Plotly) return;
      widths.set(div, width);
      window.Plotly.Plots.resize(div);
    });
  }

  // Looks for the page's figures that are not drawn yet. measure: whether a figure's box may be read and
  // the first figure's JSON fetched now (false while the page is parsed: each new figure would lay out the
  // part parsed so far, and the IntersectionObserver reports it at the next rendering step instead);
  // later: the first figure's JSON is fetched later unless the figure is drawn now.
  function onPage(measure, later) {
    // the page was swapped (or loaded): forget the figures of the page that was left
    shown = shown.filter(function (div) {
      if (div.isConnected) return true;
      if (sized) sized.unobserve(div);
      if (window.Plotly) window.Plotly.purge(div);
      delete div._cnnatlasTheme;
      delete div._cnnatlasFigure;
      return false;
    });
    watching = watching.filter(function (div) {
      if (div.isConnected) return true;
      near.unobserve(div);
      delete div._cnnatlasFigure;
      return false;
    });
    queue = queue.filter(function (div) { return div.isConnected; });
    var found = document.querySelectorAll(WAITING);
    var band = innerHeight; // NEAR: one viewport above and below the visible part
    var beyond = !measure; // a figure further down than the band was met: the later ones are too
    var nearNow = false;
    found.forEach(function (div) {
      if (queue.indexOf(div) >= 0) return;
      var known = watched.has(div);
      if (!known) {
        watched.add(div);
        if (div.hasAttribute("data-src")) div._cnnatlasSrc = new URL(div.getAttribute("data-src"), location.href).href;
        if (!near) {
          queue.push(div);
          return;
        }
      }
      // A figure near already is queued now: the IntersectionObserver would report it only at the next
      // rendering step, after Material's DOMContentLoaded set-up, and the first figure would wait for it.
      if (!beyond) {
        var box = div.getBoundingClientRect();
        if (box.top > innerHeight + band) {
          beyond = true;
        } else if (box.bottom >= -band && (box.width || box.height)) {
          nearNow = true;
          queue.push(div);
          if (known) {
            near.unobserve(div);
            watching = watching.filter(function (d) { return d !== div; });
          }
          return;
        }
      }
      if (!known) {
        watching.push(div);
        near.observe(div);
      }
    });
    if (nearNow) {
      queue.sort(function (a, b) {
        return a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1;
      });
    }
    if (!near || nearNow) drawNext();
    if (near && found.length && measure && !later) {
      // now rather than a frame later, when the IntersectionObserver reports: the first figure's JSON and
      // plotly.js (which the page's <head> has already asked for)
      figureOf(found[0]);
      if (!window.Plotly) loadPlotly().catch(function () {});
    }
  }

  function followScheme() {
    new MutationObserver(restyleAll).observe(document.body, { attributes: true, attributeFilter: ["data-md-color-scheme"] });
  }

  function onLoaded() {
    onPage(true);
    // after every instant page switch; document$ (Material's) also fires on the first load
    if (window.document$) window.document$.subscribe(function () { onPage(true); });
  }

  if (document.currentScript && document.currentScript.parentNode === document.head) {
    // Run early, from the end of the page's <head> (docs/hooks/figure_head.py, which also puts plotly.js's
    // <script> just before Material's at the end of <body>): the figures are observed as soon as they are
    // parsed, and once plotly.js has run, those near the viewport are drawn, before Material's scripts
    // if their JSON is in. The first figure's JSON is fetched at DOMContentLoaded, unless it is drawn
    // before (a fetch() before Material's script has run does not reuse its preload: Chromium downloads
    // the file a second time).
    inPage = true; // plotly.js comes from the page's own <script>: loadPlotly waits for it
    var figures = document.getElementsByClassName("cnnatlas-plotly");
    var seen = 0;
    var parsing = new MutationObserver(function () {
      if (figures.length === seen) return;
      seen = figures.length;
      onPage(false);
    });
    parsing.observe(document, { childList: true, subtree: true });
    loadPlotly().then(function () {
      if (inPage) onPage(true, true);
    }).catch(function () {});
    document.addEventListener("DOMContentLoaded", function () {
      parsing.disconnect();
      inPage = false;
      if (!window.Plotly && loading) addScript(); // the page's <script> for plotly.js failed: once more
      followScheme();
      onLoaded();
    });
  } else {
    // At the end of <body>, after Material's scripts: the page's figures are parsed, so they are observed
    // now rather than after DOMContentLoaded (KaTeX and Material's set-up).
    followScheme();
    onLoaded();
  }
})();
