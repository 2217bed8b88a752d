// The fleet dashboard page: a card per robot and the course map, live from the event stream;
// the stop-all button; groups, missions, sessions, marked runs and student links from the API.

import { Api, adoptToken, errorText, forgetToken } from "./api.js";
import { buildCard, updateCard } from "./card.js";
import { $, showResult } from "./dom.js";
import { fanOut } from "./fanout.js";
import { FleetModel } from "./fleet_model.js";
import { groupsPanel } from "./groups_panel.js";
import { connect } from "./live.js";
import { CourseMap } from "./map.js";
import { markedRuns } from "./marked_runs.js";
import { missionsPanel } from "./missions_panel.js";
import { COMMANDS } from "./protocol.js";
import { sessionsPanel } from "./sessions_panel.js";
import { enrollForm, refreshStudents } from "./students_panel.js";

const api = new Api(adoptToken("dashboard"));
const model = new FleetModel();
const cards = new Map(); // robot id -> card, built once, updated in place
let map = null;
let teacher = false;

const show = (text, bad) => showResult($("result"), text, bad);

async function command(id, kind) {
  const answer = await api.command(id, kind);
  show(answer.ok ? `${id}: ${kind.kind} ${answer.body.outcome}` : `${id}: ${errorText(answer)}`, !answer.ok);
}

// ---- groups, missions, sessions ---------------------------------------------------------------

const ctx = { api, model, show, teacher: () => teacher, changed: () => refreshLists() };
const groups = groupsPanel(ctx);
const missions = missionsPanel(ctx);
const sessions = sessionsPanel(api, show, () => teacher);
const runs = markedRuns(ctx);
enrollForm(api);

async function refreshLists() {
  runs.refresh();
  const names = await groups.refresh();
  await missions.refresh(model.ids(), names);
}

$("forget").addEventListener("click", () => { forgetToken(); location.reload(); });
$("stop-all").addEventListener("click", () => fanOut(api, show, "estop", null));
$("release-all").addEventListener("click", () => fanOut(api, show, "release", null));

async function checkRole() {
  const answer = await api.whoami();
  teacher = answer.ok && answer.body.role === "teacher";
  $("role").textContent = teacher ? "teacher" : "view only (open the address with the teacher's token to act)";
  for (const id of ["session-form", "group-form", "mission-form", "students-panel", "forget", "run-label-row"]) $(id).hidden = !teacher;
  if (teacher) refreshStudents(api);
  refreshLists();
}

// ---- live cards and markers ---------------------------------------------------------------------

let pending = new Set();
let frame = 0;
let knownIds = "";

function card(id) {
  if (!cards.has(id)) {
    const c = buildCard(id, { stop: (robot) => command(robot, { kind: COMMANDS.stop }) });
    runs.attach(c, id);
    cards.set(id, c);
  }
  return cards.get(id);
}

function render() {
  frame = 0;
  const ids = pending.has(null) ? model.ids() : [...pending];
  pending = new Set();
  for (const id of ids) {
    const r = model.robots.get(id);
    if (!r) continue;
    updateCard(card(id), r);
    if (map) map.update(r);
  }
  const all = model.ids();
  if (all.join() !== knownIds) {
    knownIds = all.join();
    $("cards").replaceChildren(...all.map((id) => card(id).root));
    groups.render();
    refreshLists();
  }
  $("no-robots").hidden = model.robots.size > 0;
  $("count").textContent = `${model.robots.size} robots`;
}

// Telemetry arrives at 10 Hz per robot: draw at most once per animation frame.
connect(api, model, {
  onChange: (id, change) => {
    pending.add(id);
    if (change && change.change === "mission_changed") refreshLists();
    if (!frame) frame = requestAnimationFrame(render);
  },
  onConnection: (state, why) => {
    $("connection").textContent = state;
    $("connection").className = `badge ${state === "live" ? "online" : "stale"}`;
    if (why) show(why, true);
  },
});

api.get("/api/map").then((answer) => {
  if (answer.ok) map = new CourseMap($("map"), answer.body);
  pending.add(null);
  render();
});
checkRole();
sessions.refresh();
setInterval(refreshLists, 3000);
setInterval(sessions.refresh, 5000);
