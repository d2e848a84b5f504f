// The review page: the event list, the selected event in its signals, the reviewer's actions and
// keyboard shortcuts. Every change is sent at once; the server saves it before answering.

import { ApiError, getJSON, postJSON } from "./api.js";
import { clock, columnLabel, el, listItems, num } from "./format.js";
import { Overview } from "./overview.js";
import { Traces } from "./traces.js";

const SPANS_S = [2, 5, 10, 20, 30, 60, 120];
const ROLE_ORDER = ["eeg", "eog", "chin", "arm", "axial", "leg", "ecg", "other", "accelerometer"];
const EMG_ROLES = new Set(["chin", "leg", "arm", "axial"]);
const STATUSES = ["unreviewed", "accepted", "rejected", "relabelled", "added"];
// Shown in the title and the list; every other column of events.tsv is listed under "numbers".
const HIDDEN_COLUMNS = new Set(["trial_type", "rule", "review_id", "status", "original_trial_type", "reviewer",
                                "reviewed_utc"]);

const $ = (id) => document.getElementById(id);

const state = {
  session: null,
  rows: [],            // reviewed table, onset order
  counts: {},
  current: null,       // review_id
  spanS: 10,
  panS: 0,
  classes: new Map(),  // value -> {value, title, colour, criteria}
  channels: new Map(), // label -> channel
  winRequest: 0,
  winAbort: null,
  wantedPosition: null,
  savedPosition: null,
  positionBusy: false,
  mark: null,          // {onset, offset, label} while the add form is open
};

let overview = null;
let traces = null;

// ------------------------------------------------------------------ status line
function say(text, isError = false) {
  const s = $("status");
  s.textContent = text;
  s.classList.toggle("error", isError);
}

function failed(err) {
  if (err && err.name === "AbortError") return;
  say(err instanceof ApiError ? `Not saved: ${err.message}` : `Error: ${err.message ?? err}`, true);
}

// ------------------------------------------------------------------ rows
const byId = (rid) => state.rows.find((r) => r.review_id === rid) ?? null;
const currentRow = () => byId(state.current);

function sortRows() {
  state.rows.sort((a, b) => num(a.onset) - num(b.onset) || num(a.duration) - num(b.duration));
}

function visibleRows() {
  const cls = $("filter-class").value, status = $("filter-status").value;
  return state.rows.filter((r) => (!cls || r.trial_type === cls) && (!status || r.status === status));
}

function classTitle(value) {
  return state.classes.get(value)?.title ?? value;
}

function renderList() {
  const tbody = $("events").tBodies[0];
  const frag = document.createDocumentFragment();
  const visible = new Set(visibleRows().map((r) => r.review_id));
  state.rows.forEach((r, i) => {
    const tr = el("tr");
    tr.dataset.id = r.review_id;
    fillRow(tr, r, i + 1);
    tr.hidden = !visible.has(r.review_id);
    tr.addEventListener("click", () => select(r.review_id));
    frag.append(tr);
  });
  tbody.replaceChildren(frag);
  $("list-count").textContent = `${visible.size} shown`;
  markSelected();
}

function fillRow(tr, r, n) {
  tr.dataset.status = r.status;
  tr.dataset.cls = r.trial_type;
  const swatch = el("span", { cls: "swatch" });
  swatch.style.background = state.classes.get(r.trial_type)?.colour ?? "#777";
  const cls = el("td", { cls: "cls" }, [swatch, document.createTextNode(classTitle(r.trial_type))]);
  tr.replaceChildren(
    el("td", { text: n }), el("td", { text: clock(num(r.onset)) }), cls, el("td", { text: r.stage ?? "n/a" }),
    el("td", { cls: "ch", text: listItems(r.channel).join(", "), title: listItems(r.channel).join(", ") }),
    el("td", {}, [el("span", { cls: `status ${r.status}`, text: r.status })]),
  );
}

function replaceRow(row) {
  const i = state.rows.findIndex((r) => r.review_id === row.review_id);
  if (i < 0) {
    state.rows.push(row);
    sortRows();
    renderList();
  } else {
    state.rows[i] = row;
    const tr = $("events").querySelector(`tr[data-id="${CSS.escape(row.review_id)}"]`);
    if (tr) fillRow(tr, row, i + 1);
  }
  overview.update(state.rows);
  showProgress();
}

