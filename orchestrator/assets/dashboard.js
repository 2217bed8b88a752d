// The fleet dashboard: a card per robot and the course map, live from the event stream; the
// stop-all button; groups, missions and sessions read from the API every few seconds.
"use strict";

const cards = new Map(); // robot id -> { root, parts } built once, updated in place
let isTeacher = false;

// ---- robot cards -------------------------------------------------------------------------

function buildCard(id) {
  const parts = {
    state: el("span", { class: "badge" }),
    mode: el("span"), battery: el("span"), mission: el("span"),
    sensors: el("span", { class: "sensors" }, el("i"), el("i"), el("i")),
    left: el("b"), right: el("b"), motors: el("span"),
  };
  const remote = el("a", { href: Api.withToken(`/remote/${encodeURIComponent(id)}`) }, "remote");
  const stop = el("button", { class: "stop", onclick: () => command(id, { kind: "stop" }) }, "stop");
  const root = el("article", { class: "card", "data-robot": id },
    el("header", {}, el("b", { class: "id" }, id), parts.state),
    el("div", { class: "row" }, el("span", { class: "muted" }, "mode"), parts.mode),
    el("div", { class: "row" }, el("span", { class: "muted" }, "battery"), parts.battery),
    el("div", { class: "row" }, el("span", { class: "muted" }, "line L M R"), parts.sensors),
    el("div", { class: "row" }, el("span", { class: "muted" }, "motors"),
      el("span", {}, el("span", { class: "meter" }, parts.left), " ", el("span", { class: "meter" }, parts.right))),
    el("div", { class: "row" }, el("span", { class: "muted" }, "L / R"), parts.motors),
    el("div", { class: "row" }, el("span", { class: "muted" }, "mission"), parts.mission),
    el("footer", {}, remote, stop));
  return { root, parts };
}

/// A motor output -1..1 as a bar growing left or right from the middle.
function meter(bar, value) {
  const v = Math.max(-1, Math.min(1, value || 0));
  bar.style.left = v >= 0 ? "50%" : `${50 + v * 50}%`;
  bar.style.width = `${Math.abs(v) * 50}%`;
}

function updateCard(r) {
  if (!cards.has(r.id)) {
    cards.set(r.id, buildCard(r.id));
    const sorted = [...cards.keys()].sort();
    $("cards").replaceChildren(...sorted.map((id) => cards.get(id).root));
  }
  const { root, parts } = cards.get(r.id);
  const t = r.telemetry || {};
  root.className = `card ${r.state}${isEstopped(r) ? " estopped" : ""}`;
  showState(parts.state, r);
  parts.mode.textContent = t.mode || "-";
  parts.battery.textContent = batteryText(t);
  showLine(parts.sensors, t.line);
  const m = t.motors || {};
  meter(parts.left, m.left);
  meter(parts.right, m.right);
  parts.motors.textContent = motorsText(t);
  parts.mission.textContent = r.mission || "-";
}

// ---- course map ----------------------------------------------------------------------------

const SVG = "http://www.w3.org/2000/svg";
let course = null;
const markers = new Map();

function svg(tag, attrs) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

async function drawCourse() {
  const answer = await Api.get("/api/map");
  if (!answer.ok) return;
  course = answer.body;
  const map = $("map");
  const h = course.height;
  map.setAttribute("viewBox", `0 0 ${course.width} ${h}`);
  // The map's y goes up; SVG's goes down: flip every y as h - y.
  const d = course.segments.map(([x1, y1, x2, y2]) => `M${x1} ${h - y1}L${x2} ${h - y2}`).join("");
  map.append(svg("path", { class: "line", d, "stroke-width": course.line_width }));
  for (const z of course.zones) {
    map.append(svg("rect", { class: "zone", x: z.x, y: h - z.y - z.h, width: z.w, height: z.h }));
  }
}

