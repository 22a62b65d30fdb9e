/* The book's digit pad: draw a digit, and the network trained at build time reads it.
 *
 * No kernel, no network, no third-party code. Everything between the pen and the answer
 * is here, and is the same arithmetic as the Python library:
 *   prepareDigit  = ppn.data.prepare_digit   (integer grey levels, bounding box, box-filter
 *                                              scaling to 20×20, centre of mass in 28×28)
 *   resizeArea    = ppn.data.resize_area
 *   forward       = ppn.nn.MLP.forward        (x @ W + b, activation between the layers)
 *   softmax       = ppn.handwriting.softmax
 * tests/test_handwriting.py runs these functions under Node.js and checks them against
 * ppn on the same inputs; tests/browser/test_digit_pad.py draws on the pad in Chromium.
 *
 * The weights come from _static/digit_pad_model.json, written when the book is built
 * (book/_ext/digit_pad.py, by ppn.checkpoint.export_json). A page opened from disk
 * (file://) may not fetch files, so it loads the same model from digit_pad_model.js.
 */
(function (root) {
  "use strict";

  // --- numbers: the same steps as ppn, in the same order --------------------------------

  /** Little-endian float32 values from base64 text (export_json's encoding). */
  function decodeFloat32(text) {
    let bytes;
    if (typeof Buffer !== "undefined") {
      bytes = Uint8Array.from(Buffer.from(text, "base64"));
    } else {
      const raw = atob(text);
      bytes = new Uint8Array(raw.length);
      for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    }
    if (bytes.length % 4 !== 0) throw new Error("weights: not a whole number of float32 values");
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const values = new Float32Array(bytes.length / 4);
    for (let i = 0; i < values.length; i++) values[i] = view.getFloat32(4 * i, true);
    return values;
  }

  /** The network of an export_json document: sizes, activation, layers of {weight, bias}. */
  function loadModel(document) {
    if (document.format !== "ppn-model-json") {
      throw new Error("not a ppn model (format " + document.format + ")");
    }
    const sizes = document.sizes;
    const layers = document.layers.map(function (layer, i) {
      const weight = decodeFloat32(layer.weight);
      const bias = decodeFloat32(layer.bias);
      if (weight.length !== sizes[i] * sizes[i + 1] || bias.length !== sizes[i + 1]) {
        throw new Error("layer " + i + " does not match the sizes " + sizes.join("-"));
      }
      return { inputs: sizes[i], outputs: sizes[i + 1], weight: weight, bias: bias };
    });
    const activation = ACTIVATIONS[document.activation];
    if (!activation) throw new Error("unknown activation " + document.activation);
    return { sizes: sizes, activation: document.activation, layers: layers,
             metadata: document.metadata || {} };
  }

  const ACTIVATIONS = {
    relu: function (x) { return x > 0 ? x : 0; },
    tanh: Math.tanh,
    sigmoid: function (x) { return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)); },
  };

  /** The logits: h = σ(x @ W + b) layer after layer, no σ after the last. */
  function forward(model, input) {
    let x = Float64Array.from(input);
    const last = model.layers.length - 1;
    const activation = ACTIVATIONS[model.activation];
    model.layers.forEach(function (layer, l) {
      const out = Float64Array.from(layer.bias);
      const n = layer.outputs;
      for (let i = 0; i < layer.inputs; i++) {
        const xi = x[i];
        if (xi === 0) continue; // most pixels are black
        const row = i * n; // W is (inputs, outputs), row-major
        for (let j = 0; j < n; j++) out[j] += xi * layer.weight[row + j];
      }
      if (l < last) for (let j = 0; j < n; j++) out[j] = activation(out[j]);
      x = out;
    });
    return x;
  }

  /** p_k = exp(z_k − max z) / Σ_j exp(z_j − max z). */
  function softmax(logits) {
    const top = Math.max.apply(null, Array.from(logits));
    const e = Array.from(logits, function (z) { return Math.exp(z - top); });
    const total = e.reduce(function (a, b) { return a + b; }, 0);
    return e.map(function (v) { return v / total; });
  }

  /** (new × old) integers: how much of old pixel k new pixel i covers, in 1/new of a pixel. */
  function areaWeights(old, size) {
    const weights = [];
    for (let i = 0; i < size; i++) {
      const row = new Float64Array(old);
      for (let k = 0; k < old; k++) {
        const overlap = Math.min((i + 1) * old, (k + 1) * size) - Math.max(i * old, k * size);
        row[k] = overlap > 0 ? overlap : 0;
      }
      weights.push(row);
    }
    return weights;
  }

  /** Box-filter scaling of integer grey levels (height × width, row-major) to newH × newW. */
  function resizeArea(levels, height, width, newH, newW) {
    const rows = areaWeights(height, newH);
    const cols = areaWeights(width, newW);
    // Σ_k Σ_l rows[i][k]·levels[k][l]·cols[j][l]: integers, exact in doubles.
    const partial = new Float64Array(newH * width);
    for (let i = 0; i < newH; i++) {
      for (let k = 0; k < height; k++) {
        const w = rows[i][k];
        if (w === 0) continue;
        for (let l = 0; l < width; l++) partial[i * width + l] += w * levels[k * width + l];
      }
    }
    const divisor = height * width;
    const out = new Int32Array(newH * newW);
    for (let i = 0; i < newH; i++) {
      for (let j = 0; j < newW; j++) {
        let sum = 0;
        for (let l = 0; l < width; l++) {
          const w = cols[j][l];
          if (w !== 0) sum += partial[i * width + l] * w;
        }
        out[i * newW + j] = Math.floor((2 * sum + divisor) / (2 * divisor)); // mean, halves up
      }
    }
    return out;
  }

  /** ppn.data.prepare_digit on grey values in [0, 1] (row-major, width × height):
   *  {levels: 784 integers 0–255, image: 784 floats levels/255}; a blank drawing throws. */
  function prepareDigit(grey, width, height) {
    const n = width * height;
    let levels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const g = grey[i] < 0 ? 0 : grey[i] > 1 ? 1 : grey[i];
      levels[i] = Math.floor(g * 255 + 0.5);
    }
    // Light paper (the border brighter than half): make the ink the bright part.
    let border = 0;
    for (let x = 0; x < width; x++) border += levels[x] + levels[(height - 1) * width + x];
    for (let y = 0; y < height; y++) border += levels[y * width] + levels[y * width + width - 1];
    if (2 * border > 255 * 2 * (width + height)) {
      for (let i = 0; i < n; i++) levels[i] = 255 - levels[i];
    }
    // The bounding box of the ink (brighter than 10 %).
    let top = height, bottom = -1, left = width, right = -1;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        if (levels[y * width + x] > 25) {
          if (y < top) top = y;
          if (y > bottom) bottom = y;
          if (x < left) left = x;
          if (x > right) right = x;
        }
      }
    }
    if (bottom < 0) throw new Error("the image is blank: no ink found");
    const boxH = bottom - top + 1, boxW = right - left + 1;
    const box = new Int32Array(boxH * boxW);
    for (let y = 0; y < boxH; y++) {
      for (let x = 0; x < boxW; x++) box[y * boxW + x] = levels[(top + y) * width + left + x];
    }
    // The longest side becomes 20: round(20·side / longest), halves up.
    const longest = Math.max(boxH, boxW);
    const newH = Math.max(1, Math.floor((40 * boxH + longest) / (2 * longest)));
    const newW = Math.max(1, Math.floor((40 * boxW + longest) / (2 * longest)));
    const small = resizeArea(box, boxH, boxW, newH, newW);
    let total = 0, momentY = 0, momentX = 0;
    for (let y = 0; y < newH; y++) {
      for (let x = 0; x < newW; x++) {
        const v = small[y * newW + x];
        total += v;
        momentY += y * v;
        momentX += x * v;
      }
    }
    if (total === 0) throw new Error("the ink is too faint or too thin to survive scaling");
    // Centred in 28×28, then moved so that the centre of mass is at (13.5, 13.5).
    let y0 = Math.floor((28 - newH) / 2), x0 = Math.floor((28 - newW) / 2);
    const massY = y0 * total + momentY, massX = x0 * total + momentX;
    y0 += Math.floor(13.5 - massY / total + 0.5);
    x0 += Math.floor(13.5 - massX / total + 0.5);
    const out = new Int32Array(784);
    for (let y = 0; y < newH; y++) {
      const row = y0 + y;
      if (row < 0 || row >= 28) continue; // pushed past the edge: cut off
      for (let x = 0; x < newW; x++) {
        const col = x0 + x;
        if (col >= 0 && col < 28) out[row * 28 + col] = small[y * newW + x];
      }
    }
    return { levels: out, image: Float64Array.from(out, function (v) { return v / 255; }) };
  }

  /** prepareDigit, then the network: {digit, probabilities, label}. */
  function readDigit(model, grey, width, height) {
    const prepared = prepareDigit(grey, width, height);
    const probabilities = softmax(forward(model, prepared.image));
    let label = 0;
    for (let k = 1; k < probabilities.length; k++) {
      if (probabilities[k] > probabilities[label]) label = k;
    }
    return { digit: prepared, probabilities: probabilities, label: label };
  }

  const core = {
    decodeFloat32: decodeFloat32, loadModel: loadModel, forward: forward, softmax: softmax,
    areaWeights: areaWeights, resizeArea: resizeArea, prepareDigit: prepareDigit,
    readDigit: readDigit,
  };

  if (typeof module !== "undefined" && module.exports) {
    module.exports = core; // Node.js: the tests load the arithmetic only
    return;
  }
  root.ppnDigitPad = core;
  if (typeof document === "undefined") return;

  // --- the page: a pad, the 28×28 digit, the probabilities ----------------------------

  const script = document.currentScript;
  const base = script ? script.src.replace(/digit_pad\.js(\?.*)?$/, "") : "_static/";

  function loadStylesheet() {
    if (document.querySelector("link[data-digit-pad]")) return;
    const link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = base + "digit_pad.css";
    link.setAttribute("data-digit-pad", "");
    document.head.appendChild(link);
  }

  /** The model, from the JSON file, or from its .js twin when the page is a file. */
  function fetchModel() {
    if (root.ppnDigitPadModel) return Promise.resolve(root.ppnDigitPadModel);
    if (location.protocol === "file:") {
      return new Promise(function (resolve, reject) {
        const tag = document.createElement("script");
        tag.src = base + "digit_pad_model.js";
        tag.onload = function () { resolve(root.ppnDigitPadModel); };
        tag.onerror = function () { reject(new Error("digit_pad_model.js did not load")); };
        document.head.appendChild(tag);
      });
    }
    return fetch(base + "digit_pad_model.json").then(function (response) {
      if (!response.ok) throw new Error("digit_pad_model.json: HTTP " + response.status);
      return response.json();
    });
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function mount(container, modelPromise) {
    const size = Number(container.getAttribute("data-size")) || 280;
    const penWidth = Number(container.getAttribute("data-pen-width")) || 18;
    container.textContent = "";
    container.classList.add("ppn-digit-pad");

    const padColumn = element("div", "dp-column dp-pad-column");
    const pad = element("canvas", "dp-pad");
    pad.width = pad.height = size;
    pad.setAttribute("aria-label", "drawing pad: draw one digit with the mouse or a finger");
    const controls = element("div", "dp-controls");
    const clear = element("button", "dp-clear", "clear");
    clear.type = "button";
    const status = element("output", "dp-status", "loading the network…");
    controls.append(clear, status);
    const about = element("div", "dp-caption dp-about", "");
    padColumn.append(pad, controls, about);

    const side = element("div", "dp-column");
    const preview = element("canvas", "dp-preview");
    preview.width = preview.height = 28;
    const bars = element("div", "dp-bars");
    const barValues = [];
    for (let k = 0; k < 10; k++) {
      const column = element("div", "dp-bar");
      const value = element("span", "dp-value", "");
      const fill = element("div", "dp-fill");
      const label = element("span", "dp-label", String(k));
      column.append(value, fill, label);
      bars.append(column);
      barValues.push({ column: column, value: value, fill: fill });
    }
    side.append(element("div", "dp-caption", "what the network sees (28×28)"), preview,
                element("div", "dp-caption", "probabilities"), bars);
    container.append(padColumn, side);

    const ink = pad.getContext("2d", { willReadFrequently: true });
    let model = null, drawing = false, last = null, pending = false, touched = false;

    function blank() {
      ink.fillStyle = "black";
      ink.fillRect(0, 0, size, size);
      preview.getContext("2d").clearRect(0, 0, 28, 28);
      show(null);
    }

    function show(reading) {
      barValues.forEach(function (bar, k) {
        const p = reading ? reading.probabilities[k] : 0;
        bar.fill.style.height = (100 * p).toFixed(1) + "px"; // the tallest bar: 100 px
        bar.value.textContent = reading ? Math.round(100 * p) + "%" : "";
        bar.column.classList.toggle("dp-best", !!reading && k === reading.label);
      });
      container.setAttribute("data-digit", reading ? String(reading.label) : "");
      if (!model) return;
      status.textContent = reading
        ? "the network reads " + reading.label + " (" + Math.round(100 * reading.probabilities[reading.label]) + "% sure)"
        : "draw a digit";
    }

    function read() {
      pending = false;
      if (!model || !touched) return;
      const pixels = ink.getImageData(0, 0, size, size).data;
      const grey = new Float64Array(size * size);
      for (let i = 0; i < grey.length; i++) grey[i] = pixels[4 * i] / 255; // white ink: red = grey
      let reading;
      try {
        reading = readDigit(model, grey, size, size);
      } catch (error) {
        show(null); // nothing (or too little) drawn yet
        return;
      }
      const picture = preview.getContext("2d");
      const image = picture.createImageData(28, 28);
      for (let i = 0; i < 784; i++) {
        const v = reading.digit.levels[i];
        image.data.set([v, v, v, 255], 4 * i);
      }
      picture.putImageData(image, 0, 0);
      show(reading);
    }

    function schedule() {
      if (!pending) {
        pending = true;
        requestAnimationFrame(read);
      }
    }

    function position(event) {
      const box = pad.getBoundingClientRect();
      return [(event.clientX - box.left) * size / box.width, (event.clientY - box.top) * size / box.height];
    }

    function line(from, to) {
      ink.strokeStyle = "white";
      ink.lineWidth = penWidth;
      ink.lineCap = "round";
      ink.lineJoin = "round";
      ink.beginPath();
      ink.moveTo(from[0], from[1]);
      ink.lineTo(to[0], to[1]);
      ink.stroke();
      touched = true;
    }

    pad.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      if (pad.setPointerCapture) {
        try { pad.setPointerCapture(event.pointerId); } catch (error) { /* synthetic events */ }
      }
      drawing = true;
      last = position(event);
      line(last, last);
      schedule();
    });
    pad.addEventListener("pointermove", function (event) {
      if (!drawing) return;
      const next = position(event);
      line(last, next);
      last = next;
      schedule();
    });
    function end() {
      if (!drawing) return;
      drawing = false;
      read(); // at once at the end of a stroke
    }
    pad.addEventListener("pointerup", end);
    pad.addEventListener("pointercancel", end);
    clear.addEventListener("click", function () {
      touched = false;
      blank();
    });

    blank();
    modelPromise.then(function (document) {
      model = loadModel(document);
      const info = model.metadata;
      about.textContent = "network " + model.sizes.join("-") + " (" + model.activation + ")" +
        (info.test_accuracy ? ", " + (100 * info.test_accuracy).toFixed(1) +
          " % right on MNIST's 10,000 test digits" : "");
      container.setAttribute("data-ready", "true");
      show(null);
      read();
    }).catch(function (error) {
      status.textContent = "the network could not be loaded (" + error.message + "): " +
        "digit_pad_model.json is written when the book is built";
      container.setAttribute("data-ready", "error");
    });
  }

  function start() {
    const pads = document.querySelectorAll(".digit-pad");
    if (!pads.length) return;
    loadStylesheet();
    const modelPromise = fetchModel();
    pads.forEach(function (container) { mount(container, modelPromise); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})(typeof window !== "undefined" ? window : globalThis);