function markSelected() {
  for (const tr of $("events").querySelectorAll("tr.sel")) tr.classList.remove("sel");
  if (!state.current) return;
  const tr = $("events").querySelector(`tr[data-id="${CSS.escape(state.current)}"]`);
  if (tr) {
    tr.classList.add("sel");
    tr.scrollIntoView({ block: "nearest" });
  }
}

function showProgress() {
  const c = state.counts;
  const total = STATUSES.reduce((s, k) => s + (c[k] ?? 0), 0);
  const parts = STATUSES.filter((k) => k !== "unreviewed" && c[k]).map((k) => `${k} ${c[k]}`);
  $("progress").textContent = `${total - (c.unreviewed ?? 0)} of ${total} reviewed` +
    (parts.length ? ` · ${parts.join(" · ")}` : "");
}

// ------------------------------------------------------------------ selection
function select(rid, { keepPan = false } = {}) {
  const row = byId(rid);
  if (!row) return;
  state.current = rid;
  if (!keepPan) state.panS = 0;
  closeAddForm();
  markSelected();
  showDetails(row);
  overview.select(row);
  loadWindow();
  savePosition(rid);
}

// The selected event is saved at once (one request at a time, the latest wins), so that reopening
// the review resumes there; keepalive lets the last request finish when the page is closed.
function savePosition(rid) {
  state.wantedPosition = rid;
  if (state.positionBusy) return;
  state.positionBusy = true;
  (async () => {
    while (state.savedPosition !== state.wantedPosition) {
      const next = state.wantedPosition;
      await postJSON("api/position", { review_id: next }, { keepalive: true });
      state.savedPosition = next;
    }
  })().catch(failed).finally(() => { state.positionBusy = false; });
}

function step(delta, predicate = () => true) {
  const rows = visibleRows();
  if (!rows.length) return;
  let i = rows.findIndex((r) => r.review_id === state.current);
  if (i < 0) {
    const cur = currentRow();
    i = cur ? rows.findIndex((r) => num(r.onset) >= num(cur.onset)) - (delta > 0 ? 1 : 0) : -1;
  }
  for (let j = i + delta; j >= 0 && j < rows.length; j += delta) {
    if (predicate(rows[j])) {
      select(rows[j].review_id);
      return;
    }
  }
}

function showDetails(row) {
  const cls = state.classes.get(row.trial_type);
  const title = [classTitle(row.trial_type), clock(num(row.onset), 2), row.stage ? `stage ${row.stage}` : null,
                 row.status].filter(Boolean).join(" · ");
  $("event-title").textContent = title;
  $("relabel-class").value = row.trial_type;
  const rule = row.rule && row.rule !== "n/a" ? `Why this class: ${row.rule}` :
    row.status === "added" || row.review_id.startsWith("a") ? `Added by ${row.reviewer}` : "";
  $("event-rule").textContent = rule;
  $("event-criteria").textContent = cls?.criteria ? `${cls.title} (${state.session.ruleset.name}): ${cls.criteria}` : "";
  const items = [["onset (h:mm:ss)", clock(num(row.onset), 3)]];
  for (const col of state.session.event_columns) {
    if (HIDDEN_COLUMNS.has(col)) continue;
    if (row.review_id.startsWith("a") && row[col] === "n/a") continue;  // added: only what the reviewer marked
    items.push([columnLabel(col), row[col]]);
  }
  if (row.status === "relabelled") items.push(["detected class", classTitle(row.original_trial_type)]);
  if (row.reviewer && row.reviewer !== "n/a") items.push(["reviewed by", `${row.reviewer}, ${row.reviewed_utc}`]);
  $("event-numbers").replaceChildren(...items.flatMap(([k, v]) => [el("dt", { text: k }), el("dd", { text: v })]));
}

