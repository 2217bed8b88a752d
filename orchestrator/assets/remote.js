// One robot's remote: on-screen buttons, keyboard and gamepad drive it; sliders move its
// servos; its sensors are shown live. Drive commands are re-sent every 150 ms while a control
// is held (the robot's dead-man stops it 500 ms after the last one) and a stop is sent the
// moment the last control is released.
"use strict";

const ROBOT = decodeURIComponent(location.pathname.split("/").pop());
const REPEAT_MS = 150;
const DEADZONE = 0.15;
const JOINTS = ["camera_tilt", "arm", "forearm", "wrist", "claw"];

document.title = `Remote: ${ROBOT}`;
$("robot-id").textContent = ROBOT;
$("back").href = Api.withToken("/");
const path = `/api/robots/${encodeURIComponent(ROBOT)}/commands`;

// ---- sending: at most one drive in flight, the newest wins; stops never wait -------------------

let inFlight = false;
let queued = null;
let lastAnswer = null;

function showAnswer(what, answer) {
  lastAnswer = answer;
  $("answer").textContent = answer.ok ? `${what}: ${answer.body.outcome}` : `${what}: ${Api.error(answer)}`;
  $("answer").className = answer.ok ? "muted" : "offline";
  renderAlert();
}

async function send(kind) {
  const answer = await Api.post(path, kind);
  showAnswer(kind.kind, answer);
  return answer;
}

async function sendDrive(kind) {
  if (inFlight) { queued = kind; return; }
  inFlight = true;
  await send(kind);
  inFlight = false;
  if (queued) { const next = queued; queued = null; sendDrive(next); }
}

function stopNow() {
  queued = null;
  send({ kind: "stop" });
}

// ---- inputs: what is held right now ----------------------------------------------------------

const keys = new Set();          // held keyboard directions
let pointer = null;              // {speed, turn} of the on-screen button held
let pad = { speed: 0, turn: 0 }; // gamepad stick
let driving = false;
let timer = 0;

const KEY_DIRECTIONS = {
  ArrowUp: "up", KeyW: "up", ArrowDown: "down", KeyS: "down",
  ArrowLeft: "left", KeyA: "left", ArrowRight: "right", KeyD: "right",
};

function scale() { return Number($("speed").value); }

/// The drive the held controls ask for, or null for none.
function wanted() {
  const v = scale();
  if (pointer) return { speed: pointer.speed * v, turn: pointer.turn * v };
  if (pad.speed || pad.turn) return { speed: pad.speed * v, turn: pad.turn * v };
  if (keys.size === 0) return null;
  const fwd = (keys.has("up") ? 1 : 0) - (keys.has("down") ? 1 : 0);
  const side = (keys.has("right") ? 1 : 0) - (keys.has("left") ? 1 : 0);
  if (!fwd && !side) return null;
  // Turning while moving is a gentler arc than spinning in place.
  return { speed: fwd * v, turn: side * v * (fwd ? 0.5 : 1) };
}

/// Called whenever a control changes: sends at once, then keeps repeating while held.
function update() {
  const drive = wanted();
  if (drive) {
    driving = true;
    sendDrive(Object.assign({ kind: "drive" }, drive));
    clearInterval(timer);
    timer = setInterval(() => {
      const d = wanted();
      if (d) sendDrive(Object.assign({ kind: "drive" }, d));
    }, REPEAT_MS);
  } else if (driving) {
    driving = false;
    clearInterval(timer);
    stopNow();
  }
}

function releaseAll() {
  keys.clear(); pointer = null; pad = { speed: 0, turn: 0 };
  document.querySelectorAll("#pad button.held").forEach((b) => b.classList.remove("held"));
  update();
}

document.addEventListener("keydown", (e) => {
  if (e.target.tagName === "INPUT" && e.target.type !== "range") return;
  if (e.code === "Space") { e.preventDefault(); keys.clear(); driving = false; clearInterval(timer); stopNow(); return; }
  const dir = KEY_DIRECTIONS[e.code];
  if (!dir) return;
  e.preventDefault();
  if (e.repeat || keys.has(dir)) return; // the interval already repeats
  keys.add(dir);
  update();
});
document.addEventListener("keyup", (e) => {
  const dir = KEY_DIRECTIONS[e.code];
  if (dir && keys.delete(dir)) update();
});
// A key released while the page has no focus never sends keyup: stop on losing focus.
window.addEventListener("blur", releaseAll);
document.addEventListener("visibilitychange", () => { if (document.hidden) releaseAll(); });

