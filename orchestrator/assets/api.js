// The API client: the access token and calls to the orchestrator's HTTP API. No DOM.
//
// Tokens arrive once in a page's address (?token=...) and are taken out of the address bar at
// once, so they end up in no screenshot, bookmark or copied link. The teacher opens the
// dashboard once with the token: it is kept in localStorage (this origin only) and every page
// of this browser uses it from there, so no link needs to carry it. A token given to the remote
// page (a student's link) is kept for that tab only, and wins over the stored one there.

const TEACHER_KEY = "fleet-teacher-token";
const TAB_KEY = "fleet-token";

/// Takes `?token=` out of the address; returns it, or null.
function takeTokenFromAddress() {
  const params = new URLSearchParams(location.search);
  const token = params.get("token");
  if (token === null) return null;
  params.delete("token");
  const rest = params.toString();
  history.replaceState(null, "", location.pathname + (rest ? "?" + rest : "") + location.hash);
  return token;
}

/// `page` is "dashboard" (a token in its address is the teacher's, kept for every page) or
/// "remote" (a token in its address is for this tab: a student's link).
export function adoptToken(page) {
  const given = takeTokenFromAddress();
  if (given !== null && page === "dashboard") localStorage.setItem(TEACHER_KEY, given);
  if (given !== null && page !== "dashboard") sessionStorage.setItem(TAB_KEY, given);
  // The dashboard is the teacher's page: a student token tried in this tab does not apply.
  if (page === "dashboard") return localStorage.getItem(TEACHER_KEY) || "";
  return sessionStorage.getItem(TAB_KEY) || localStorage.getItem(TEACHER_KEY) || "";
}

/// Forgets the teacher's token in this browser (a shared computer at the end of a lesson).
export function forgetToken() {
  localStorage.removeItem(TEACHER_KEY);
  sessionStorage.removeItem(TAB_KEY);
}

export class Api {
  constructor(token) { this.token = token; }

  // Never throws: a network failure is an answer with status 0, so callers show one message.
  async call(method, path, body) {
    const headers = {};
    if (this.token) headers["Authorization"] = "Bearer " + this.token;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    try {
      const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      let data = null;
      try { data = await res.json(); } catch (_) { data = null; }
      return { ok: res.ok, status: res.status, body: data };
    } catch (e) {
      return { ok: false, status: 0, body: { error: "cannot reach the orchestrator: " + e.message } };
    }
  }

  get(path) { return this.call("GET", path); }
  post(path, body) { return this.call("POST", path, body === undefined ? {} : body); }
  delete(path) { return this.call("DELETE", path); }

  robots() { return this.get("/api/robots"); }
  robot(id) { return this.get(`/api/robots/${encodeURIComponent(id)}`); }
  command(id, kind) { return this.post(`/api/robots/${encodeURIComponent(id)}/commands`, kind); }
  whoami(robot) { return this.get("/api/access/whoami" + (robot ? `?robot=${encodeURIComponent(robot)}` : "")); }
}

/// The error text of a failed answer, with the robot's error code when it refused.
export function errorText(answer) {
  const body = answer.body || {};
  const text = body.error || `HTTP ${answer.status}`;
  return body.code ? `${text} [${body.code}]` : text;
}