// ------------------------------------------------------------------ traces
function channelsFor(row) {
  const chosen = new Set();
  const all = [...state.channels.values()].filter((c) => c.readable);
  if ($("opt-all-emg").checked) all.filter((c) => EMG_ROLES.has(c.role)).forEach((c) => chosen.add(c.label));
  for (const label of listItems(row.channel)) if (state.channels.has(label)) chosen.add(label);
  for (const role of state.session.rule_roles[row.trial_type] ?? []) {
    all.filter((c) => c.role === role).forEach((c) => chosen.add(c.label));
  }
  const eeg = $("opt-eeg").value;
  if (eeg && state.channels.has(eeg)) chosen.add(eeg);
  const rank = (label) => {
    const i = ROLE_ORDER.indexOf(state.channels.get(label).role);
    return i < 0 ? ROLE_ORDER.length : i;
  };
  const order = [...state.channels.keys()];
  return [...chosen].sort((a, b) => rank(a) - rank(b) || order.indexOf(a) - order.indexOf(b));
}

function windowBounds(row) {
  const dur = state.session.recording.duration_s;
  const span = Math.min(state.spanS, dur);
  const centre = num(row.onset) + num(row.duration) / 2 + state.panS;
  let start = Math.max(0, centre - span / 2);
  const stop = Math.min(dur, start + span);
  start = Math.max(0, stop - span);
  return [start, stop];
}

async function loadWindow() {
  const row = currentRow();
  if (!row) return;
  const my = ++state.winRequest;
  if (state.winAbort) state.winAbort.abort();
  state.winAbort = new AbortController();
  const [start, stop] = windowBounds(row);
  $("window-span").textContent = `${state.spanS} s`;
  const labels = channelsFor(row);
  const params = [["start_s", start.toFixed(4)], ["stop_s", stop.toFixed(4)],
                  ["filter", $("opt-filter").checked ? 1 : 0], ...labels.map((l) => ["channel", l])];
  $("traces").dataset.loading = "1";
  try {
    const win = await getJSON("api/window", params, state.winAbort.signal);
    if (my !== state.winRequest) return;
    const others = state.rows.filter((r) => r.review_id !== row.review_id && r.status !== "rejected" &&
      num(r.onset) < win.stop_s && num(r.onset) + num(r.duration) > win.start_s);
    traces.render(win, row, others);
    $("traces").dataset.event = row.review_id;
    delete $("traces").dataset.loading;
    document.body.dataset.state = "ready";
  } catch (err) {
    failed(err);
  }
}

// ------------------------------------------------------------------ actions
async function act(action, trialType = undefined) {
  const row = currentRow();
  if (!row) return;
  try {
    const res = await postJSON(`api/events/${encodeURIComponent(row.review_id)}`, { action, trial_type: trialType });
    state.counts = res.counts;
    replaceRow(res.row);
    say(`Saved: ${action} ${classTitle(res.row.trial_type)} at ${clock(num(res.row.onset))} (${res.row.status})`);
    if (state.current === res.row.review_id) {
      showDetails(res.row);
      overview.select(res.row);
      traces.event = res.row;
      traces.charts.forEach((c) => c.redraw(false, false));
    }
    if (action === "accept" || action === "reject") step(+1);
  } catch (err) {
    failed(err);
  }
}

function openAddForm(mark) {
  const on = Math.max(0, Math.min(mark.onset, mark.offset));
  const off = Math.max(mark.onset, mark.offset);
  state.mark = { onset: on, offset: off, label: mark.label };
  $("add-span").textContent = `${clock(on, 2)} – ${clock(off, 2)} (${(off - on).toFixed(2)} s)`;
  const boxes = traces.window.channels.map((ch) => {
    const box = el("input", { attrs: { type: "checkbox", value: ch.label } });
    box.checked = ch.label === mark.label;
    return el("label", {}, [box, document.createTextNode(` ${ch.label}`)]);
  });
  $("add-channels").replaceChildren(...boxes);
  const role = state.channels.get(mark.label)?.role;
  $("add-class").value = role === "leg" ? "leg_movement" : "myoclonic_jerk";
  $("add-form").hidden = false;
}

function closeAddForm() {
  state.mark = null;
  $("add-form").hidden = true;
  if (traces) traces.clearSelection();
}

async function submitAdd() {
  const mark = state.mark;
  if (!mark) return;
  const channels = [...$("add-channels").querySelectorAll("input:checked")].map((b) => b.value);
  if (!channels.length) {
    say("Tick the channel(s) the event is seen on.", true);
    return;
  }
  try {
    const res = await postJSON("api/events", {
      onset_s: Number(mark.onset.toFixed(4)), duration_s: Number((mark.offset - mark.onset).toFixed(4)),
      trial_type: $("add-class").value, channels,
    });
    state.counts = res.counts;
    replaceRow(res.row);
    say(`Saved: added ${classTitle(res.row.trial_type)} at ${clock(num(res.row.onset))}`);
    select(res.row.review_id, { keepPan: true });
  } catch (err) {
    failed(err);
  }
}

