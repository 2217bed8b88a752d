// The teacher's class panel: the roster (student, team, robot, their remote's address) and a
// robot enrollment form. The server keeps only hashes of tokens and passwords, so a student's
// link with its token, and a robot's settings, are shown once: right after "new link" or
// "enroll", never again.

import { errorText } from "./api.js";
import { $, el } from "./dom.js";

export async function refreshStudents(api) {
  const answer = await api.get("/api/access/students");
  if (!answer.ok) return;
  $("students").replaceChildren(el("table", { class: "list" },
    el("thead", {}, el("tr", {}, el("th", {}, "Student"), el("th", {}, "Team"), el("th", {}, "Robot"), el("th", {}, "Remote link"))),
    el("tbody", {}, ...answer.body.map((s) => row(api, s)))));
  if (!answer.body.length) $("students").append(el("p", { class: "muted" }, "No roster yet: orchestrator roster import class.csv"));
  // Robots the broker throttles: why their data has gaps.
  const throttled = await api.get("/api/robots/throttled");
  if (throttled.ok && throttled.body.length) {
    $("students").append(el("p", { id: "throttled", class: "offline" }, "Throttled (publishing far above the telemetry rate): " +
      throttled.body.map((t) => `${t.robot} (${t.dropped} messages dropped${t.now ? ", now" : ""}; limit ${t.limit_per_s}/s)`).join(", ")));
  }
}

function row(api, s) {
  const link = el("td", { class: "link" }, s.url ? el("span", { class: "muted" }, s.url) : "-");
  // A new token replaces the old one: the link is shown here once, with the token in it.
  const issue = async () => {
    const answer = await api.post(`/api/roster/${encodeURIComponent(s.student)}/token`);
    if (!answer.ok) { link.replaceChildren(el("span", { class: "offline" }, errorText(answer))); return; }
    const url = `${s.url}?token=${answer.body.token}`;
    link.replaceChildren(el("a", { href: url, target: "_blank", rel: "noopener" }, url));
  };
  return el("tr", { "data-student": s.student, "data-robot": s.robot || "" },
    el("td", { title: s.name }, s.student),
    el("td", {}, s.team || "-"),
    el("td", {}, s.robot || "-"),
    link,
    el("td", {}, s.robot ? el("button", { class: "new-link", onclick: issue }, "new link") : null));
}

/// The "enroll a robot" form: shows the agent's settings for its EnvironmentFile.
export function enrollForm(api) {
  $("enroll-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const id = $("enroll-id").value.trim();
    const answer = await api.post(`/api/robots/${encodeURIComponent(id)}/enroll`);
    const out = $("enroll-result");
    if (!answer.ok) { out.textContent = errorText(answer); out.className = "offline"; return; }
    const e = answer.body;
    out.className = "";
    out.textContent = `ROBOT_AGENT_ID=${e.robot}\nROBOT_AGENT_BROKER=${e.broker}\nROBOT_AGENT_BROKER_USER=${e.username}\nROBOT_AGENT_BROKER_PASSWORD=${e.password}\n`;
  });
}