function updateMarker(r) {
  const pose = r.telemetry && r.telemetry.pose;
  if (!course || !pose) return;
  if (!markers.has(r.id)) {
    const body = svg("polygon", { points: "0.07,0 -0.05,0.045 -0.05,-0.045" });
    const label = svg("text", { x: 0.06, y: -0.05 });
    label.textContent = r.id;
    const g = svg("g", { class: "robot", "data-robot": r.id });
    g.append(body, label);
    $("map").append(g);
    markers.set(r.id, { g, body });
  }
  const { g, body } = markers.get(r.id);
  g.setAttribute("class", `robot ${r.state}${isEstopped(r) ? " estopped" : ""}`);
  g.setAttribute("transform", `translate(${pose.x} ${course.height - pose.y})`);
  body.setAttribute("transform", `rotate(${(-pose.heading * 180) / Math.PI})`);
}

// ---- commands and stop-all -------------------------------------------------------------------

function showResult(text, bad) {
  const out = $("result");
  out.textContent = text;
  out.className = bad ? "offline" : "muted";
}

async function command(id, kind) {
  const answer = await Api.post(`/api/robots/${encodeURIComponent(id)}/commands`, kind);
  showResult(answer.ok ? `${id}: ${kind.kind} ${answer.body.outcome}` : `${id}: ${Api.error(answer)}`, !answer.ok);
  return answer;
}

/// One line from a fan-out report (`POST /api/estop`, `/api/release`): every robot targeted is
/// in exactly one list; the ones that did not acknowledge are named.
function reportLine(r) {
  const lists = [
    ["acknowledged", r.acknowledged], ["refused", r.refused.map((x) => x.robot)],
    ["no answer", r.no_answer], ["offline", r.offline], ["unknown", r.unknown],
    ["failed", r.failed.map((x) => x.robot)],
  ].filter(([, ids]) => ids.length);
  const counts = lists.map(([what, ids]) => `${ids.length} ${what}`).join(", ") || "no robots";
  const named = lists.filter(([what]) => what !== "acknowledged")
    .map(([what, ids]) => `${what}: ${ids.join(" ")}`).join("; ");
  return `${r.command} ${r.target}: ${counts}${named ? " (" + named + ")" : ""}`;
}

/// Emergency stop (or release) of every robot, or of one group.
async function fanOut(route, kind, group) {
  showResult(`${kind}…`);
  const query = group ? `?group=${encodeURIComponent(group)}` : "";
  const answer = await Api.post(`/api/${route}${query}`, {});
  if (!answer.ok) { showResult(`${kind} failed: ${Api.error(answer)}`, true); return; }
  const report = answer.body;
  showResult(reportLine(report), report.acknowledged.length !== report.robots);
}

const stopAll = (group) => fanOut("estop", "estop", group);
$("stop-all").addEventListener("click", () => stopAll(null));
$("release-all").addEventListener("click", () => fanOut("release", "release", null));

// ---- groups, missions, sessions, student links ------------------------------------------------

async function refreshGroups() {
  const [groups, missions] = await Promise.all([Api.get("/api/groups"), Api.get("/api/missions")]);
  const groupList = groups.ok ? groups.body : [];
  $("groups").replaceChildren(...[
    el("table", { class: "list" },
      el("thead", {}, el("tr", {}, el("th", {}, "Group"), el("th", {}, "Robots"), el("th", {}))),
      el("tbody", {}, ...groupList.map((g) => el("tr", { "data-group": g.name },
        el("td", {}, g.name),
        el("td", {}, g.members.join(", ") || "-"),
        el("td", {},
          el("button", { class: "danger", onclick: () => stopAll(g.name) }, "stop"), " ",
          el("button", { onclick: () => fanOut("release", "release", g.name) }, "release")))))),
    groups.ok ? null : el("p", { class: "muted" }, `groups: ${Api.error(groups)}`),
    groups.ok && !groupList.length ? el("p", { class: "muted" }, "No groups yet.") : null,
  ].filter(Boolean));
  const missionList = missions.ok ? missions.body : [];
  const recent = missionList.slice().sort((a, b) => b.id - a.id).slice(0, 12);
  $("missions").replaceChildren(...[
    el("table", { class: "list" },
      el("thead", {}, el("tr", {}, el("th", {}, "Mission"), el("th", {}, "Robot"), el("th", {}, "Kind"), el("th", {}, "State"))),
      el("tbody", {}, ...recent.map((m) => el("tr", {},
        el("td", {}, String(m.id)),
        el("td", {}, m.robot),
        el("td", {}, m.kind),
        el("td", { title: m.reason || "" }, m.state || "-"))))),
    missions.ok ? null : el("p", { class: "muted" }, `missions: ${Api.error(missions)}`),
    missions.ok && !recent.length ? el("p", { class: "muted" }, "No missions yet.") : null,
  ].filter(Boolean));
}