function zoom(direction) {
  let i = SPANS_S.indexOf(state.spanS);
  if (i < 0) i = SPANS_S.indexOf(10);
  const j = Math.max(0, Math.min(SPANS_S.length - 1, i + direction));
  if (j === i) return;
  state.spanS = SPANS_S[j];
  loadWindow();
}

function pan(direction) {
  state.panS += direction * state.spanS * 0.4;
  loadWindow();
}

const PRESENT_TEXT = { true: "present", false: "absent", null: "cannot be assessed" };

function presentText(value) {
  return PRESENT_TEXT[value === true ? "true" : value === false ? "false" : "null"];
}

/** The findings of the reviewed events (POST api/recompute: analyze --events-from into DIR/reviewed). */
function showRecomputed(res) {
  const out = $("recompute-result");
  const review = res.review ?? {};
  const counts = Object.entries(review.counts ?? {}).map(([status, n]) => `${n} ${status}`).join(", ");
  const who = (review.reviewers ?? []).join(", ") || "nobody yet";
  const head = el("p", { cls: "recompute-head" }, [
    el("b", { text: "Findings of the reviewed events" }),
    el("span", { text: ` · ${String(res.ruleset?.name ?? "").toUpperCase()} rules · ${counts} · reviewed by ${who}` }),
  ]);
  head.dataset.ruleset = res.ruleset?.name ?? "";
  const rows = (res.findings ?? []).map((f) => {
    const state = presentText(f.present);
    const before = f.before ? presentText(f.before.present) : "";
    const tr = el("tr", {}, [
      el("td", { text: f.title }), el("td", { cls: `state ${state.replaceAll(" ", "-")}`, text: state }),
      el("td", { cls: "muted", text: before === state ? "same" : `was ${before}` }), el("td", { text: f.evidence }),
    ]);
    tr.dataset.code = f.code;
    tr.dataset.present = String(f.present);
    tr.dataset.changed = String(before !== state);
    return tr;
  });
  const table = el("table", { cls: "findings" }, [
    el("thead", {}, [el("tr", {}, ["finding", "now", "before review", "evidence"].map((t) => el("th", { text: t })))]),
    el("tbody", {}, rows),
  ]);
  const changed = Object.entries(res.counts ?? {}).filter(([, c]) => c.before !== c.after)
    .map(([cls, c]) => `${classTitle(cls)} ${c.before ?? 0} → ${c.after}`);
  const foot = el("p", { cls: "muted", text: `${changed.length ? `Events: ${changed.join(", ")}. ` : ""}`
    + `Written to ${(res.files ?? []).join(", ")}; the analysis' own files are unchanged.` });
  out.replaceChildren(head, table, foot);
  out.hidden = false;
}

async function recompute() {
  const button = $("btn-recompute");
  say("Recomputing the findings from the reviewed events…");
  button.disabled = true;
  try {
    const res = await postJSON("api/recompute", {});
    showRecomputed(res);
    say("Findings recomputed from the reviewed events.");
  } catch (err) {
    say(`Not recomputed: ${err.message ?? err}`, true);
  } finally {
    button.disabled = false;
  }
}

