// The night at a glance: the hypnogram above one raster row per event class (as in report.html),
// drawn with uPlot; the rows follow the reviewed classes, rejected events get their own row.
// Clicking selects the nearest event.

import { hoursMinutes, num } from "./format.js";

const STAGE_ROWS = { W: 4, R: 3, N1: 2, N2: 1, N3: 0 };
const STAGE_NAMES = ["N3", "N2", "N1", "R", "W"];
const AXIS_WIDTH = 190;  // y-axis room, the same on both charts so their time axes line up
const ROW_H = 17;
const PAD_RIGHT = 28;  // room for the last hour label, the same on both charts
const HOUR_INCRS = [60, 300, 600, 900, 1800, 3600, 7200, 10800];

function timeAxis(show) {
  return {
    show, scale: "x", incrs: HOUR_INCRS, space: 60, size: show ? 36 : 0,
    values: (u, splits) => splits.map((v) => (show ? hoursMinutes(v) : "")),
    label: show ? "time from recording start (h:mm)" : undefined, labelSize: show ? 16 : 0,
    grid: { stroke: "#eee", width: 1 }, ticks: { show },
  };
}

export class Overview {
  constructor(hypnoEl, rasterEl, { duration, hypnogram, classes, onPick }) {
    this.duration = duration;
    this.classes = classes;
    this.onPick = onPick;
    this.rows = [];
    this.events = [];
    this.selected = null;
    this.hypnoEl = hypnoEl;
    this.rasterEl = rasterEl;
    this.hypno = hypnogram ? this._makeHypnogram(hypnogram) : null;
    this.raster = null;
  }

  width() {
    return Math.max(480, this.rasterEl.parentElement.clientWidth - 24);
  }

  _makeHypnogram(h) {
    const xs = [], ys = [], rem = [];
    h.stages.forEach((label, i) => {
      const row = STAGE_ROWS[label];
      xs.push(h.start_s + i * h.epoch_s);
      ys.push(row === undefined ? null : row);
      rem.push(label === "R" ? row : null);
    });
    xs.push(h.start_s + h.stages.length * h.epoch_s);
    ys.push(ys.length ? ys[ys.length - 1] : null);
    rem.push(rem.length ? rem[rem.length - 1] : null);
    const stepped = uPlot.paths.stepped({ align: 1 });
    const opts = {
      width: this.width(), height: 112, legend: { show: false }, padding: [8, PAD_RIGHT, 0, 0],
      cursor: { y: false, drag: { x: false, y: false }, points: { show: false } },
      scales: { x: { time: false, range: () => [0, this.duration] }, y: { range: () => [-0.5, 4.5] } },
      axes: [timeAxis(false), {
        scale: "y", size: AXIS_WIDTH - 20, label: "stage", labelSize: 20, splits: () => [0, 1, 2, 3, 4],
        values: (u, splits) => splits.map((v) => STAGE_NAMES[v] ?? ""), grid: { stroke: "#f0f0f0" },
      }],
      series: [{}, { stroke: "#333", width: 1.3, paths: stepped, points: { show: false } },
               { stroke: "#CC79A7", width: 4, paths: stepped, points: { show: false } }],
      hooks: { draw: [(u) => this._drawSelected(u)] },
    };
    const chart = new uPlot(opts, [xs, ys, rem], this.hypnoEl);
    chart.over.addEventListener("click", (e) => this._pick(chart.posToVal(e.offsetX, "x"), null));
    return chart;
  }

