// The measurement review page (templates/review.html): the sagittal view with every
// evaluable level's six landmarks, moved by mouse (drag) or keyboard (arrow keys, 0.5 mm),
// each move recomputed by the server's core (POST /measurements/recompute); the reader's
// decision per level (confirm, or override with a reason); saving adds a version.
(function () {
  "use strict";
  var root = document.getElementById("review");
  if (!root) { return; }
  var KEY = root.getAttribute("data-key");
  var CSRF = root.getAttribute("data-csrf");
  var CAN_SAVE = root.getAttribute("data-can-save") === "yes";
  var SVG = "http://www.w3.org/2000/svg";
  var POINTS = ["anterior_superior", "anterior_inferior", "middle_superior",
                "middle_inferior", "posterior_superior", "posterior_inferior"];
  var SIDES = ["anterior", "middle", "posterior"];
  var STEP_MM = 0.5;
  var state = { review: null, scene: null, doc: null, decisions: {}, busy: 0, pending: null };
  var view = document.getElementById("spine-view");
  var statusLine = document.getElementById("review-status");
  var tbody = document.querySelector("#levels-table tbody");

  function say(text) { statusLine.textContent = text; }
  function gradeClass(item) {
    return item && item.evaluable && item.genant_grade !== null ? "g" + item.genant_grade : "gx";
  }
  function fmt(x) { return x === null || x === undefined ? "—" : Number(x).toFixed(1); }
  function words(name) { return name.replace("_", " "); }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": CSRF },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (data) { return { status: response.status, data: data }; });
    });
  }

  // --- geometry: a landmark (x, y) of a level's plane <-> patient (A, S) <-> screen ---
  function frame(level) { return state.scene && state.scene.levels[level]; }
  function toAS(f, p) {
    return [f.origin[0] + p[0] * f.x_axis[0] + p[1] * f.y_axis[0],
            f.origin[1] + p[0] * f.x_axis[1] + p[1] * f.y_axis[1]];
  }
  function toScreen(as) {
    var e = state.scene.extent_mm;
    return [e.anterior[1] - as[0], e.superior[1] - as[1]];
  }
  function fromScreen(f, s) {
    var e = state.scene.extent_mm;
    var dA = (e.anterior[1] - s[0]) - f.origin[0];
    var dS = (e.superior[1] - s[1]) - f.origin[1];
    var det = f.x_axis[0] * f.y_axis[1] - f.y_axis[0] * f.x_axis[1];
    return [Math.round(((dA * f.y_axis[1] - f.y_axis[0] * dS) / det) * 10) / 10,
            Math.round(((f.x_axis[0] * dS - dA * f.x_axis[1]) / det) * 10) / 10];
  }

  function el(name, attrs, parent) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (parent) { parent.appendChild(node); }
    return node;
  }

  // --- the view ---
  var svg = null;
  var layer = null;
  function drawView() {
    if (!state.scene) {
      view.innerHTML = "<p class='muted'>This measurement was stored without its images: " +
        "edit the landmarks through the API.</p>";
      return;
    }
    var e = state.scene.extent_mm;
    var w = e.anterior[1] - e.anterior[0];
    var h = e.superior[1] - e.superior[0];
    view.textContent = "";
    svg = el("svg", { viewBox: "0 0 " + w + " " + h, role: "group",
                      "aria-label": "Sagittal view of the spine with landmarks", "aria-describedby": "view-help" }, view);
    el("image", { href: "/measurements/" + KEY + "/background.png", x: 0, y: 0, width: w, height: h,
                  preserveAspectRatio: "none" }, svg);
    layer = el("g", {}, svg);
    drawLevels();
  }

  function drawLevels() {
    var focused = document.activeElement && document.activeElement.getAttribute &&
      document.activeElement.getAttribute("data-point") ?
      [document.activeElement.getAttribute("data-level"), document.activeElement.getAttribute("data-point")] : null;
    layer.textContent = "";
    state.doc.levels.forEach(function (item) {
      var f = frame(item.level);
      if (!f) { return; }
      var cls = gradeClass(item);
      var g = el("g", { "class": cls, "data-level": item.level }, layer);
      f.outline.forEach(function (line) {
        el("polyline", { "class": "outline " + cls,
                         points: line.map(function (p) { return toScreen(p).join(","); }).join(" ") }, g);
      });
      var anchor = toScreen(f.origin);
      var front = anchor[0];
      f.outline.forEach(function (line) {
        line.forEach(function (p) { front = Math.min(front, toScreen(p)[0]); });
      });
      var text = el("text", { x: front - 2, y: anchor[1] + 2, "text-anchor": "end", "class": "label " + cls }, g);
      text.textContent = item.level + (item.evaluable ? " · " + item.genant_grade : "");
      if (!item.evaluable || !item.landmarks_mm) { return; }
      SIDES.forEach(function (side) {
        var sup = toScreen(toAS(f, item.landmarks_mm[side + "_superior"]));
        var inf = toScreen(toAS(f, item.landmarks_mm[side + "_inferior"]));
        el("line", { x1: sup[0], y1: sup[1], x2: inf[0], y2: inf[1], "class": "height " + cls }, g);
      });
      POINTS.forEach(function (name) {
        var p = item.landmarks_mm[name];
        var s = toScreen(toAS(f, p));
        var c = el("circle", { cx: s[0], cy: s[1], r: 1.4, "class": "landmark " + cls, tabindex: 0,
                               role: "button", "data-level": item.level, "data-point": name,
                               "aria-label": item.level + " " + words(name) + " landmark at x " +
                                 fmt(p[0]) + " mm, y " + fmt(p[1]) + " mm" }, g);
        c.addEventListener("pointerdown", startDrag);
        c.addEventListener("keydown", onKey);
        if (focused && focused[0] === item.level && focused[1] === name) { c.focus(); }
      });
    });
  }

  function item(level) {
    return state.doc.levels.filter(function (i) { return i.level === level; })[0];
  }

  function move(level, point, xy) {
    var it = item(level);
    it.landmarks_mm[point] = xy;
    drawLevels();
  }

  var drag = null;
  function startDrag(event) {
    var c = event.currentTarget;
    drag = { level: c.getAttribute("data-level"), point: c.getAttribute("data-point") };
    c.focus();
    svg.setPointerCapture(event.pointerId);
    svg.addEventListener("pointermove", onDrag);
    svg.addEventListener("pointerup", endDrag);
    event.preventDefault();
  }
  function onDrag(event) {
    if (!drag) { return; }
    var pt = svg.createSVGPoint();
    pt.x = event.clientX;
    pt.y = event.clientY;
    var local = pt.matrixTransform(svg.getScreenCTM().inverse());
    move(drag.level, drag.point, fromScreen(frame(drag.level), [local.x, local.y]));
  }
  function endDrag(event) {
    if (!drag) { return; }
    onDrag(event);
    svg.releasePointerCapture(event.pointerId);
    svg.removeEventListener("pointermove", onDrag);
    svg.removeEventListener("pointerup", endDrag);
    var moved = drag;
    drag = null;
    recompute(moved.level);
  }

  function onKey(event) {
    var dx = { ArrowLeft: STEP_MM, ArrowRight: -STEP_MM }[event.key] || 0;  // anterior is left
    var dy = { ArrowUp: STEP_MM, ArrowDown: -STEP_MM }[event.key] || 0;
    if (!dx && !dy) { return; }
    event.preventDefault();
    var c = event.currentTarget;
    var level = c.getAttribute("data-level");
    var point = c.getAttribute("data-point");
    var p = item(level).landmarks_mm[point];
    move(level, point, [Math.round((p[0] + dx) * 10) / 10, Math.round((p[1] + dy) * 10) / 10]);
    recompute(level);
  }

  // --- recomputation by the core on the server ---
  function recompute(level) {
    state.pending = level;
    if (state.busy) { return; }
    state.busy = 1;
    var sent = JSON.parse(JSON.stringify(state.doc));
    post("/measurements/recompute", sent).then(function (answer) {
      state.busy = 0;
      if (answer.status !== 200) {
        say("Not recomputed: " + (answer.data.errors || []).join("; "));
        return;
      }
      var again = JSON.stringify(sent) !== JSON.stringify(state.doc);
      if (!again) {
        state.doc = answer.data;
        drawLevels();
        fillTable();
        var it = item(state.pending);
        say("Recomputed " + it.level + ": grade " + it.genant_grade + ", loss " + fmt(it.height_loss_pct) +
            " %, shape " + it.shape + ".");
      } else {
        recompute(state.pending);
      }
    }, function () { state.busy = 0; say("Not recomputed: the server did not answer."); });
  }

  // --- the table of levels and the reader's decisions ---
  function cell(row, text, cls) {
    var td = document.createElement("td");
    td.textContent = text;
    if (cls) { td.className = cls; }
    row.appendChild(td);
    return td;
  }

  // a table cell holding a control with a label for screen readers
  function labelled(row, tag, id, text) {
    var td = document.createElement("td");
    var label = document.createElement("label");
    label.className = "sr-only";
    label.setAttribute("for", id);
    label.textContent = text;
    var control = document.createElement(tag);
    control.id = id;
    control.disabled = !CAN_SAVE;
    td.appendChild(label);
    td.appendChild(control);
    row.appendChild(td);
    return control;
  }

  function buildTable() {
    tbody.textContent = "";
    state.doc.levels.forEach(function (it) {
      var row = document.createElement("tr");
      row.id = "row-" + it.level;
      var th = document.createElement("th");
      th.scope = "row";
      th.textContent = it.level;
      row.appendChild(th);
      if (!it.evaluable) {
        var td = cell(row, "not evaluable: " + it.reason);
        td.colSpan = 7;
        tbody.appendChild(row);
        return;
      }
      ["heights", "loss", "grade", "shape", "m2"].forEach(function (name) {
        cell(row, "", name === "grade" ? "grade-cell" : "").id = name + "-" + it.level;
      });
      var select = labelled(row, "select", "decision-" + it.level,
                            "Decision on the grade of " + it.level);
      [["", "Not reviewed"], ["confirm", "Confirm"], ["0", "Override: grade 0"], ["1", "Override: grade 1"],
       ["2", "Override: grade 2"], ["3", "Override: grade 3"]].forEach(function (o) {
        var option = document.createElement("option");
        option.value = o[0];
        option.textContent = o[1];
        select.appendChild(option);
      });
      var reason = labelled(row, "input", "reason-" + it.level,
                            "Reason for the decision on " + it.level);
      reason.type = "text";
      reason.maxLength = 500;
      var d = state.decisions[it.level];
      if (d) {
        select.value = d.action === "confirm" ? "confirm" : String(d.genant_grade);
        reason.value = d.reason || "";
      }
      tbody.appendChild(row);
    });
    fillTable();
  }

  function fillTable() {
    state.doc.levels.forEach(function (it) {
      if (!it.evaluable) { return; }
      var h = it.heights_mm;
      document.getElementById("heights-" + it.level).textContent =
        fmt(h.anterior) + " · " + fmt(h.middle) + " · " + fmt(h.posterior);
      document.getElementById("loss-" + it.level).textContent = fmt(it.height_loss_pct);
      var grade = document.getElementById("grade-" + it.level);
      grade.textContent = String(it.genant_grade);
      grade.className = "grade-cell " + gradeClass(it);
      document.getElementById("shape-" + it.level).textContent = it.shape;
      document.getElementById("m2-" + it.level).textContent =
        fmt(it.grading ? it.grading.rulebook_height_loss_pct : null);
    });
  }

  function decisions() {
    var out = [];
    var problems = [];
    state.doc.levels.forEach(function (it) {
      if (!it.evaluable) { return; }
      var value = document.getElementById("decision-" + it.level).value;
      var reason = document.getElementById("reason-" + it.level).value.trim();
      if (!value) { return; }
      if (value === "confirm") {
        out.push({ level: it.level, action: "confirm", reason: reason });
      } else if (!reason) {
        problems.push(it.level);
      } else {
        out.push({ level: it.level, action: "override", genant_grade: Number(value), reason: reason });
      }
    });
    return { list: out, missing: problems };
  }

  function save(event) {
    event.preventDefault();
    var d = decisions();
    if (d.missing.length) {
      say("Give a reason to override the grade of " + d.missing.join(", ") + ".");
      document.getElementById("reason-" + d.missing[0]).focus();
      return;
    }
    say("Saving…");
    post("/measurements/" + KEY, { measurement: state.doc, decisions: d.list,
                                   base_version: state.review.version }).then(function (answer) {
      if (answer.status !== 200) {
        say("Not saved: " + (answer.data.errors || []).join("; "));
        return;
      }
      state.review = answer.data;
      state.doc = answer.data.measurement;
      document.getElementById("review-version").textContent = String(answer.data.version);
      document.getElementById("review-state").textContent = answer.data.status;
      drawLevels();
      fillTable();
      say("Saved as version " + answer.data.version + ".");
    }, function () { say("Not saved: the server did not answer."); });
  }

  fetch("/measurements/" + KEY + "/review.json", { credentials: "same-origin" })
    .then(function (response) { return response.json(); })
    .then(function (data) {
      state.review = data.review;
      state.doc = data.review.measurement;
      state.scene = data.scene;
      ((data.review.changes || {}).decisions || []).forEach(function (d) { state.decisions[d.level] = d; });
      drawView();
      buildTable();
      root.setAttribute("data-ready", "yes");
    }, function () { say("The measurement could not be loaded."); });
  var form = document.getElementById("review-form");
  if (form) { form.addEventListener("submit", save); }
}());
