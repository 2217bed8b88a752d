// The remote's servo sliders, one per joint the protocol names: they send while dragged (at
// most every 100 ms) and the final value on release, and start at the robot's own angles.

import { el, $ } from "./dom.js";
import { fmt } from "./readout.js";
import { COMMANDS, JOINTS, SERVO_RANGE } from "./protocol.js";

export function servoSliders(send) {
  const sliders = {};
  let seeded = false;
  for (const joint of JOINTS) {
    const input = el("input", { type: "range", min: String(SERVO_RANGE[0]), max: String(SERVO_RANGE[1]), step: "1", value: "90", "data-joint": joint });
    const value = el("span", {}, "90");
    let last = 0;
    const servo = () => send({ kind: COMMANDS.servo, joint, angle: Number(input.value) });
    input.addEventListener("input", () => {
      value.textContent = input.value;
      if (Date.now() - last > 100) { last = Date.now(); servo(); }
    });
    input.addEventListener("change", servo);
    sliders[joint] = { input, value };
    $("servos").append(el("label", { class: "slider" }, joint.replace("_", " "), input, value));
  }
  return {
    /// Moves the sliders to the robot's angles once, when its first telemetry arrives.
    seed(servos) {
      if (seeded || !servos) return;
      seeded = true;
      for (const j of JOINTS) { sliders[j].input.value = servos[j]; sliders[j].value.textContent = fmt(servos[j], 0); }
    },
  };
}
