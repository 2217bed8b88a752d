// One graded run's page (/grades/run/{id}): each criterion's measured value, points and weight
// (an override beside the computed points), the run's path on the course coloured on/off the
// line, its line sensors and motors over time, and (teacher) the override form.

import { Api, adoptToken, errorText } from "./api.js";
import { $, el, showResult } from "./dom.js";
import { points, rawText, totalText } from "./grade_format.js";
import { CourseMap } from "./map.js";
import { drawMotors, drawPath, drawSensors } from "./run_trace.js";
import { duration } from "./time.js";

const api = new Api(adoptToken("grades"));
const gradeId = decodeURIComponent(location.pathname.split("/").pop());
const show = (text, bad) => showResult($("result"), text, bad);

/// The points cell: what counts, and the computed points beside an override.
function pointsCell(computed, over) {
  if (!over) return el("td", { class: "points" }, points(computed));
  return el("td", { class: "points overridden", title: over.reason },
    el("b", {}, points(over.value)), el("span", { class: "computed muted" }, ` (computed ${points(computed)})`));
}

function render(g) {
  const overOf = (target) => g.overrides.find((o) => o.target === target);
  const rows = g.criteria.map((c) => {
    const over = overOf(c.criterion);
    return el("tr", { "data-criterion": c.criterion, "data-overridden": String(Boolean(over)) },
      el("td", {}, c.criterion.replace(/_/g, " ")),
      el("td", { class: "raw" }, c.measured ? rawText(c.raw) : "not measured"),
      pointsCell(c.points, over),
      el("td", { class: "weight" }, points(c.max_points)),
      el("td", { class: "override" }, over ? over.reason : ""),
      el("td", { class: "muted" }, c.explanation));
  });
  const totalOver = overOf("total");
  rows.push(el("tr", { "data-criterion": "total", "data-overridden": String(Boolean(totalOver)), class: "total" },
    el("td", {}, el("b", {}, "total")), el("td", {}, g.passed ? "pass (computed)" : "fail (computed)"),
    pointsCell(g.total, totalOver), el("td", { class: "weight" }, points(g.scale)),
    el("td", { class: "override" }, totalOver ? totalOver.reason : ""), el("td", {})));
  $("criteria-rows").replaceChildren(...rows);
  const gaps = (g.gaps && g.gaps.gaps) || [];
  $("reliability").textContent = g.unreliable
    ? `Unreliable recording: ${gaps.length} gap(s); the points are not lowered for them.`
    : "Complete recording.";
  $("run-name").textContent = `${g.robot} · ${g.mission ? `mission ${g.mission}` : "marked run"} · ${duration(g.to_ms - g.from_ms)}`;
  $("back").href = `/grades/${g.session}`;
  const select = $("override-target");
  if (!select.options.length) {
    select.replaceChildren(el("option", { value: "total" }, "total"),
      ...g.criteria.map((c) => el("option", { value: c.criterion }, c.criterion.replace(/_/g, " "))));
  }
}

function effectiveTotal(g) {
  const total = g.overrides.find((o) => o.target === "total");
  if (total) return total.value;
  let shift = 0;
  for (const o of g.overrides) {
    const c = g.criteria.find((x) => x.criterion === o.target);
    if (c) shift += o.value - c.points;
  }
  return Math.round((g.total + shift) * 100) / 100;
}

function showTotal(g) {
  $("total").textContent = totalText(effectiveTotal(g), g.scale);
  $("total").className = `badge ${g.passed ? "online" : "offline"}`;
}

async function load() {
  const answer = await api.get(`/api/grades/${encodeURIComponent(gradeId)}`);
  if (!answer.ok) { show(errorText(answer), true); return null; }
  render(answer.body);
  showTotal(answer.body);
  return answer.body;
}

async function pictures() {
  const [trace, course] = await Promise.all([
    api.get(`/api/grades/${encodeURIComponent(gradeId)}/trace`), api.get("/api/map")]);
  if (!trace.ok) { show(errorText(trace), true); return; }
  const t = trace.body;
  if (course.ok) {
    new CourseMap($("map"), course.body);
    const pieces = drawPath($("map"), course.body.height, t.samples);
    $("map").dataset.pieces = String(pieces.length);
  }
  drawSensors($("sensors-trace"), t);
  drawMotors($("motors-trace"), t);
  $("trace-note").textContent = t.every > 1
    ? `${t.samples.length} of ${t.total_samples} samples drawn (one in ${t.every}, and every change on/off the line).`
    : `${t.total_samples} samples.`;
  document.body.dataset.traced = String(t.samples.length);
}

async function checkRole() {
  const answer = await api.whoami();
  const teacher = answer.ok && answer.body.role === "teacher";
  $("role").textContent = teacher ? "teacher" : "view only";
  $("override-panel").hidden = !teacher;
}

$("override-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const body = {
    target: $("override-target").value,
    value: Number($("override-value").value),
    reason: $("override-reason").value,
  };
  const answer = await api.post(`/api/grades/${encodeURIComponent(gradeId)}/override`, body);
  if (!answer.ok) { show(errorText(answer), true); return; }
  render(answer.body);
  showTotal(answer.body);
  show(`${body.target} overridden to ${points(body.value)}`, false);
});

checkRole();
load();
pictures();