function when(ms) { return ms ? new Date(ms).toLocaleTimeString() : "-"; }

async function refreshSessions() {
  const answer = await Api.get("/api/sessions");
  if (!answer.ok) return;
  const rows = answer.body.slice().reverse().slice(0, 10);
  $("sessions").replaceChildren(...rows.map((s) => el("tr", {},
    el("td", {}, String(s.id)), el("td", {}, s.name), el("td", {}, when(s.started_at_ms)),
    el("td", {}, String(s.records)),
    el("td", {}, s.running ? el("span", { class: "badge online" }, "recording") : when(s.stopped_at_ms)))));
}

$("session-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const answer = await Api.post("/api/sessions", { name: $("session-name").value });
  showResult(answer.ok ? `session ${answer.body.name} started` : Api.error(answer), !answer.ok);
  refreshSessions();
});
$("session-stop").addEventListener("click", async () => {
  const answer = await Api.post("/api/sessions/stop", {});
  showResult(answer.ok ? `session ${answer.body.name} stopped` : Api.error(answer), !answer.ok);
  refreshSessions();
});

async function refreshStudents() {
  const answer = await Api.get("/api/access/students");
  if (!answer.ok) return;
  $("students").replaceChildren(el("table", { class: "list" }, el("tbody", {},
    ...answer.body.map((s) => el("tr", {},
      el("td", {}, s.robot), el("td", {}, el("a", { href: s.remote, target: "_blank" }, location.origin + s.remote)))))));
}

async function checkRole() {
  const answer = await Api.get("/api/access/whoami");
  isTeacher = answer.ok && answer.body.role === "teacher";
  $("role").textContent = isTeacher ? "teacher" : "view only (open the address with the teacher's token to act)";
  $("session-form").hidden = !isTeacher;
  $("students-panel").hidden = !isTeacher;
  if (isTeacher) refreshStudents();
}

// ---- live updates --------------------------------------------------------------------------

let pending = new Set();
let frame = 0;
function render() {
  frame = 0;
  const ids = pending.has(null) ? [...fleet.robots.keys()] : [...pending];
  pending = new Set();
  for (const id of ids) {
    const r = fleet.robots.get(id);
    if (r) { updateCard(r); updateMarker(r); }
  }
  $("no-robots").hidden = fleet.robots.size > 0;
  $("count").textContent = `${fleet.robots.size} robots`;
}

// Telemetry arrives at 10 Hz per robot: draw at most once per animation frame.
const fleet = liveFleet(
  (id, change) => {
    pending.add(id);
    if (change && typeof change.change === "string" && change.change.includes("mission")) refreshGroups();
    if (!frame) frame = requestAnimationFrame(render);
  },
  (state, why) => {
    $("connection").textContent = state === "live" ? "live" : state;
    $("connection").className = `badge ${state === "live" ? "online" : "stale"}`;
    if (why) showResult(why, true);
  });

drawCourse().then(() => { pending.add(null); render(); });
checkRole();
refreshGroups();
refreshSessions();
setInterval(refreshGroups, 3000);
setInterval(refreshSessions, 5000);
