// The remote's drive controls: keyboard, on-screen pad and gamepad say what is held; while
// anything is held the drive is re-sent every DRIVE_REPEAT_MS (inside the agent's dead-man),
// and a stop goes out the moment the last control is released. At most one drive request is
// in flight, the newest waiting; stops never wait.

import { $ } from "./dom.js";
import { COMMANDS, DRIVE_REPEAT_MS } from "./protocol.js";

const DEADZONE = 0.15;
const KEY_DIRECTIONS = {
  ArrowUp: "up", KeyW: "up", ArrowDown: "down", KeyS: "down",
  ArrowLeft: "left", KeyA: "left", ArrowRight: "right", KeyD: "right",
};

/// `send(kind)` posts one command and returns its answer.
export function driveControls(send) {
  let inFlight = false;
  let queued = null;
  async function sendDrive(kind) {
    if (inFlight) { queued = kind; return; }
    inFlight = true;
    await send(kind);
    inFlight = false;
    if (queued) { const next = queued; queued = null; sendDrive(next); }
  }
  function stopNow() { queued = null; send({ kind: COMMANDS.stop }); }

  const keys = new Set();          // held keyboard directions
  let pointer = null;              // {speed, turn} of the on-screen button held
  let pad = { speed: 0, turn: 0 }; // gamepad stick
  let driving = false;
  let timer = 0;
  const scale = () => Number($("speed").value);

  /// The drive the held controls ask for, or null for none.
  function wanted() {
    const v = scale();
    if (pointer) return { speed: pointer.speed * v, turn: pointer.turn * v };
    if (pad.speed || pad.turn) return { speed: pad.speed * v, turn: pad.turn * v };
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
      sendDrive(Object.assign({ kind: COMMANDS.drive }, drive));
      clearInterval(timer);
      timer = setInterval(() => {
        const d = wanted();
        if (d) sendDrive(Object.assign({ kind: COMMANDS.drive }, d));
      }, DRIVE_REPEAT_MS);
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
  $("speed").addEventListener("input", () => { $("speed-value").textContent = scale().toFixed(2); });

  // The gamepad is polled every animation frame (the Gamepad API has no events for axes).
  const dead = (v) => (Math.abs(v) < DEADZONE ? 0 : v);
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
}
