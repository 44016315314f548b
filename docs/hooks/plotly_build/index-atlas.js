'use strict';
// plotly.js for cnnatlas: the core (scatter and the core components) and heatmap, nothing else.
var Plotly = require('plotly.js/lib/core');

Plotly.register([require('plotly.js/lib/heatmap')]);

module.exports = Plotly;