// ------------------------------------------------------------------ keyboard
function onKey(e) {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  const tag = e.target?.tagName;
  const inField = tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA";
  if (state.mark) {
    if (e.key === "Escape") { e.preventDefault(); closeAddForm(); return; }
    if (e.key === "Enter") { e.preventDefault(); submitAdd(); return; }
    if (/^[1-9]$/.test(e.key) && !inField) {
      const cls = state.session.classes[Number(e.key) - 1];
      if (cls) $("add-class").value = cls.value;
      e.preventDefault();
      return;
    }
  }
  if (inField && e.key !== "Escape") return;
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  const actions = {
    j: () => step(+1), ArrowDown: () => step(+1), k: () => step(-1), ArrowUp: () => step(-1),
    n: () => step(+1, (r) => r.status === "unreviewed"),
    a: () => act("accept"), r: () => act("reject"), u: () => act("reset"),
    ArrowLeft: () => pan(-1), ArrowRight: () => pan(+1),
    "+": () => zoom(-1), "=": () => zoom(-1), "-": () => zoom(+1),
    f: () => { $("opt-filter").checked = !$("opt-filter").checked; loadWindow(); },
    e: () => { $("opt-all-emg").checked = !$("opt-all-emg").checked; loadWindow(); },
    Escape: () => { if (inField) e.target.blur(); },
  };
  if (/^[1-9]$/.test(key)) {
    const cls = state.session.classes[Number(key) - 1];
    if (cls) act("relabel", cls.value);
    e.preventDefault();
    return;
  }
  if (actions[key]) {
    e.preventDefault();
    actions[key]();
  }
}

// ------------------------------------------------------------------ start
function fillSelect(select, options) {
  for (const [value, text] of options) select.append(el("option", { text, attrs: { value } }));
}

async function start() {
  const [session, events] = await Promise.all([getJSON("api/session"), getJSON("api/events")]);
  state.session = session;
  state.rows = events.rows;
  state.counts = events.counts;
  sortRows();
  session.classes.forEach((c) => state.classes.set(c.value, c));
  session.recording.channels.forEach((c) => state.channels.set(c.label, c));

  const numbered = session.classes.map((c, i) => [c.value, `${i + 1} ${c.title}`]);
  fillSelect($("filter-class"), session.classes.map((c) => [c.value, c.title]));
  fillSelect($("filter-status"), STATUSES.map((s) => [s, s]));
  fillSelect($("relabel-class"), numbered);
  fillSelect($("add-class"), numbered);
  const eegs = session.recording.channels.filter((c) => c.role === "eeg" && c.readable);
  const central = eegs.find((c) => /^c[34z]/i.test(c.label)) ?? eegs[0];
  fillSelect($("opt-eeg"), [["", "none"], ...eegs.map((c) => [c.label, c.label])]);
  $("opt-eeg").value = central ? central.label : "";

  $("hypnogram-note").textContent = session.hypnogram ? "" : `No hypnogram drawn: ${session.hypnogram_note}.`;
  if (session.notes.length) say(session.notes.join(" "));
  const colours = Object.fromEntries(session.classes.map((c) => [c.value, c.colour]));
  overview = new Overview($("hypnogram"), $("raster"), {
    duration: session.recording.duration_s, hypnogram: session.hypnogram, classes: session.classes,
    onPick: (row) => select(row.review_id),
  });
  overview.update(state.rows);
  traces = new Traces($("traces"), { colours, onMark: openAddForm });

  $("filter-class").addEventListener("change", renderList);
  $("filter-status").addEventListener("change", renderList);
  $("btn-accept").addEventListener("click", () => act("accept"));
  $("btn-reject").addEventListener("click", () => act("reject"));
  $("btn-reset").addEventListener("click", () => act("reset"));
  $("btn-relabel").addEventListener("click", () => act("relabel", $("relabel-class").value));
  $("btn-widen").addEventListener("click", () => zoom(+1));
  $("btn-narrow").addEventListener("click", () => zoom(-1));
  $("opt-filter").addEventListener("change", loadWindow);
  $("opt-all-emg").addEventListener("change", loadWindow);
  $("opt-eeg").addEventListener("change", loadWindow);
  $("add-form").addEventListener("submit", (e) => { e.preventDefault(); submitAdd(); });
  $("btn-add-cancel").addEventListener("click", closeAddForm);
  if ($("btn-recompute")) $("btn-recompute").addEventListener("click", recompute);
  document.addEventListener("keydown", onKey);
  let resizeTimer = null;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => { overview.resize(); traces.resize(); }, 150);
  });

  renderList();
  showProgress();
  const first = session.position && byId(session.position) ? session.position : state.rows[0]?.review_id;
  if (first) {
    select(first);
  } else {
    $("event-title").textContent = "No events in this analysis.";
    document.body.dataset.state = "ready";
  }
}

document.addEventListener("DOMContentLoaded", () => {
  start().catch((err) => {
    failed(err);
    document.body.dataset.state = "error";
  });
});
