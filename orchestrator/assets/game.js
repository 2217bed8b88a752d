// The game page: the current game (teams, players, the flag, hits, the score) and the arena map
// with the simulated robots, refreshed twice a second; the teacher's controls (new, start with
// bypasses, pause, resume, end) through /api/games.

import { Api, adoptToken, errorText } from "./api.js";
import { $, el, showResult } from "./dom.js";
import { flagLine, phaseLine, playerRows, scoreLine } from "./game_model.js";
import { CourseMap } from "./map.js";

const api = new Api(adoptToken("game"));
const show = (text, bad) => showResult($("result"), text, bad);
let map = null;
let notReady = [];

const COLUMNS = ["id", "team", "kind", "notes", "captures", "deposits", "hits_given", "hits_taken", "friendly_fire"];

function render(game) {
  $("phase").textContent = phaseLine(game);
  $("score").textContent = scoreLine(game);
  $("flag").textContent = flagLine(game.flag);
  const body = $("players");
  body.replaceChildren(
    ...playerRows(game).map((row) =>
      el("tr", { class: `team-${row.team}`, "data-robot": row.id }, ...COLUMNS.map((c) => el("td", { "data-col": c }, String(row[c])))),
    ),
  );
  $("no-players").hidden = (game.players || []).length > 0;
  for (const button of document.querySelectorAll("[data-action]")) {
    const allowed = { start: ["registration"], pause: ["running"], resume: ["paused"], end: ["registration", "running", "paused"] };
    button.disabled = !allowed[button.dataset.action].includes(game.phase);
  }
}

async function refresh() {
  const answer = await api.get("/api/games/current");
  $("game").hidden = !answer.ok;
  $("no-game").hidden = answer.ok;
  if (answer.ok) render(answer.body);
  const robots = await api.robots();
  if (map && robots.ok) for (const r of robots.body) map.update(r);
}

async function act(action) {
  const body = action === "start" ? { bypass: notReady.filter((id) => $(`bypass-${id}`)?.checked) } : {};
  const answer = await api.post(`/api/games/current/${action}`, body);
  notReady = [];
  $("not-ready").replaceChildren();
  if (answer.ok) {
    const stopped = (answer.body.commands || []).map((c) => `${c.robot} ${c.outcome}`).join(", ");
    show(`${action}: done${stopped ? " (" + stopped + ")" : ""}`);
  } else if (answer.body && answer.body.not_ready) {
    notReady = answer.body.not_ready.map((r) => r.robot);
    $("not-ready").replaceChildren(
      el("p", {}, "Not ready; tick the ones to start without:"),
      ...answer.body.not_ready.map((r) =>
        el("label", {}, el("input", { type: "checkbox", id: `bypass-${r.robot}` }), ` ${r.robot} (${r.reason})`),
      ),
    );
    show(errorText(answer), true);
  } else {
    show(errorText(answer), true);
  }
  refresh();
}

async function create(event) {
  event.preventDefault();
  const body = {
    name: $("game-name").value,
    flags_to_win: Number($("game-flags").value),
    capture_time_ms: Math.round(Number($("game-capture").value) * 1000),
  };
  const answer = await api.post("/api/games", body);
  show(answer.ok ? `game ${answer.body.name}: registration open` : errorText(answer), !answer.ok);
  refresh();
}

async function main() {
  const me = await api.whoami();
  const teacher = me.ok && me.body && me.body.role === "teacher";
  for (const node of document.querySelectorAll(".teacher")) node.hidden = !teacher;
  for (const button of document.querySelectorAll("[data-action]")) button.addEventListener("click", () => act(button.dataset.action));
  $("new-game").addEventListener("submit", create);
  const course = await api.get("/api/map");
  if (course.ok) map = new CourseMap($("map"), course.body);
  await refresh();
  setInterval(refresh, 500);
}

main();
