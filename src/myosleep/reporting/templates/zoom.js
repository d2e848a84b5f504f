/* myosleep report: zoom along the example traces (the page reads the same without it). */
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  var MAX_ZOOM = 32;

  function seconds(s) {
    if (s >= 1) { return (Math.round(s * 100) / 100) + " s"; }
    return (Math.round(s * 10000) / 10) + " ms";
  }

  function button(text, title) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = text;
    b.title = title;
    return b;
  }

  function setUp(fig) {
    var svg = fig.querySelector("svg");
    var x0 = parseFloat(fig.getAttribute("data-x0"));
    var x1 = parseFloat(fig.getAttribute("data-x1"));
    var bar = parseFloat(fig.getAttribute("data-tbar-s"));
    var event = parseFloat(fig.getAttribute("data-event-f"));
    if (!svg || !(x1 > x0) || !(bar > 0)) { return; }
    var width = x1 - x0;
    var layers = [];
    svg.querySelectorAll('g[id*="-zoomable"]').forEach(function (g) {
      // the group keeps its clip; its content is stretched along time (strokes do not scale)
      var inner = document.createElementNS(NS, "g");
      while (g.firstChild) { inner.appendChild(g.firstChild); }
      g.appendChild(inner);
      layers.push(inner);
    });
    var label = svg.querySelector('[id$="-tbar-label"]');
    var view = { a: 0, b: 1 };
    var tools = document.createElement("div");
    tools.className = "zoom-tools";
    var out = button("\u2212", "zoom out");
    var inn = button("+", "zoom in (or Ctrl + wheel over the traces)");
    var reset = button("reset", "whole window (or double-click the traces)");
    var state = document.createElement("span");
    state.className = "zoom-state";
    tools.appendChild(document.createTextNode("zoom along time: "));
    [out, inn, reset, state].forEach(function (el) { tools.appendChild(el); });
    fig.insertBefore(tools, fig.querySelector("figcaption"));

    function apply() {
      var k = 1 / (view.b - view.a);
      var tx = x0 - x0 * k - view.a * width * k;
      layers.forEach(function (layer) {
        layer.setAttribute("transform", "translate(" + tx.toFixed(3) + " 0) scale(" + k.toFixed(5) + " 1)");
      });
      if (label) { label.textContent = seconds(bar / k); }
      var zoomed = k > 1.0001;
      state.textContent = zoomed ? "\u00d7" + k.toFixed(1) + " \u2014 drag to move along the trace" : "";
      fig.classList.toggle("zoomed", zoomed);
    }

    function zoom(factor, anchor) {
      // anchor (a fraction of the window) stays under the pointer; the buttons centre the event
      // while it is in view, else the middle of the view.
      var span = view.b - view.a;
      var next = Math.min(1, Math.max(1 / MAX_ZOOM, span / factor));
      var a;
      if (anchor !== undefined) {
        a = anchor - (anchor - view.a) * next / span;
      } else {
        var c = (event >= view.a && event <= view.b) ? event : (view.a + view.b) / 2;
        a = c - next / 2;
      }
      a = Math.min(Math.max(0, a), 1 - next);
      view = { a: a, b: a + next };
      apply();
    }

    function fraction(evt) {
      var box = svg.getBoundingClientRect();
      var vb = svg.viewBox.baseVal;
      var x = (evt.clientX - box.left) * vb.width / box.width;
      var f = (x - x0) / width;
      return view.a + Math.min(1, Math.max(0, f)) * (view.b - view.a);
    }

    out.addEventListener("click", function () { zoom(0.5); });
    inn.addEventListener("click", function () { zoom(2); });
    reset.addEventListener("click", function () { view = { a: 0, b: 1 }; apply(); });
    svg.addEventListener("dblclick", function () { view = { a: 0, b: 1 }; apply(); });
    svg.addEventListener("wheel", function (evt) {
      if (!(evt.ctrlKey || evt.metaKey)) { return; }
      evt.preventDefault();
      zoom(evt.deltaY < 0 ? 1.5 : 1 / 1.5, fraction(evt));
    }, { passive: false });
    var drag = null;
    svg.addEventListener("pointerdown", function (evt) {
      if (view.b - view.a >= 1) { return; }
      drag = { x: evt.clientX, a: view.a };
      svg.setPointerCapture(evt.pointerId);
    });
    svg.addEventListener("pointermove", function (evt) {
      if (!drag) { return; }
      var box = svg.getBoundingClientRect();
      var vb = svg.viewBox.baseVal;
      var dx = (evt.clientX - drag.x) * vb.width / box.width / width * (view.b - view.a);
      var span = view.b - view.a;
      var a = Math.min(Math.max(0, drag.a - dx), 1 - span);
      view = { a: a, b: a + span };
      apply();
    });
    svg.addEventListener("pointerup", function () { drag = null; });
    svg.addEventListener("pointercancel", function () { drag = null; });
    fig.classList.add("zoom-ready");
  }

  document.querySelectorAll("figure.zoomable").forEach(setUp);
  document.body.setAttribute("data-zoom", "ready");
})();
