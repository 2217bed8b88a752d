// The sessions panel: recent recording sessions with human times, and (teacher) start / stop.
// Stopped sessions that recorded nothing (an idle server's automatic ones) are counted, not
// listed, so they do not crowd out the lessons.

import { errorText } from "./api.js";
import { $, el } from "./dom.js";
import { clock, duration, exact } from "./time.js";

/// Bytes as "512 B", "3.4 kB", "12.0 MB", "1.2 GB".
export function size(bytes) {
  if (bytes < 1e3) return `${bytes} B`;
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(1)} kB`;
  if (bytes < 1e9) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${(bytes / 1e9).toFixed(1)} GB`;
}

/// `teacher()` says whether this page may delete sessions.
export function sessionsPanel(api, show, teacher = () => false) {
  async function remove(s) {
    if (!confirm(`Delete session #${s.id} ${s.name} and its ${s.records} records?`)) return;
    const answer = await api.call("DELETE", `/api/sessions/${s.id}`);
    show(answer.ok ? `session ${s.name} deleted` : errorText(answer), !answer.ok);
    refresh();
  }

  async function refresh() {
    const answer = await api.get("/api/sessions");
    if (!answer.ok) return;
    const all = answer.body.slice().reverse();
    const shown = all.filter((s) => s.running || s.records > 0);
    const rows = shown.slice(0, 10).map((s) => el("tr", { "data-session": s.id },
      el("td", {}, String(s.id)),
      el("td", {}, s.name),
      el("td", { title: exact(s.started_at_ms) }, clock(s.started_at_ms)),
      el("td", {}, duration((s.stopped_at_ms || Date.now()) - s.started_at_ms)),
      el("td", {}, String(s.records)),
      el("td", { class: "size" }, size(s.bytes || 0)),
      el("td", { title: exact(s.stopped_at_ms) },
        s.running ? el("span", { class: "badge online" }, "recording") : `stopped ${clock(s.stopped_at_ms)}`),
      el("td", {},
        el("a", { href: `/replay/${s.id}`, target: "_blank", rel: "noopener", class: "replay" }, "replay"), " ",
        el("a", { href: `/grades/${s.id}`, target: "_blank", rel: "noopener", class: "grades" }, "grades"), " ",
        el("a", { href: `/api/sessions/${s.id}/export?format=mcap`, download: "" }, "mcap"), " ",
        el("a", { href: `/api/sessions/${s.id}/export?format=csv`, download: "" }, "csv"), " ",
        teacher() && !s.running ? el("button", { class: "quiet", onclick: () => remove(s) }, "delete") : "")));
    $("sessions").replaceChildren(...rows);
    const hidden = all.length - shown.length;
    $("sessions-hidden").textContent = hidden ? `${hidden} empty session${hidden > 1 ? "s" : ""} not listed.` : "";
  }

  $("session-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const answer = await api.post("/api/sessions", { name: $("session-name").value });
    show(answer.ok ? `session ${answer.body.name} started` : errorText(answer), !answer.ok);
    refresh();
  });
  $("session-stop").addEventListener("click", async () => {
    const answer = await api.post("/api/sessions/stop", {});
    show(answer.ok ? `session ${answer.body.name} stopped` : errorText(answer), !answer.ok);
    refresh();
  });
  return { refresh };
}