for (const button of document.querySelectorAll("#pad button")) {
  if (button.hasAttribute("data-stop")) { button.addEventListener("click", stopNow); continue; }
  const hold = { speed: Number(button.dataset.speed), turn: Number(button.dataset.turn) };
  button.addEventListener("pointerdown", (e) => {
    button.setPointerCapture(e.pointerId);
    button.classList.add("held");
    pointer = hold;
    update();
  });
  const up = () => { button.classList.remove("held"); if (pointer === hold) { pointer = null; update(); } };
  button.addEventListener("pointerup", up);
  button.addEventListener("pointercancel", up);
  button.addEventListener("lostpointercapture", up);
}
$("stop").addEventListener("click", releaseAll);
$("stop").addEventListener("click", stopNow);
$("release").addEventListener("click", () => send({ kind: "release" }));
$("speed").addEventListener("input", () => { $("speed-value").textContent = scale().toFixed(2); });

// ---- gamepad: polled every animation frame (the Gamepad API has no events for axes) ------------

function dead(v) { return Math.abs(v) < DEADZONE ? 0 : v; }
function pollGamepad() {
  const gp = [...(navigator.getGamepads ? navigator.getGamepads() : [])].find((g) => g && g.connected);
  if (gp) {
    $("gamepad").textContent = `Gamepad: ${gp.id}`;
    if (gp.buttons[1] && gp.buttons[1].pressed) { if (pad.speed || pad.turn) { pad = { speed: 0, turn: 0 }; update(); } }
    else {
      const next = { speed: -dead(gp.axes[1] || 0), turn: dead(gp.axes[0] || 0) };
      const moved = Math.abs(next.speed - pad.speed) > 0.05 || Math.abs(next.turn - pad.turn) > 0.05;
      const released = (pad.speed || pad.turn) && !next.speed && !next.turn;
      if (moved || released) { pad = next; update(); }
    }
  }
  requestAnimationFrame(pollGamepad);
}
window.addEventListener("gamepadconnected", (e) => { $("gamepad").textContent = `Gamepad: ${e.gamepad.id}`; });
window.addEventListener("gamepaddisconnected", () => { $("gamepad").textContent = "No gamepad."; pad = { speed: 0, turn: 0 }; update(); });
requestAnimationFrame(pollGamepad);

// ---- servos ------------------------------------------------------------------------------------

const sliders = {};
let servosSeeded = false;
for (const joint of JOINTS) {
  const input = el("input", { type: "range", min: "0", max: "180", step: "1", value: "90", "data-joint": joint });
  const value = el("span", {}, "90");
  let last = 0;
  input.addEventListener("input", () => {
    value.textContent = input.value;
    // While dragging, at most one command per 100 ms; the final value is sent on change.
    if (Date.now() - last > 100) { last = Date.now(); send({ kind: "servo", joint, angle: Number(input.value) }); }
  });
  input.addEventListener("change", () => send({ kind: "servo", joint, angle: Number(input.value) }));
  sliders[joint] = { input, value };
  $("servos").append(el("label", { class: "slider" }, joint.replace("_", " "), input, value));
}

// ---- live readout and the offline / estopped display -------------------------------------------

let robot = null;
let role = "none";

function renderAlert() {
  const box = $("alert");
  let text = "";
  let info = false;
  if (robot && robot.state === "offline") text = `${ROBOT} is OFFLINE: commands cannot reach it.`;
  else if (isEstopped(robot)) text = `${ROBOT} is EMERGENCY-STOPPED: it refuses to drive until released.`;
  else if (robot && robot.state === "stale") text = `${ROBOT} has gone quiet (no telemetry): it may be out of reach.`;
  else if (lastAnswer && !lastAnswer.ok) text = Api.error(lastAnswer);
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
  $("r-pose").textContent = t.pose ? `x ${fmt(t.pose.x, 2)} m, y ${fmt(t.pose.y, 2)} m, ${fmt((t.pose.heading * 180) / Math.PI, 0)}°` : "-";
  if (robot.last_event) $("r-event").textContent = robot.last_event.kind;
  if (t.servos && !servosSeeded) {
    servosSeeded = true;
    for (const j of JOINTS) { sliders[j].input.value = t.servos[j]; sliders[j].value.textContent = fmt(t.servos[j], 0); }
  }
  renderAlert();
}

let frame = 0;
const fleet = liveFleet(
  () => {
    robot = fleet.robots.get(ROBOT) || null;
    if (!frame) frame = requestAnimationFrame(() => { frame = 0; renderRobot(); });
  },
  (state, why) => { if (why) { $("answer").textContent = why; $("answer").className = "offline"; } },
  ROBOT);

(async () => {
  const answer = await Api.get(`/api/access/whoami?robot=${encodeURIComponent(ROBOT)}`);
  role = answer.ok ? answer.body.role : "none";
  $("role").textContent = role === "none" ? "view only" : role;
  renderAlert();
})();
