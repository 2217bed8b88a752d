// One robot's readout as text and marks, the same on the dashboard's cards and on the remote.

import { isEstopped } from "./fleet_model.js";

export function fmt(n, digits) { return typeof n === "number" ? n.toFixed(digits) : "-"; }

/// The state badge: "online", or "online · ESTOPPED" in the stop colour.
export function showState(badge, r) {
  const estopped = isEstopped(r);
  badge.textContent = estopped ? `${r.state} · ESTOPPED` : r.state;
  badge.className = `badge ${estopped ? "estopped" : r.state}`;
}

/// Lights the sensor marks (left, middle, right) that see the line.
export function showLine(sensors, line) {
  ["left", "middle", "right"].forEach((s, i) => { sensors.children[i].className = line && line[s] ? "on" : ""; });
}

/// The LEDs' colour as a swatch and its hex code; "-" while unknown.
export function showLeds(swatch, text, leds) {
  const known = leds && typeof leds.r === "number";
  const hex = known ? "#" + [leds.r, leds.g, leds.b].map((c) => c.toString(16).padStart(2, "0")).join("") : "";
  swatch.style.background = known ? hex : "transparent";
  swatch.hidden = !known;
  text.textContent = known ? hex : "-";
  if (known) swatch.dataset.rgb = `${leds.r},${leds.g},${leds.b}`; else delete swatch.dataset.rgb;
}

// Telemetry `t` as text; "-" before the first telemetry.
export function batteryText(t) { return typeof t.battery_v === "number" ? `${t.battery_v.toFixed(2)} V` : "-"; }
export function motorsText(t) { return t.motors ? `${fmt(t.motors.left, 2)} / ${fmt(t.motors.right, 2)}` : "-"; }
