// A session's leaderboard page (/grades/{session}): its graded runs best first, with who drove
// each robot, the total that counts (and the computed one beside an override), and a link to
// each run's page. The teacher grades the session's finished runs with "Grade now".

import { Api, adoptToken, errorText } from "./api.js";
import { $, el, showResult } from "./dom.js";
import { points, totalText } from "./grade_format.js";

const api = new Api(adoptToken("grades"));
const sessionId = decodeURIComponent(location.pathname.split("/").pop());
const show = (text, bad) => showResult($("result"), text, bad);

function row(r) {
  const g = r.grade;
  const overridden = g.overrides.length > 0;
  return el("tr", { "data-grade": g.id, "data-total": r.effective_total, "data-robot": g.robot },
    el("td", {}, String(r.rank)),
    el("td", { class: "student" }, r.student || "-"),
    el("td", { class: "team" }, r.team || "-"),
    el("td", {}, g.robot),
    el("td", {}, el("a", { href: `/grades/run/${g.id}`, class: "run" }, r.run || `grade ${g.id}`)),
    el("td", { class: "total" }, totalText(r.effective_total, g.scale),
      overridden ? el("span", { class: "computed muted" }, ` (computed ${points(g.total)})`) : null),
    el("td", {}, g.passed ? "pass" : "fail"),
    el("td", {}, g.unreliable ? el("span", { class: "badge stale", title: "the recording has gaps: see the run" }, "gaps") : "complete"),
    el("td", { class: "muted" }, `${g.rubric_name} v${g.rubric_version}`));
}

async function load() {
  const answer = await api.get(`/api/sessions/${encodeURIComponent(sessionId)}/grades`);
  if (!answer.ok) { show(errorText(answer), true); return; }
  $("rows").replaceChildren(...answer.body.map(row));
  $("empty").hidden = answer.body.length > 0;
  $("board").dataset.rows = String(answer.body.length);
}

async function sessionName() {
  const answer = await api.get("/api/sessions");
  const s = answer.ok && answer.body.find((x) => String(x.id) === sessionId);
  $("session-name").textContent = s ? `#${s.id} ${s.name}` : `session ${sessionId}`;
  document.title = `Grades: ${$("session-name").textContent}`;
}

async function checkRole() {
  const answer = await api.whoami();
  const teacher = answer.ok && answer.body.role === "teacher";
  $("role").textContent = teacher ? "teacher" : "view only";
  $("grade-now").hidden = !teacher;
}

$("grade-now").addEventListener("click", async () => {
  $("grade-now").disabled = true;
  show("grading…", false);
  const answer = await api.post(`/api/sessions/${encodeURIComponent(sessionId)}/grade`, {});
  $("grade-now").disabled = false;
  if (answer.ok) show(`${answer.body.graded} runs graded with ${answer.body.rubric_name} v${answer.body.rubric_version}`, false);
  else show(errorText(answer), true);
  await load();
});

sessionName();
checkRole();
load();
