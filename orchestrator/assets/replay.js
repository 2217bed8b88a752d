// The replay page: a recorded session driving the same view model, cards and map as the live
// dashboard, from `ReplaySource` instead of the live stream. A play head moves at the chosen
// speed (requestAnimationFrame); seeking rebuilds the model from the records just before the
// target; the robot filter asks the server for those robots only. Reads only: a replay never
// touches the live fleet.

import { Api } from "./api.js";
import { buildCard, updateCard } from "./card.js";
import { $, el } from "./dom.js";
import { FleetModel } from "./fleet_model.js";
import { CourseMap } from "./map.js";
import { ReplaySource, changeOf, missionChange } from "./replay_source.js";
import { duration } from "./time.js";

const api = new Api(null);
const sessionId = decodeURIComponent(location.pathname.split("/").pop());
let source = null;
let model = new FleetModel();
let map = null;
const cards = new Map();
let head = 0;          // session time shown, ms
let playing = false;
let speed = 1;
let lastFrame = 0;
let marksApplied = 0;  // mission marks applied, in order
let selected = null;   // robot ids shown; null: all

const say = (text, bad) => { $("result").textContent = text; $("result").className = bad ? "bad" : "muted"; };

function card(id) {
  if (!cards.has(id)) {
    const c = buildCard(id, { stop: () => {} });
    c.root.querySelector("footer").hidden = true;
    cards.set(id, c);
  }
  return cards.get(id);
}

function shown(id) { return !selected || selected.includes(id); }

function draw() {
  const ids = model.ids().filter(shown);
  $("cards").replaceChildren(...ids.map((id) => card(id).root));
  for (const id of ids) {
    const r = model.robots.get(id);
    updateCard(card(id), r);
    if (map) map.update(r);
  }
  if (map) for (const [id, m] of map.markers) m.g.style.display = shown(id) ? "" : "none";
  const offset = head - source.first;
  $("seek").value = String(offset);
  $("position").textContent = `${duration(offset)} / ${duration(source.last - source.first)}`;
  $("position").dataset.headMs = String(head);
  $("play").textContent = playing ? "❚❚ pause" : "▶ play";
  $("status").textContent = playing ? `playing ${speed}x` : source.ended ? "end" : "paused";
  $("status").dataset.state = playing ? "playing" : "paused";
  for (const li of $("marks").children) li.classList.toggle("passed", Number(li.dataset.at) <= head);
}

function apply(records) {
  for (const r of records) {
    const change = changeOf(r);
    if (change) model.apply(change, r.at_ms);
  }
}

/// Mission marks up to the head (missions are not records: the summary lists them).
function applyMissions() {
  const marks = source.summary.marks.filter((m) => m.mission);
  while (marksApplied < marks.length && marks[marksApplied].at_ms <= head) {
    model.apply(missionChange(marks[marksApplied]), marks[marksApplied].at_ms);
    marksApplied++;
  }
}

async function seek(t) {
  head = Math.max(source.first, Math.min(source.last, t));
  const records = await source.seek(head);
  if (!records) return; // a later seek took over
  model = new FleetModel();
  model.load(source.summary.robots.map((id) => ({ id })));
  marksApplied = 0;
  apply(records);
  applyMissions();
  draw();
}

function frame(now) {
  if (!playing) return;
  const dt = lastFrame ? now - lastFrame : 0;
  lastFrame = now;
  head = Math.min(source.last, head + dt * speed);
  apply(source.take(head));
  applyMissions();
  if (head >= source.last && source.ended) playing = false;
  draw();
  requestAnimationFrame(frame);
}

function play(on) {
  playing = on;
  lastFrame = 0;
  if (playing) requestAnimationFrame(frame);
  draw();
}

function step() {
  play(false);
  const next = source.peek();
  if (!next) { source.fill(); return; }
  head = next.at_ms;
  apply(source.take(head));
  applyMissions();
  draw();
}

function nextMark() {
  const mark = source.summary.marks.find((m) => m.at_ms > head && (!m.robot || shown(m.robot)));
  if (mark) seek(mark.at_ms); else say("no event after this point");
}

function markLabel(m) {
  const who = m.robot || "every robot";
  const what = m.what.replaceAll("_", " ");
  return `${duration(m.at_ms - source.first)} · ${who} · ${what}${m.detail && m.robot ? " " + m.detail : ""}`;
}

function robotFilter() {
  const boxes = source.summary.robots.map((id) => {
    const box = el("input", { type: "checkbox", checked: true, value: id });
    box.addEventListener("change", () => {
      const on = [...$("robot-filter").querySelectorAll("input:checked")].map((b) => b.value);
      selected = on.length === source.summary.robots.length ? null : on;
      source.robots = selected;
      seek(head);
    });
    return el("label", {}, box, id);
  });
  $("robot-filter").replaceChildren(...boxes);
}

async function open() {
  const answer = await api.get(`/api/sessions/${encodeURIComponent(sessionId)}/summary`);
  if (!answer.ok) { $("status").textContent = "error"; say(answer.body && answer.body.error || "cannot open the session", true); return; }
  source = new ReplaySource(api, answer.body);
  const s = answer.body.session;
  $("session-name").textContent = `#${s.id} ${s.name}`;
  document.title = `Replay #${s.id} ${s.name}`;
  $("seek").max = String(source.last - source.first);
  $("marks").replaceChildren(...answer.body.marks.map((m) => {
    const li = el("li", { "data-at": m.at_ms, "data-what": m.what }, el("a", { href: "#" }, markLabel(m)));
    li.addEventListener("click", (e) => { e.preventDefault(); seek(m.at_ms); });
    return li;
  }));
  robotFilter();
  const course = await api.get("/api/map");
  if (course.ok) map = new CourseMap($("map"), course.body);
  await seek(source.first);
}

$("play").addEventListener("click", () => play(!playing));
$("step").addEventListener("click", step);
$("next-mark").addEventListener("click", nextMark);
$("speed").addEventListener("change", (e) => { speed = Number(e.target.value) || 1; draw(); });
// Dragging moves the head as it goes; each position rebuilds the view (the newest wins).
$("seek").addEventListener("input", (e) => seek(source.first + Number(e.target.value)));
document.addEventListener("keydown", (e) => {
  if (e.target.tagName === "INPUT" && e.target.type !== "range") return;
  if (e.key === " ") { e.preventDefault(); play(!playing); }
  if (e.key === "ArrowRight" && e.target.type !== "range") { e.preventDefault(); step(); }
});
open();
