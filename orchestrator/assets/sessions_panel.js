// The sessions panel: recent recording sessions with human times, and (teacher) start / stop.
// Stopped sessions that recorded nothing (an idle server's automatic ones) are counted, not
// listed, so they do not crowd out the lessons.

import { errorText } from "./api.js";
import { $, el } from "./dom.js";
import { clock, duration, exact } from "./time.js";

export function sessionsPanel(api, show) {
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
      el("td", { title: exact(s.stopped_at_ms) },
        s.running ? el("span", { class: "badge online" }, "recording") : `stopped ${clock(s.stopped_at_ms)}`)));
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