  /** Redraw with the current events (rows of the reviewed table). */
  update(events) {
    this.events = events;
    const present = new Set(events.filter((e) => e.status !== "rejected").map((e) => e.trial_type));
    const rows = this.classes.filter((c) => present.has(c.value)).map((c) => ({ key: c.value, title: c.title, colour: c.colour }));
    if (events.some((e) => e.status === "rejected")) rows.push({ key: "rejected", title: "rejected", colour: "#aaaaaa" });
    const same = rows.length === this.rows.length && rows.every((r, i) => r.key === this.rows[i].key);
    this.rows = rows;
    if (this.raster && same) {
      this.raster.redraw(false, false);
      return;
    }
    if (this.raster) this.raster.destroy();
    const n = Math.max(rows.length, 1);
    const opts = {
      width: this.width(), height: n * ROW_H + 62, legend: { show: false }, padding: [4, PAD_RIGHT, 0, 0],
      cursor: { y: false, drag: { x: false, y: false }, points: { show: false } },
      scales: { x: { time: false, range: () => [0, this.duration] }, y: { range: () => [-0.5, n - 0.5] } },
      axes: [timeAxis(true), {
        scale: "y", size: AXIS_WIDTH - 20, label: "events", labelSize: 20,
        splits: () => rows.map((_, i) => i), values: (u, splits) => splits.map((v) => rows[n - 1 - v]?.title ?? ""),
        grid: { show: false }, ticks: { show: false },
      }],
      series: [{}, { stroke: "transparent", points: { show: false } }],
      hooks: { draw: [(u) => this._drawTicks(u), (u) => this._drawSelected(u)] },
    };
    this.raster = new uPlot(opts, [[0, this.duration], [null, null]], this.rasterEl);
    this.raster.over.addEventListener("click", (e) => {
      const rowIdx = n - 1 - Math.round(this.raster.posToVal(e.offsetY, "y"));
      this._pick(this.raster.posToVal(e.offsetX, "x"), rows[rowIdx]?.key ?? null);
    });
  }

  select(event) {
    this.selected = event;
    if (this.hypno) this.hypno.redraw(false, false);
    if (this.raster) this.raster.redraw(false, false);
  }

  resize() {
    const w = this.width();
    if (this.hypno) this.hypno.setSize({ width: w, height: this.hypno.height });
    if (this.raster) this.raster.setSize({ width: w, height: this.raster.height });
  }

  _rowOf(e) {
    const key = e.status === "rejected" ? "rejected" : e.trial_type;
    const i = this.rows.findIndex((r) => r.key === key);
    return i < 0 ? null : this.rows.length - 1 - i;
  }

  _drawTicks(u) {
    const ctx = u.ctx;
    const half = (u.valToPos(0, "y", true) - u.valToPos(1, "y", true)) * 0.36;
    ctx.save();
    ctx.lineWidth = Math.max(1, devicePixelRatio);
    const byRow = new Map();
    for (const e of this.events) {
      const row = this._rowOf(e);
      if (row === null) continue;
      if (!byRow.has(row)) byRow.set(row, []);
      byRow.get(row).push(num(e.onset));
    }
    for (const [row, onsets] of byRow) {
      const key = this.rows[this.rows.length - 1 - row];
      ctx.strokeStyle = key.colour;
      ctx.beginPath();
      const y = u.valToPos(row, "y", true);
      for (const t of onsets) {
        const x = Math.round(u.valToPos(t, "x", true)) + 0.5;
        ctx.moveTo(x, y - half);
        ctx.lineTo(x, y + half);
      }
      ctx.stroke();
    }
    ctx.restore();
  }

  _drawSelected(u) {
    if (!this.selected) return;
    const x = Math.round(u.valToPos(num(this.selected.onset), "x", true)) + 0.5;
    const ctx = u.ctx;
    ctx.save();
    ctx.strokeStyle = "rgba(200, 40, 40, 0.85)";
    ctx.lineWidth = 2 * devicePixelRatio;
    ctx.beginPath();
    ctx.moveTo(x, u.bbox.top);
    ctx.lineTo(x, u.bbox.top + u.bbox.height);
    ctx.stroke();
    ctx.restore();
  }

  _pick(t, rowKey) {
    let best = null, bestD = Infinity;
    for (const e of this.events) {
      if (rowKey !== null && (e.status === "rejected" ? "rejected" : e.trial_type) !== rowKey) continue;
      const d = Math.abs(num(e.onset) - t);
      if (d < bestD) { bestD = d; best = e; }
    }
    if (best) this.onPick(best);
  }
}
