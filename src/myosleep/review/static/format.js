// Formatting and DOM helpers. Untrusted text is only ever written with textContent.

/** Seconds from the recording's start as h:mm:ss(.d). */
export function clock(seconds, digits = 1) {
  if (!Number.isFinite(seconds)) return "n/a";
  const scale = 10 ** digits;
  let t = Math.round(Math.abs(seconds) * scale) / scale;
  const h = Math.floor(t / 3600);
  t -= h * 3600;
  const m = Math.floor(t / 60);
  const s = t - m * 60;
  const ss = digits > 0 ? s.toFixed(digits).padStart(3 + digits, "0") : String(Math.round(s)).padStart(2, "0");
  return `${seconds < 0 ? "-" : ""}${h}:${String(m).padStart(2, "0")}:${ss}`;
}

/** Seconds as h:mm (overview axis). */
export function hoursMinutes(seconds) {
  const m = Math.round(seconds / 60);
  return `${Math.floor(m / 60)}:${String(m % 60).padStart(2, "0")}`;
}

/** A number from a table cell ("n/a" and empty are NaN). */
export function num(text) {
  if (text === undefined || text === null || text === "" || text === "n/a") return NaN;
  return Number(text);
}

/** The labels of a list cell as events.tsv writes it (myosleep.schema.split_list): items joined
 * with ",", a "," or "\\" inside a label escaped with a backslash; "n/a" and empty are none. */
export function listItems(text) {
  if (text === undefined || text === null || text === "" || text === "n/a") return [];
  const items = [];
  let cur = "";
  let escaped = false;
  for (const ch of String(text)) {
    if (escaped) {
      cur += ch;
      escaped = false;
    } else if (ch === "\\") {
      escaped = true;
    } else if (ch === ",") {
      items.push(cur);
      cur = "";
    } else {
      cur += ch;
    }
  }
  items.push(cur);
  return items;
}

/** Element with text content and attributes; never parses HTML. */
export function el(tag, { cls, text, attrs, title } = {}, children = []) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (title) node.title = String(title);
  if (attrs) for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  for (const child of children) node.append(child);
  return node;
}

const UNIT_SUFFIXES = [["_m_s", "m/s"], ["_uv", "µV"], ["_ms", "ms"], ["_hz", "Hz"], ["_pct", "%"], ["_s", "s"],
                       ["_min", "min"]];

/** Column name to a label with its unit: peak_amplitude_uv -> "peak amplitude (µV)". */
export function columnLabel(name) {
  if (name === "onset" || name === "duration") return `${name} (s)`;  // BIDS: seconds
  for (const [suffix, unit] of UNIT_SUFFIXES) {
    if (name.endsWith(suffix)) return `${name.slice(0, -suffix.length).replaceAll("_", " ")} (${unit})`;
  }
  return name.replaceAll("_", " ");
}
