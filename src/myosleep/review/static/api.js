// Requests to the review server. URLs are relative to the page (/t/<token>/), so the token goes
// with every request; changes are JSON POSTs.

export class ApiError extends Error {}

async function parse(response) {
  let body = null;
  try { body = await response.json(); } catch (_) { body = null; }
  if (!response.ok) {
    const text = body && typeof body.error === "string" ? body.error : `${response.status} ${response.statusText}`;
    throw new ApiError(text);
  }
  return body;
}

export async function getJSON(path, params = null, signal = undefined) {
  const url = new URL(path, document.baseURI);
  if (params) {
    for (const [k, v] of params) url.searchParams.append(k, String(v));
  }
  return parse(await fetch(url, { signal, credentials: "same-origin", cache: "no-store" }));
}

export async function postJSON(path, data, { keepalive = false } = {}) {
  const response = await fetch(new URL(path, document.baseURI), {
    method: "POST", credentials: "same-origin", cache: "no-store", keepalive,
    headers: { "Content-Type": "application/json" }, body: JSON.stringify(data),
  });
  return parse(response);
}
