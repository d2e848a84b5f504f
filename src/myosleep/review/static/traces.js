// The selected event in its signals: one uPlot chart per channel, stacked, sharing the time axis.
// The event is shaded in its class colour, other events of the window are outlined. Dragging
// across a trace marks a span (onset to offset) for a missed event.

import { clock, listItems, num } from "./format.js";

const AXIS_WIDTH = 96;
const TRACE_H = 110;

function rgba(hex, alpha) {
  const v = parseInt(hex.slice(1), 16);
  return `rgba(${(v >> 16) & 255}, ${(v >> 8) & 255}, ${v & 255}, ${alpha})`;
}

function niceTicks(span) {
  // increments for the time axis, in seconds
  return [0.05, 0.1, 0.2, 0.25, 0.5, 1, 2, 5, 10, 15, 30, 60].filter((d) => d >= span / 40);
}

export class Traces {
  constructor(container, { colours, onMark }) {
    this.container = container;
    this.colours = colours;
    this.onMark = onMark;
    this.charts = [];
    this.window = null;
    this.event = null;
    this.others = [];
    this.dragLabel = null;
  }

  width() {
    return Math.max(360, this.container.clientWidth);
  }

  clear() {
    for (const c of this.charts) c.destroy();
    this.charts = [];
    this.container.replaceChildren();
  }

  /** Draw a window (the /api/window answer) around ``event``; ``others`` are events overlapping it. */
  render(win, event, others) {
    this.clear();
    this.window = win;
    this.event = event;
    this.others = others;
    const [t0, t1] = [win.start_s, win.stop_s];
    const syncKey = `traces-${Math.random().toString(36).slice(2)}`;
    // Filtered channels of one role (both legs, both EOGs...) share one sensitivity, so that their
    // amplitudes compare at a glance, as on a PSG montage.
    const roleMax = new Map();
    for (const ch of win.channels) {
      const m = ch.y.reduce((a, v) => (v === null ? a : Math.max(a, Math.abs(v))), 0);
      roleMax.set(ch.role, Math.max(roleMax.get(ch.role) ?? 0, m));
    }
    win.channels.forEach((ch, i) => {
      const last = i === win.channels.length - 1;
      const xs = new Float64Array(ch.y.length);
      for (let k = 0; k < ch.y.length; k++) {
        xs[k] = ch.minmax ? ch.t0_s + Math.floor(k / 2) * ch.dt_s + (k % 2) * ch.dt_s / 2 : ch.t0_s + k * ch.dt_s;
      }
      const unit = ch.unit === "uV" ? "µV" : ch.unit;
      const holder = document.createElement("div");
      holder.className = "trace";
      holder.dataset.label = ch.label;
      this.container.append(holder);
      const filtered = ch.band_hz !== null;
      const opts = {
        width: this.width(), height: TRACE_H + (last ? 44 : 0), legend: { show: false },
        cursor: { y: false, drag: { x: true, y: false, setScale: false, dist: 3 }, sync: { key: syncKey },
                  points: { show: false } },
        scales: {
          x: { time: false, range: () => [t0, t1] },
          y: {
            range: (u, min, max) => {
              if (!Number.isFinite(min) || !Number.isFinite(max)) return [-10, 10];
              if (filtered) {
                const m = Math.max(roleMax.get(ch.role) ?? 0, Math.abs(min), Math.abs(max), 5) * 1.08;
                return [-m, m];
              }
              const pad = Math.max((max - min) * 0.05, 2.5);
              return [min - pad, max + pad];
            },
          },
        },
        axes: [{
          scale: "x", incrs: niceTicks(t1 - t0), space: 70, size: last ? 28 : 4,
          values: (u, splits, axisIdx, space, incr) => splits.map((v) => (last ? clock(v, incr >= 1 ? 0 : incr >= 0.1 ? 1 : 2) : "")),
          label: last ? "time from recording start (h:mm:ss)" : undefined, labelSize: last ? 16 : 0,
          grid: { stroke: "#ececec" }, ticks: { show: last },
        }, {
          scale: "y", size: AXIS_WIDTH - 22, space: 18, label: `${ch.label} (${unit})`, labelSize: 22,
          labelFont: "600 12px system-ui, sans-serif", grid: { stroke: "#f2f2f2" },
        }],
        series: [{}, { stroke: "#1a1a1a", width: 1, points: { show: false } }],
        hooks: {
          drawClear: [(u) => this._shade(u, ch.label)],
          setSelect: [(u) => this._selected(u, ch.label)],
        },
      };
      // null (a gap of the recording) must stay null for uPlot to leave it blank: no Float64Array then
      const ys = ch.y.includes(null) ? ch.y : Float64Array.from(ch.y);
      const chart = new uPlot(opts, [xs, ys], holder);
      // The selection is mirrored on every trace (synced cursors); the channel is the one dragged on.
      chart.over.addEventListener("mousedown", () => { this.dragLabel = ch.label; });
      this.charts.push(chart);
    });
    this.container.dataset.startS = String(t0);
    this.container.dataset.stopS = String(t1);
  }

  resize() {
    const w = this.width();
    for (const c of this.charts) c.setSize({ width: w, height: c.height });
  }

  clearSelection() {
    for (const c of this.charts) c.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
  }

  _shade(u, label) {
    u.ctx.save();
    for (const e of this.others) this._span(u, e, label, rgba(this.colours[e.trial_type] ?? "#777777", 0.07), false);
    if (this.event) this._span(u, this.event, label, rgba(this.colours[this.event.trial_type] ?? "#777777", 0.22), true);
    u.ctx.restore();
  }

  _span(u, e, label, fill, edges) {
    const on = num(e.onset), off = on + num(e.duration);
    const x0 = u.valToPos(on, "x", true), x1 = Math.max(u.valToPos(off, "x", true), x0 + 2);
    const ctx = u.ctx;
    const { top, height } = u.bbox;
    const own = listItems(e.channel).includes(label);
    ctx.fillStyle = fill;
    ctx.fillRect(x0, top, x1 - x0, height);
    if (edges) {
      ctx.strokeStyle = own ? "rgba(200, 40, 40, 0.9)" : "rgba(200, 40, 40, 0.35)";
      ctx.lineWidth = devicePixelRatio;
      ctx.setLineDash([4 * devicePixelRatio, 3 * devicePixelRatio]);
      ctx.beginPath();
      ctx.moveTo(Math.round(x0) + 0.5, top);
      ctx.lineTo(Math.round(x0) + 0.5, top + height);
      ctx.moveTo(Math.round(x1) + 0.5, top);
      ctx.lineTo(Math.round(x1) + 0.5, top + height);
      ctx.stroke();
      ctx.setLineDash([]);
    }
  }

  _selected(u, label) {
    const { left, width } = u.select;
    if (width < 2 || label !== this.dragLabel) return;
    const on = u.posToVal(left, "x"), off = u.posToVal(left + width, "x");
    this.onMark({ onset: on, offset: off, label });
  }
}
