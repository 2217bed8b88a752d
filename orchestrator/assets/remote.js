// One robot's remote page: drive controls and servo sliders, its sensors live, and a banner
// when the robot is offline, estopped, silent, or refused the last command.

import { Api, adoptToken, errorText } from "./api.js";
import { $, showResult } from "./dom.js";
import { driveControls } from "./drive_controls.js";
import { FleetModel, isEstopped } from "./fleet_model.js";
import { connect } from "./live.js";
import { COMMANDS, DEADMAN_MS, JOINTS } from "./protocol.js";
import { batteryText, fmt, motorsText, showLeds, showLine, showState } from "./readout.js";
import { servoSliders } from "./servo_sliders.js";

const ROBOT = decodeURIComponent(location.pathname.split("/").pop());
const api = new Api(adoptToken("remote"));
const model = new FleetModel();
let robot = null;
let role = "none";
let lastAnswer = null;

document.title = `Remote: ${ROBOT}`;
$("robot-id").textContent = ROBOT;
$("deadman").textContent = `${DEADMAN_MS} ms`;

async function send(kind) {
  const answer = await api.command(ROBOT, kind);
  lastAnswer = answer;
  showResult($("answer"), answer.ok ? `${kind.kind}: ${answer.body.outcome}` : `${kind.kind}: ${errorText(answer)}`, !answer.ok);
  renderAlert();
  return answer;
}

driveControls(send);
const servos = servoSliders(send);
$("release").addEventListener("click", () => send({ kind: COMMANDS.release }));

// Who holds the robot's emergency stop: a student may lift only a stop it set itself, so the
// button is shown only when this page's token may (the teacher's stop is the teacher's).
let stopHolder = null;
let askedWhileEstopped = null;
let askedAt = 0;
/// While estopped the holder can change without the robot leaving its latch (the teacher
/// lifts a stop and a student sets one at once), so it is asked again every second.
const ASK_EVERY_MS = 1000;
async function refreshStop() {
  askedAt = Date.now();
  const answer = await api.get(`/api/access/stop?robot=${encodeURIComponent(ROBOT)}`);
  if (!answer.ok) return;
  stopHolder = answer.body;
  $("release").hidden = !answer.body.may_release;
  renderAlert();
}

function renderAlert() {
  const box = $("alert");
  let text = "";
  let info = false;
  if (robot && robot.state === "offline") text = `${ROBOT} is OFFLINE: commands cannot reach it.`;
  else if (isEstopped(robot) && stopHolder && stopHolder.held_by === "teacher" && !stopHolder.may_release) text = `${ROBOT} was EMERGENCY-STOPPED by the teacher: only the teacher can release it.`;
  else if (isEstopped(robot)) text = `${ROBOT} is EMERGENCY-STOPPED: it refuses to drive until released.`;
  else if (robot && robot.state === "stale") text = `${ROBOT} has gone quiet (no telemetry): it may be out of reach.`;
  else if (lastAnswer && !lastAnswer.ok) text = errorText(lastAnswer);
  else if (role === "none") { text = "View only: this page has no token for this robot. Ask your teacher for your remote link."; info = true; }
  box.hidden = !text;
  box.textContent = text;
  box.className = info ? "alert info" : "alert";
}

function renderRobot() {
  if (!robot) return;
  const t = robot.telemetry || {};
  showState($("state"), robot);
  $("r-state").textContent = robot.state;
  $("r-mode").textContent = t.mode || "-";
  showLine($("r-line"), t.line);
  $("r-motors").textContent = motorsText(t);
  $("r-servos").textContent = t.servos ? JOINTS.map((j) => fmt(t.servos[j], 0)).join(" / ") : "-";
  $("r-battery").textContent = batteryText(t);
  showLeds($("r-led-swatch"), $("r-leds"), t.leds);
  $("r-pose").textContent = t.pose ? `x ${fmt(t.pose.x, 2)} m, y ${fmt(t.pose.y, 2)} m, ${fmt((t.pose.heading * 180) / Math.PI, 0)}°` : "-";
  if (robot.last_event) $("r-event").textContent = robot.last_event.kind;
  servos.seed(t.servos);
  // Asked again each time the robot enters or leaves an emergency stop.
  const estopped = isEstopped(robot);
  if (askedWhileEstopped !== estopped || (estopped && Date.now() - askedAt > ASK_EVERY_MS)) {
    askedWhileEstopped = estopped;
    refreshStop();
  }
  renderAlert();
}

let frame = 0;
connect(api, model, {
  robot: ROBOT,
  onChange: () => {
    robot = model.robots.get(ROBOT) || null;
    if (!frame) frame = requestAnimationFrame(() => { frame = 0; renderRobot(); });
  },
  onConnection: (state, why) => { if (why) showResult($("answer"), why, true); },
});

(async () => {
  const answer = await api.whoami(ROBOT);
  role = answer.ok ? answer.body.role : "none";
  $("role").textContent = role === "none" ? "view only" : role;
  renderAlert();
})();
