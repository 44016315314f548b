// Builds docs/javascripts/plotly/plotly-atlas.min.js: plotly.js with the trace types the atlas draws only
// (index-atlas.js: plotly.js's core, which holds scatter and the components, and heatmap), bundled as
// plotly.js's own build does (its esbuild-config.js: iife, global Plotly, es2016, `global` is window),
// minified, the bundled packages' licence comments kept at the end. See docs/javascripts/plotly/README.md.
"use strict";
const esbuild = require("esbuild");
const path = require("path");

const version = require("plotly.js/package.json").version;
const out = path.resolve(__dirname, "..", "..", "javascripts", "plotly", "plotly-atlas.min.js");

esbuild
  .build({
    entryPoints: [path.join(__dirname, "index-atlas.js")],
    outfile: out,
    format: "iife",
    globalName: "Plotly",
    bundle: true,
    minify: true,
    sourcemap: false,
    target: "es2016",
    define: { global: "window", "define.amd": "false", "process.env.NODE_DEBUG": "false" },
    // maplibre-gl's stylesheet, which plotly.js's registry imports for map traces (not in this bundle): empty
    plugins: [
      {
        name: "no-css",
        setup(build) {
          build.onResolve({ filter: /\.css$/ }, (args) => ({ path: args.path, namespace: "no-css" }));
          build.onLoad({ filter: /.*/, namespace: "no-css" }, () => ({ contents: "", loader: "js" }));
        },
      },
    ],
    legalComments: "eof",
    // The first line asks V8 to compile every function of the bundle as it is downloaded (explicit compile
    // hints, Chromium 136+; other engines read a comment): without it, the first figure a page draws
    // compiles plotly.js's functions one by one as they are first called (bench/bench_first_figure.py).
    banner: {
      js: `//# allFunctionsCalledOnLoad\n/**\n* plotly.js (cnnatlas: scatter, heatmap - minified) v${version}\n* Copyright 2012-2026, Plotly, Inc.\n* All rights reserved.\n* Licensed under the MIT license\n*/`,
    },
    logLevel: "info",
  })
  .catch(() => process.exit(1));
