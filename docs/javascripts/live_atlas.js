// The live atlas: runs networks exported by cnnatlas.export_network in the browser, on the reader's input.
// A page embeds <div class="cnnatlas-live" data-networks="[...]"> (cnnatlas.live_atlas); this script builds
// the controls and draws every layer's output after each change. The forward pass is plain JavaScript over
// Float32Array (conv2d, relu, max/avg pooling, flatten, linear, softmax): the layer types these networks
// have, a few KB where a general runtime (onnxruntime-web, TensorFlow.js) would weigh megabytes.
// window.cnnatlasLive exposes the forward pass and a benchmark for the tests and bench/bench_live.py.
(function () {
  "use strict";
  var FORMAT = 1;
  var networks = {}; // manifest name -> Promise of a loaded network

  // ---------------------------------------------------------------- loading
  function fetchOk(url, kind) {
    return fetch(url).then(function (r) {
      if (!r.ok) throw new Error("cnnatlas live atlas: could not load " + url + " (" + r.status + ")");
      return r[kind]();
    });
  }

  function loadImage(url) {
    return new Promise(function (resolve, reject) {
      var img = new Image();
      img.onload = function () { resolve(img); };
      img.onerror = function () { reject(new Error("cnnatlas live atlas: could not load " + url)); };
      img.src = url;
    });
  }

  // Sprite images as uint8 (C, H, W) arrays: a PNG without colour profile decodes to its exact bytes.
  function spriteImages(img, channels, h, w, columns) {
    var canvas = document.createElement("canvas");
    canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
    var ctx = canvas.getContext("2d", { willReadFrequently: true });
    ctx.drawImage(img, 0, 0);
    var rgba = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    var rows = canvas.height / h, out = [];
    for (var k = 0; k < rows * columns; k++) {
      var r0 = Math.floor(k / columns) * h, c0 = (k % columns) * w, px = new Uint8Array(channels * h * w);
      for (var c = 0; c < channels; c++)
        for (var y = 0; y < h; y++)
          for (var x = 0; x < w; x++) px[(c * h + y) * w + x] = rgba[((r0 + y) * canvas.width + c0 + x) * 4 + c];
      out.push(px);
    }
    return out;
  }

  function load(spec, base) {
    var url = new URL(spec.manifest, base).href;
    if (networks[url]) return networks[url];
    networks[url] = fetchOk(url, "json").then(function (manifest) {
      if (manifest.format !== FORMAT) throw new Error("cnnatlas live atlas: " + url + " has format " + manifest.format);
      var binUrl = new URL(manifest.weights_file, url).href;
      var sprite = spec.sprite ? loadImage(new URL(spec.sprite, url).href) : Promise.resolve(null);
      return Promise.all([fetchOk(binUrl, "arrayBuffer"), sprite]).then(function (got) {
        var buffer = got[0];
        if (buffer.byteLength !== manifest.weights_bytes) throw new Error("cnnatlas live atlas: " + binUrl + " is truncated");
        var all = new Float32Array(buffer); // little-endian, as every browser's typed arrays
        manifest.layers.forEach(function (layer) {
          layer.tensors = {};
          Object.keys(layer.params).forEach(function (name) {
            var p = layer.params[name], n = p.shape.reduce(function (a, b) { return a * b; }, 1);
            layer.tensors[name] = all.subarray(p.offset / 4, p.offset / 4 + n);
          });
        });
        var shape = manifest.input.shape;
        var net = { spec: spec, manifest: manifest, name: manifest.name, images: [] };
        if (got[1]) net.images = spriteImages(got[1], shape[0], shape[1], shape[2], spec.sprite_columns || 10);
        net.images = net.images.slice(0, (spec.sprite_labels || net.images).length);
        net.spriteUrl = got[1] ? got[1].src : null;
        registry[net.name] = net;
        return net;
      });
    });
    return networks[url];
  }
  var registry = {}; // manifest name -> loaded network (for window.cnnatlasLive)

  // ---------------------------------------------------------------- the forward pass
  function normalise(net, pixels) {
    var s = net.manifest.input.shape, plane = s[1] * s[2], x = new Float32Array(s[0] * plane);
    var mean = new Float32Array(net.manifest.input.mean), std = new Float32Array(net.manifest.input.std);
    for (var c = 0; c < s[0]; c++)
      for (var i = 0; i < plane; i++) x[c * plane + i] = (Math.fround(pixels[c * plane + i] / 255) - mean[c]) / std[c];
    return x;
  }

  // Stride 1 (both models' case): pad the input once, then for each (input channel, kernel row, kernel
  // column) add one shifted copy of the padded plane, scaled by the weight, to the output computed on the
  // padded width: long contiguous loops that the JIT runs fast; the extra columns are dropped at the end.
  function conv2d(x, shape, layer, outShape) {
    if (layer.stride[0] !== 1 || layer.stride[1] !== 1) return conv2dStrided(x, shape, layer, outShape);
    var W = layer.tensors.weight, B = layer.tensors.bias;
    var C = shape[0], H = shape[1], Wd = shape[2], O = outShape[0], OH = outShape[1], OW = outShape[2];
    var kh = layer.kernel[0], kw = layer.kernel[1], ph = layer.padding[0], pw = layer.padding[1];
    var dh = layer.dilation[0], dw = layer.dilation[1];
    var Hp = H + 2 * ph, Wp = Wd + 2 * pw, plane = Hp * Wp, n = OH * Wp - (Wp - OW);
    var xp = new Float32Array(C * plane);
    for (var c = 0; c < C; c++)
      for (var y = 0; y < H; y++) xp.set(x.subarray((c * H + y) * Wd, (c * H + y + 1) * Wd), c * plane + (y + ph) * Wp + pw);
    var out = new Float32Array(O * OH * OW), acc = new Float64Array(n);
    for (var o = 0; o < O; o++) {
      acc.fill(B ? B[o] : 0);
      for (c = 0; c < C; c++) {
        for (var ky = 0; ky < kh; ky++) {
          var wk = ((o * C + c) * kh + ky) * kw, row = c * plane + ky * dh * Wp, j;
          if (kw === 5 && dw === 1) { // five taps per pass over the accumulator
            var w0 = W[wk], w1 = W[wk + 1], w2 = W[wk + 2], w3 = W[wk + 3], w4 = W[wk + 4];
            for (j = 0; j < n; j++) {
              var b = row + j;
              acc[j] += w0 * xp[b] + w1 * xp[b + 1] + w2 * xp[b + 2] + w3 * xp[b + 3] + w4 * xp[b + 4];
            }
          } else {
            for (var kx = 0; kx < kw; kx++) {
              var w = W[wk + kx], base = row + kx * dw;
              for (j = 0; j < n; j++) acc[j] += w * xp[base + j];
            }
          }
        }
      }
      for (var oy = 0; oy < OH; oy++)
        for (var ox = 0; ox < OW; ox++) out[(o * OH + oy) * OW + ox] = acc[oy * Wp + ox];
    }
    return out;
  }

  function conv2dStrided(x, shape, layer, outShape) {
    var W = layer.tensors.weight, B = layer.tensors.bias;
    var C = shape[0], H = shape[1], Wd = shape[2], O = outShape[0], OH = outShape[1], OW = outShape[2];
    var kh = layer.kernel[0], kw = layer.kernel[1], sh = layer.stride[0], sw = layer.stride[1];
    var ph = layer.padding[0], pw = layer.padding[1], dh = layer.dilation[0], dw = layer.dilation[1];
    var out = new Float32Array(O * OH * OW);
    for (var o = 0; o < O; o++)
      for (var oy = 0; oy < OH; oy++)
        for (var ox = 0; ox < OW; ox++) {
          var s = B ? B[o] : 0;
          for (var c = 0; c < C; c++)
            for (var ky = 0; ky < kh; ky++) {
              var iy = oy * sh - ph + ky * dh;
              if (iy < 0 || iy >= H) continue;
              for (var kx = 0; kx < kw; kx++) {
                var ix = ox * sw - pw + kx * dw;
                if (ix >= 0 && ix < Wd) s += W[((o * C + c) * kh + ky) * kw + kx] * x[(c * H + iy) * Wd + ix];
              }
            }
          out[(o * OH + oy) * OW + ox] = s;
        }
    return out;
  }

  function pool(x, shape, layer, outShape, isMax) {
    var C = shape[0], H = shape[1], Wd = shape[2], OH = outShape[1], OW = outShape[2];
    var kh = layer.kernel[0], kw = layer.kernel[1], sh = layer.stride[0], sw = layer.stride[1];
    var ph = layer.padding[0], pw = layer.padding[1], dh = layer.dilation[0], dw = layer.dilation[1];
    var out = new Float32Array(C * OH * OW);
    for (var c = 0; c < C; c++)
      for (var oy = 0; oy < OH; oy++)
        for (var ox = 0; ox < OW; ox++) {
          var best = -Infinity, sum = 0, count = 0;
          for (var ky = 0; ky < kh; ky++) {
            var iy = oy * sh - ph + ky * (isMax ? dh : 1);
            if (iy < 0 || iy >= H) continue;
            for (var kx = 0; kx < kw; kx++) {
              var ix = ox * sw - pw + kx * (isMax ? dw : 1);
              if (ix < 0 || ix >= Wd) continue;
              var v = x[(c * H + iy) * Wd + ix];
              if (v > best || v !== v) best = v;
              sum += v; count++;
            }
          }
          var divisor = layer.count_include_pad === false ? count : kh * kw;
          out[(c * OH + oy) * OW + ox] = isMax ? best : sum / divisor;
        }
    return out;
  }

  function relu(x) {
    var out = new Float32Array(x.length);
    for (var i = 0; i < x.length; i++) out[i] = x[i] > 0 ? x[i] : 0;
    return out;
  }

  function linear(x, layer, outShape) {
    var W = layer.tensors.weight, B = layer.tensors.bias, n = x.length, O = outShape[0];
    var out = new Float32Array(O);
    for (var o = 0; o < O; o++) {
      var s = B ? B[o] : 0, base = o * n;
      for (var i = 0; i < n; i++) s += W[base + i] * x[i];
      out[o] = s;
    }
    return out;
  }

  function softmax(z) {
    var m = -Infinity, i, out = new Float64Array(z.length), total = 0;
    for (i = 0; i < z.length; i++) m = Math.max(m, z[i]);
    for (i = 0; i < z.length; i++) { out[i] = Math.exp(z[i] - m); total += out[i]; }
    for (i = 0; i < z.length; i++) out[i] /= total;
    return out;
  }

  // Every layer's output for uint8-range pixels (C, H, W): [{layer, shape, data}], then the probabilities.
  function forward(net, pixels) {
    var x = normalise(net, pixels), shape = net.manifest.input.shape, outs = [];
    net.manifest.layers.forEach(function (layer) {
      var s = layer.out_shape;
      switch (layer.type) {
        case "Conv2d": x = conv2d(x, shape, layer, s); break;
        case "ReLU": x = relu(x); break;
        case "MaxPool2d": x = pool(x, shape, layer, s, true); break;
        case "AvgPool2d": x = pool(x, shape, layer, s, false); break;
        case "Flatten": x = x.slice(); break;
        case "Linear": x = linear(x, layer, s); break;
        default: throw new Error("cnnatlas live atlas: no forward for " + layer.type);
      }
      shape = s;
      outs.push({ layer: layer, shape: s, data: x });
    });
    return { input: pixels, outputs: outs, probabilities: softmax(x) };
  }

  // ---------------------------------------------------------------- colours
  var VIRIDIS = [[68, 1, 84], [72, 40, 120], [62, 73, 137], [49, 104, 142], [38, 130, 142], [31, 158, 137],
    [53, 183, 121], [109, 205, 89], [180, 222, 44], [253, 231, 37]];
  var RDBU = [[5, 48, 97], [33, 102, 172], [67, 147, 195], [146, 197, 222], [209, 229, 240], [247, 247, 247],
    [253, 219, 199], [244, 165, 130], [214, 96, 77], [178, 24, 43], [103, 0, 31]];
  function lut(stops) {
    var table = new Uint8ClampedArray(256 * 3);
    for (var i = 0; i < 256; i++) {
      var t = i / 255 * (stops.length - 1), k = Math.min(stops.length - 2, Math.floor(t)), f = t - k;
      for (var c = 0; c < 3; c++) table[i * 3 + c] = stops[k][c] + (stops[k + 1][c] - stops[k][c]) * f;
    }
    return table;
  }
  var VIRIDIS_LUT = lut(VIRIDIS), RDBU_LUT = lut(RDBU);

  // Whether each layer's output can be negative, from the layer types alone: the normalised input and the
  // output of a convolution or a linear layer are signed; a ReLU's is not; pooling and flattening keep what
  // they get. Signed maps are drawn with RdBu_r centred on 0 (white), the others with viridis (the atlas's
  // rule, cnnatlas.style): the CIFAR-10 CNN of article 004 has no ReLU, so all its maps are signed.
  function signedOutputs(layers) {
    var signed = true;
    return layers.map(function (layer) {
      if (layer.type === "Conv2d" || layer.type === "Linear") signed = true;
      else if (layer.type === "ReLU") signed = false;
      return signed;
    });
  }

  // A colour bar: the table's 256 colours left to right on a 1-pixel-high canvas (stretched by CSS).
  function colourBar(table) {
    var bar = el("canvas", { class: "cl-scale", width: "256", height: "1", "aria-hidden": "true" });
    var ctx = bar.getContext("2d"), img = ctx.createImageData(256, 1);
    for (var i = 0; i < 256; i++) {
      img.data[i * 4] = table[i * 3]; img.data[i * 4 + 1] = table[i * 3 + 1]; img.data[i * 4 + 2] = table[i * 3 + 2];
      img.data[i * 4 + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
    return bar;
  }

  function range(data) {
    var lo = Infinity, hi = -Infinity;
    for (var i = 0; i < data.length; i++) { if (data[i] < lo) lo = data[i]; if (data[i] > hi) hi = data[i]; }
    return [lo, hi];
  }

  // Paint h x w values (offset into data) on canvas, colour index = (v - lo) / (hi - lo) through table.
  function paint(canvas, data, offset, h, w, lo, hi, table) {
    if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
    var ctx = canvas.getContext("2d"), img = ctx.createImageData(w, h), span = hi - lo;
    for (var i = 0; i < h * w; i++) {
      var t = span > 0 ? (data[offset + i] - lo) / span : 0.5;
      var k = Math.max(0, Math.min(255, Math.round(t * 255))) * 3;
      img.data[i * 4] = table[k]; img.data[i * 4 + 1] = table[k + 1]; img.data[i * 4 + 2] = table[k + 2];
      img.data[i * 4 + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
  }

  function fmt(v) {
    var a = Math.abs(v);
    return a !== 0 && (a < 1e-3 || a >= 1e4) ? v.toExponential(2) : v.toFixed(a < 1 ? 4 : 3);
  }

  // ---------------------------------------------------------------- the widget
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "class") node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }

  function describeLayer(layer) {
    var g = "";
    if (layer.type === "Conv2d") {
      var w = layer.params.weight.shape;
      g = w[1] + " → " + w[0] + " channels, " + w[2] + "×" + w[3] + " kernel" +
        (layer.stride[0] > 1 ? ", stride " + layer.stride[0] : "") + (layer.padding[0] ? ", padding " + layer.padding[0] : "");
    } else if (layer.type === "MaxPool2d" || layer.type === "AvgPool2d") {
      g = layer.kernel[0] + "×" + layer.kernel[1] + ", stride " + layer.stride[0];
    } else if (layer.type === "Linear") {
      g = layer.params.weight.shape[1] + " → " + layer.params.weight.shape[0];
    }
    return layer.type + (g ? " (" + g + ")" : "");
  }

  function Atlas(root) {
    this.root = root;
    this.specs = JSON.parse(root.getAttribute("data-networks"));
    this.base = window.location.href;
    this.state = null;
    this.build();
  }

  Atlas.prototype.build = function () {
    var self = this;
    this.root.textContent = "";
    this.root.style.minHeight = "";
    var switcher = el("div", { class: "cl-switcher", role: "group", "aria-label": "network" });
    this.switchButtons = this.specs.map(function (spec, i) {
      var b = el("button", { type: "button", class: "md-button cl-switch", "aria-pressed": "false", text: spec.label });
      b.addEventListener("click", function () { self.select(i); });
      switcher.appendChild(b);
      return b;
    });
    this.status = el("p", { class: "cl-status", "aria-live": "polite" });
    this.body = el("div", { class: "cl-body" });
    this.tip = el("div", { class: "cl-tip", hidden: "" });
    this.root.appendChild(switcher);
    this.root.appendChild(this.status);
    this.root.appendChild(this.body);
    this.root.appendChild(this.tip);
    this.root.setAttribute("data-ready", "yes");
    this.select(0);
  };

  Atlas.prototype.select = function (index) {
    var self = this;
    this.switchButtons.forEach(function (b, i) { b.setAttribute("aria-pressed", String(i === index)); });
    this.status.textContent = "Loading " + this.specs[index].label + "…";
    this.root.setAttribute("data-state", "loading");
    var token = this.token = (this.token || 0) + 1; // a later click wins over a slower earlier load
    return load(this.specs[index], this.base).then(function (net) {
      if (token !== self.token) return;
      self.status.textContent = "";
      self.show(net);
    }).catch(function (error) {
      self.status.textContent = String(error.message || error);
      console.error(error);
    });
  };

  Atlas.prototype.show = function (net) {
    var self = this, spec = net.spec, shape = net.manifest.input.shape;
    this.net = net;
    this.pixels = new Float32Array(shape[0] * shape[1] * shape[2]);
    this.body.textContent = "";
    this.hideTip();
    var top = el("div", { class: "cl-top" });
    // the input
    var inputBox = el("div", { class: "cl-input" });
    this.inputCanvas = el("canvas", { class: "cl-input-canvas", width: String(shape[2] * 8), height: String(shape[1] * 8),
      "aria-label": spec.draw ? "drawing canvas, " + shape[1] + " by " + shape[2] + " pixels" : "the network's input" });
    this.inputTitle = el("p", { class: "cl-caption", text: "" });
    inputBox.appendChild(el("p", { class: "cl-heading", text: "input · " + shape.join(" × ") }));
    inputBox.appendChild(this.inputCanvas);
    inputBox.appendChild(this.inputTitle);
    var tools = el("div", { class: "cl-tools" });
    if (spec.draw) {
      this.tool = "brush";
      var brush = this.button("Brush", function () { self.setTool("brush"); }, tools);
      var eraser = this.button("Eraser", function () { self.setTool("eraser"); }, tools);
      this.toolButtons = { brush: brush, eraser: eraser };
      brush.setAttribute("aria-pressed", "true"); eraser.setAttribute("aria-pressed", "false");
      var size = el("input", { type: "range", min: "0.6", max: "3", step: "0.2", value: "1.4", "aria-label": "brush size" });
      size.addEventListener("input", function () { self.radius = parseFloat(size.value); });
      this.radius = 1.4;
      tools.appendChild(el("label", { class: "cl-size" }, [document.createTextNode("size "), size]));
      this.button("Invert", function () { self.pixels = self.pixels.map(function (v) { return 255 - v; }); self.changed("inverted"); }, tools);
      this.button("Clear", function () { self.pixels.fill(0); self.changed("cleared"); }, tools);
      this.attachDrawing();
    }
    if (spec.open_file) {
      var file = el("input", { type: "file", accept: "image/*", class: "cl-file", "aria-label": "open a photo" });
      file.addEventListener("change", function () { if (file.files[0]) self.openFile(file.files[0]); file.value = ""; });
      this.button("Open a photo…", function () { file.click(); }, tools);
      tools.appendChild(file);
    }
    inputBox.appendChild(tools);
    top.appendChild(inputBox);
    // the test images
    if (net.images.length) {
      var picker = el("div", { class: "cl-picker" });
      picker.appendChild(el("p", { class: "cl-heading", text: "test images (" + net.images.length + ")" }));
      var sprite = el("img", { src: net.spriteUrl, class: "cl-sprite", alt: "test images; click one to run it", draggable: "false" });
      sprite.addEventListener("click", function (e) {
        var r = sprite.getBoundingClientRect(), cols = spec.sprite_columns || 10, rows = Math.ceil(net.images.length / cols);
        var k = Math.floor((e.clientY - r.top) / r.height * rows) * cols + Math.floor((e.clientX - r.left) / r.width * cols);
        if (k >= 0 && k < net.images.length) self.pick(k);
      });
      picker.appendChild(sprite);
      var row = el("div", { class: "cl-tools" });
      this.button("◀", function () { self.pick((self.picked + net.images.length - 1) % net.images.length); }, row).setAttribute("aria-label", "previous test image");
      this.pickInput = el("input", { type: "number", min: "0", max: String(net.images.length - 1), value: "0", class: "cl-pick", "aria-label": "test image number" });
      var typed = function () {
        var k = parseInt(self.pickInput.value, 10);
        if (k >= 0 && k < net.images.length && k !== self.picked) self.pick(k);
      };
      this.pickInput.addEventListener("input", typed);
      this.pickInput.addEventListener("change", typed);
      row.appendChild(el("label", {}, [document.createTextNode("image "), this.pickInput]));
      this.button("▶", function () { self.pick((self.picked + 1) % net.images.length); }, row).setAttribute("aria-label", "next test image");
      picker.appendChild(row);
      top.appendChild(picker);
    }
    // the prediction
    var result = el("div", { class: "cl-result" });
    result.appendChild(el("p", { class: "cl-heading", text: "prediction" }));
    this.prediction = el("p", { class: "cl-prediction", "aria-live": "polite" });
    result.appendChild(this.prediction);
    var timeRow = el("div", { class: "cl-tools" });
    this.timing = el("span", { class: "cl-caption" });
    this.button("Time it", function () {
      self.timing.textContent = "timing…";
      setTimeout(function () {
        var t = benchmark(net, 100);
        self.timing.textContent = "median " + t.median_ms.toFixed(2) + " ms per forward pass with every layer (100 inputs)";
      }, 20);
    }, timeRow);
    timeRow.appendChild(this.timing);
    result.appendChild(timeRow);
    top.appendChild(result);
    this.body.appendChild(top);
    // the layers, after a legend of their two colour scales
    var signed = signedOutputs(net.manifest.layers);
    this.body.appendChild(el("p", { class: "cl-caption cl-legend" }, [
      document.createTextNode("Each layer on one scale. Signed outputs (convolutions, linear layers, and pooling or flattening of them): "),
      colourBar(RDBU_LUT), document.createTextNode(" blue below 0, white at 0, red above, on a range centred on 0. Outputs\u00a0≥\u00a00 (after a ReLU): "),
      colourBar(VIRIDIS_LUT), document.createTextNode(" viridis, from lowest to highest."),
    ]));
    this.layerViews = net.manifest.layers.map(function (layer, i) { return self.layerView(layer, i, signed[i]); });
    var probs = el("section", { class: "cl-layer cl-probs" });
    probs.appendChild(el("p", { class: "cl-heading", text: "softmax · class probabilities · " + net.manifest.classes.length }));
    this.bars = net.manifest.classes.map(function (name) {
      var fill = el("span", { class: "cl-bar-fill" }), value = el("span", { class: "cl-bar-value" });
      probs.appendChild(el("div", { class: "cl-bar" }, [el("span", { class: "cl-bar-name", text: name }),
        el("span", { class: "cl-bar-track" }, [fill]), value]));
      return { fill: fill, value: value };
    });
    this.body.appendChild(probs);
    this.pick(0);
  };

  Atlas.prototype.button = function (text, onClick, parent) {
    var b = el("button", { type: "button", class: "md-button cl-button", text: text });
    b.addEventListener("click", onClick);
    parent.appendChild(b);
    return b;
  };

  Atlas.prototype.setTool = function (tool) {
    this.tool = tool;
    var buttons = this.toolButtons;
    Object.keys(buttons).forEach(function (k) { buttons[k].setAttribute("aria-pressed", String(k === tool)); });
  };

  Atlas.prototype.layerView = function (layer, index, signed) {
    var self = this, s = layer.out_shape;
    var section = el("section", { class: "cl-layer", "data-layer": layer.label });
    var head = el("p", { class: "cl-heading" });
    head.appendChild(el("strong", { text: layer.label }));
    head.appendChild(document.createTextNode(" · " + describeLayer(layer) + " → " + s.join(" × ")));
    var low = el("span", { class: "cl-range-low" }), high = el("span", { class: "cl-range-high" });
    var rangeText = el("span", { class: "cl-range", "data-scale": signed ? "diverging" : "sequential" }, [
      low, colourBar(signed ? RDBU_LUT : VIRIDIS_LUT), high,
      el("span", { text: signed ? " signed, 0\u00a0=\u00a0white" : " ≥\u00a00, viridis" }),
    ]);
    head.appendChild(rangeText);
    section.appendChild(head);
    var view = { layer: layer, index: index, section: section, range: rangeText, low: low, high: high,
      signed: signed, table: signed ? RDBU_LUT : VIRIDIS_LUT, canvases: [] };
    if (s.length === 3) {
      var grid = el("div", { class: "cl-maps" });
      var px = Math.max(36, Math.min(64, s[1] * 2));
      for (var c = 0; c < s[0]; c++) {
        var canvas = el("canvas", { class: "cl-map", width: String(s[2]), height: String(s[1]), "data-channel": String(c) });
        canvas.style.width = px + "px"; canvas.style.height = Math.round(px * s[1] / s[2]) + "px";
        grid.appendChild(canvas);
        view.canvases.push(canvas);
      }
      section.appendChild(grid);
    } else {
      var strip = el("canvas", { class: "cl-strip", width: String(s[0]), height: "1" });
      section.appendChild(strip);
      view.canvases.push(strip);
    }
    view.canvases.forEach(function (canvas) {
      canvas.addEventListener("pointermove", function (e) { if (e.pointerType === "mouse") self.inspect(view, canvas, e); });
      canvas.addEventListener("pointerdown", function (e) { self.inspect(view, canvas, e); });
      canvas.addEventListener("pointerleave", function (e) { if (e.pointerType === "mouse") self.hideTip(); });
    });
    this.body.appendChild(section);
    return view;
  };

  Atlas.prototype.pick = function (k) {
    var net = this.net, labels = net.spec.sprite_labels || [];
    this.picked = k;
    this.pixels = Float32Array.from(net.images[k]);
    if (this.pickInput) this.pickInput.value = String(k);
    this.changed("test image " + k + (labels.length ? " · true class: " + net.manifest.classes[labels[k]] : ""));
  };

  Atlas.prototype.openFile = function (file) {
    var self = this, net = this.net, s = net.manifest.input.shape, url = URL.createObjectURL(file);
    var img = new Image();
    img.onload = function () {
      if (self.net !== net) { URL.revokeObjectURL(url); return; } // the reader switched networks meanwhile
      var side = Math.min(img.naturalWidth, img.naturalHeight);
      var canvas = document.createElement("canvas");
      canvas.width = s[2]; canvas.height = s[1];
      var ctx = canvas.getContext("2d", { willReadFrequently: true });
      ctx.imageSmoothingEnabled = true; ctx.imageSmoothingQuality = "high";
      ctx.drawImage(img, (img.naturalWidth - side) / 2, (img.naturalHeight - side) / 2, side, side, 0, 0, s[2], s[1]);
      var rgba = ctx.getImageData(0, 0, s[2], s[1]).data, plane = s[1] * s[2];
      for (var c = 0; c < s[0]; c++) for (var i = 0; i < plane; i++) self.pixels[c * plane + i] = rgba[i * 4 + Math.min(c, 2)];
      URL.revokeObjectURL(url);
      self.changed("your photo " + file.name + " (" + img.naturalWidth + "×" + img.naturalHeight + ", centre square shrunk to " + s[2] + "×" + s[1] + ")");
    };
    img.onerror = function () { URL.revokeObjectURL(url); self.status.textContent = "Could not read " + file.name + " as an image."; };
    img.src = url;
  };

  // ---------------------------------------------------------------- drawing
  Atlas.prototype.attachDrawing = function () {
    var self = this, canvas = this.inputCanvas, last = null;
    canvas.classList.add("cl-drawable");
    function point(e) {
      var r = canvas.getBoundingClientRect(), s = self.net.manifest.input.shape;
      return [(e.clientX - r.left) / r.width * s[2], (e.clientY - r.top) / r.height * s[1]];
    }
    canvas.addEventListener("pointerdown", function (e) {
      e.preventDefault();
      canvas.setPointerCapture(e.pointerId);
      last = point(e);
      self.stroke(last, last);
    });
    canvas.addEventListener("pointermove", function (e) {
      if (!last) return;
      var events = e.getCoalescedEvents ? e.getCoalescedEvents() : [e];
      (events.length ? events : [e]).forEach(function (ev) { var p = point(ev); self.stroke(last, p); last = p; });
    });
    function end() { last = null; }
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
  };

  // Paint a round brush (radius in pixels, soft by one pixel) along the segment a-b.
  Atlas.prototype.stroke = function (a, b) {
    var s = this.net.manifest.input.shape, r = this.radius, erase = this.tool === "eraser", px = this.pixels;
    var x0 = Math.max(0, Math.floor(Math.min(a[0], b[0]) - r - 1)), x1 = Math.min(s[2] - 1, Math.ceil(Math.max(a[0], b[0]) + r + 1));
    var y0 = Math.max(0, Math.floor(Math.min(a[1], b[1]) - r - 1)), y1 = Math.min(s[1] - 1, Math.ceil(Math.max(a[1], b[1]) + r + 1));
    var dx = b[0] - a[0], dy = b[1] - a[1], len2 = dx * dx + dy * dy;
    for (var y = y0; y <= y1; y++)
      for (var x = x0; x <= x1; x++) {
        var cx = x + 0.5, cy = y + 0.5, t = len2 ? Math.max(0, Math.min(1, ((cx - a[0]) * dx + (cy - a[1]) * dy) / len2)) : 0;
        var ex = cx - a[0] - t * dx, ey = cy - a[1] - t * dy, d = Math.sqrt(ex * ex + ey * ey);
        var cover = Math.max(0, Math.min(1, r + 0.5 - d));
        if (!cover) continue;
        for (var c = 0; c < s[0]; c++) {
          var i = (c * s[1] + y) * s[2] + x;
          px[i] = erase ? Math.min(px[i], 255 * (1 - cover)) : Math.max(px[i], 255 * cover);
        }
      }
    this.changed("your drawing");
  };

  // ---------------------------------------------------------------- updating the views
  Atlas.prototype.changed = function (caption) {
    var self = this;
    this.caption = caption;
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(function () { self.pending = false; self.update(); });
  };

  Atlas.prototype.update = function () {
    var net = this.net, s = net.manifest.input.shape;
    var started = performance.now();
    var result = forward(net, this.pixels);
    var ms = performance.now() - started;
    this.result = result;
    this.drawInput();
    this.inputTitle.textContent = this.caption;
    this.layerViews.forEach(function (view, i) {
      var out = result.outputs[i], sh = out.shape, r = range(out.data);
      if (view.signed) {
        var lim = Math.max(Math.abs(r[0]), Math.abs(r[1])) || 1;
        r = [-lim, lim];
      }
      view.lo = r[0]; view.hi = r[1];
      view.low.textContent = fmt(r[0]) + " ";
      view.high.textContent = " " + fmt(r[1]);
      if (sh.length === 3) {
        view.canvases.forEach(function (canvas, c) { paint(canvas, out.data, c * sh[1] * sh[2], sh[1], sh[2], r[0], r[1], view.table); });
      } else {
        paint(view.canvases[0], out.data, 0, 1, sh[0], r[0], r[1], view.table);
      }
    });
    var p = result.probabilities, best = 0;
    for (var i = 0; i < p.length; i++) if (p[i] > p[best]) best = i;
    this.bars.forEach(function (bar, i) {
      bar.fill.style.width = (100 * p[i]).toFixed(1) + "%";
      bar.fill.classList.toggle("cl-best", i === best);
      bar.value.textContent = (100 * p[i]).toFixed(1) + "%";
    });
    this.prediction.textContent = net.manifest.classes[best] + " · " + (100 * p[best]).toFixed(1) + "%";
    this.root.setAttribute("data-state", "ready");
    this.root.setAttribute("data-prediction", net.manifest.classes[best]);
    this.root.setAttribute("data-forward-ms", ms.toFixed(2));
    if (this.selected) this.showUnit(this.selected);
    void s;
  };

  Atlas.prototype.drawInput = function (box) {
    var s = this.net.manifest.input.shape, canvas = this.inputCanvas, ctx = canvas.getContext("2d");
    var small = this.smallCanvas || (this.smallCanvas = document.createElement("canvas"));
    small.width = s[2]; small.height = s[1];
    var sctx = small.getContext("2d"), img = sctx.createImageData(s[2], s[1]), plane = s[1] * s[2];
    for (var i = 0; i < plane; i++) {
      for (var c = 0; c < 3; c++) img.data[i * 4 + c] = this.pixels[(s[0] === 1 ? 0 : c) * plane + i];
      img.data[i * 4 + 3] = 255;
    }
    sctx.putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(small, 0, 0, canvas.width, canvas.height);
    if (box) drawBox(ctx, box, canvas.width / s[2]);
  };

  // The (first, last) rows and columns a unit sees, from the layer's receptive field, clipped to the image.
  function fieldBox(layer, s, row, col) {
    var rf = layer.receptive_field, inShape = s;
    if (rf.whole_input) return { r0: 0, r1: inShape[1] - 1, c0: 0, c1: inShape[2] - 1, whole: true, size: rf.size };
    var cy = rf.start[0] + row * rf.jump[0], cx = rf.start[1] + col * rf.jump[1];
    var h = (rf.size[0] - 1) / 2, w = (rf.size[1] - 1) / 2;
    return { r0: cy - h, r1: cy + h, c0: cx - w, c1: cx + w, size: rf.size,
      clipped: [Math.max(0, cy - h), Math.min(inShape[1] - 1, cy + h), Math.max(0, cx - w), Math.min(inShape[2] - 1, cx + w)] };
  }

  function drawBox(ctx, box, scale) {
    ctx.save();
    ctx.lineWidth = Math.max(2, scale / 3);
    ctx.strokeStyle = "#ff3b30";
    ctx.setLineDash([]);
    ctx.strokeRect(box.c0 * scale, box.r0 * scale, (box.c1 - box.c0 + 1) * scale, (box.r1 - box.r0 + 1) * scale);
    ctx.restore();
  }

  // ---------------------------------------------------------------- inspecting a unit
  Atlas.prototype.inspect = function (view, canvas, e) {
    var r = canvas.getBoundingClientRect(), s = view.layer.out_shape, unit;
    if (s.length === 3) {
      unit = { view: view, channel: parseInt(canvas.getAttribute("data-channel"), 10),
        row: Math.min(s[1] - 1, Math.floor((e.clientY - r.top) / r.height * s[1])),
        col: Math.min(s[2] - 1, Math.floor((e.clientX - r.left) / r.width * s[2])) };
    } else {
      unit = { view: view, channel: Math.min(s[0] - 1, Math.floor((e.clientX - r.left) / r.width * s[0])), row: 0, col: 0 };
    }
    unit.x = e.clientX; unit.y = e.clientY; unit.touch = e.pointerType !== "mouse";
    if (this.focused && this.focused !== canvas) this.focused.classList.remove("cl-focus");
    canvas.classList.add("cl-focus");
    this.focused = canvas;
    this.selected = unit;
    this.showUnit(unit);
  };

  Atlas.prototype.hideTip = function () {
    this.selected = null;
    if (this.focused) this.focused.classList.remove("cl-focus");
    this.focused = null;
    this.tip.hidden = true;
    if (this.net && this.inputCanvas) this.drawInput();
  };

  Atlas.prototype.showUnit = function (unit) {
    var self = this, layer = unit.view.layer, s = layer.out_shape, inShape = this.net.manifest.input.shape;
    var out = this.result.outputs[unit.view.index], value;
    var where;
    if (s.length === 3) {
      value = out.data[(unit.channel * s[1] + unit.row) * s[2] + unit.col];
      where = "channel " + unit.channel + ", row " + unit.row + ", col " + unit.col;
    } else {
      value = out.data[unit.channel];
      where = "unit " + unit.channel + (layer === this.net.manifest.layers[this.net.manifest.layers.length - 1] ? " (" + this.net.manifest.classes[unit.channel] + ")" : "");
    }
    var box = fieldBox(layer, inShape, unit.row, unit.col);
    this.drawInput(box);
    var tip = this.tip;
    tip.textContent = "";
    tip.appendChild(el("p", { class: "cl-tip-title", text: layer.label + " · " + where }));
    tip.appendChild(el("p", { text: "value " + fmt(value) + " (colour scale " + fmt(unit.view.lo) + " … " + fmt(unit.view.hi) +
      (unit.view.signed ? ", centred on 0" : "") + ")" }));
    var mini = el("canvas", { class: "cl-tip-input", width: String(inShape[2] * 4), height: String(inShape[1] * 4) });
    var mctx = mini.getContext("2d");
    mctx.imageSmoothingEnabled = false;
    mctx.drawImage(this.smallCanvas, 0, 0, mini.width, mini.height);
    drawBox(mctx, box, 4);
    var looks = box.whole ? "sees the whole " + inShape[1] + "×" + inShape[2] + " input" :
      "sees input rows " + box.clipped[0] + "–" + box.clipped[1] + ", cols " + box.clipped[2] + "–" + box.clipped[3] +
      " (a " + box.size[0] + "×" + box.size[1] + " field" + (box.r0 < 0 || box.c0 < 0 || box.r1 > inShape[1] - 1 || box.c1 > inShape[2] - 1 ? ", part of it padding" : "") + ")";
    tip.appendChild(el("div", { class: "cl-tip-row" }, [mini, el("p", { text: looks })]));
    if (layer.type === "Conv2d") {
      var w = layer.params.weight.shape, k = w[2] * w[3], slice = layer.tensors.weight.subarray(unit.channel * w[1] * k, (unit.channel + 1) * w[1] * k);
      var lim = Math.max(Math.abs(range(slice)[0]), Math.abs(range(slice)[1]));
      tip.appendChild(el("p", { text: "kernel slice weight[" + unit.channel + "]: " + w[1] + " × " + w[2] + "×" + w[3] + ", one per input channel (red > 0 > blue, ±" + fmt(lim) + "), bias " + fmt(layer.tensors.bias ? layer.tensors.bias[unit.channel] : 0) }));
      var kernels = el("div", { class: "cl-kernels" });
      for (var c = 0; c < w[1]; c++) {
        var kc = el("canvas", { class: "cl-kernel", width: String(w[3]), height: String(w[2]) });
        paint(kc, slice, c * k, w[2], w[3], -lim, lim, RDBU_LUT);
        kernels.appendChild(kc);
      }
      tip.appendChild(kernels);
    }
    tip.hidden = false;
    // place it: beside the pointer on a wide screen, pinned to the bottom on a narrow one or for touch
    var narrow = window.innerWidth < 700 || unit.touch;
    tip.classList.toggle("cl-tip-pinned", narrow);
    if (!narrow) {
      var tw = tip.offsetWidth, th = tip.offsetHeight;
      var x = unit.x + 18, y = unit.y + 18;
      if (x + tw > window.innerWidth - 8) x = Math.max(8, unit.x - tw - 18);
      if (y + th > window.innerHeight - 8) y = Math.max(8, window.innerHeight - th - 8);
      tip.style.left = x + "px"; tip.style.top = y + "px";
    } else {
      tip.style.left = ""; tip.style.top = "";
      if (!tip.querySelector(".cl-tip-close")) {
        var close = el("button", { type: "button", class: "md-button cl-button cl-tip-close", text: "Close" });
        close.addEventListener("click", function () { self.hideTip(); });
        tip.appendChild(close);
      }
    }
  };

  // ---------------------------------------------------------------- API for tests and benchmarks
  function benchmark(net, count) {
    var times = [], inputs = net.images.length ? net.images : [new Float32Array(net.manifest.input.shape.reduce(function (a, b) { return a * b; }))];
    forward(net, inputs[0]); // warm up the JIT
    for (var i = 0; i < count; i++) {
      var started = performance.now();
      forward(net, inputs[i % inputs.length]);
      times.push(performance.now() - started);
    }
    times.sort(function (a, b) { return a - b; });
    return { count: count, median_ms: (times[(count - 1) >> 1] + times[count >> 1]) / 2, min_ms: times[0], max_ms: times[count - 1] };
  }

  function byName(name) {
    var net = registry[name];
    if (!net) throw new Error("cnnatlas live atlas: no network named " + name + " loaded (" + Object.keys(registry).join(", ") + ")");
    return net;
  }

  window.cnnatlasLive = {
    // every layer's output, as plain arrays keyed by module name, for test image k or for given pixels
    forward: function (name, input) {
      var net = byName(name), pixels = typeof input === "number" ? net.images[input] : input;
      var result = forward(net, pixels), outputs = {};
      result.outputs.forEach(function (o) { outputs[o.layer.module] = Array.from(o.data); });
      return { outputs: outputs, probabilities: Array.from(result.probabilities), pixels: Array.from(pixels) };
    },
    // the same, every layer's output concatenated in layer order as base64 little-endian float32 (fast to move)
    forwardBytes: function (name, input) {
      var net = byName(name), pixels = typeof input === "number" ? net.images[input] : input;
      var outs = forward(net, pixels).outputs, total = 0, at = 0;
      outs.forEach(function (o) { total += o.data.length; });
      var all = new Float32Array(total);
      outs.forEach(function (o) { all.set(o.data, at); at += o.data.length; });
      var bytes = new Uint8Array(all.buffer), text = "";
      for (var i = 0; i < bytes.length; i += 32768) text += String.fromCharCode.apply(null, bytes.subarray(i, i + 32768));
      return btoa(text);
    },
    benchmark: function (name, count) { return benchmark(byName(name), count || 100); },
    loaded: function () { return Object.keys(registry); },
    atlases: []
  };

  function setup() {
    document.querySelectorAll("div.cnnatlas-live[data-networks]:not([data-ready])").forEach(function (root) {
      window.cnnatlasLive.atlases.push(new Atlas(root));
    });
  }

  if (window.document$) {
    window.document$.subscribe(setup);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
