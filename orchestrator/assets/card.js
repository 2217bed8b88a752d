// One robot's card on the dashboard: built once, then updated in place from the model's robot.

import { el } from "./dom.js";
import { isEstopped } from "./fleet_model.js";
import { batteryText, motorsText, showLeds, showLine, showState } from "./readout.js";

/// `actions.stop(id)` runs when the card's stop is pressed. The remote link carries no token:
/// the remote page finds the teacher's in this browser's storage.
export function buildCard(id, actions) {
  const parts = {
    state: el("span", { class: "badge" }),
    mode: el("span"), battery: el("span"), mission: el("span"),
    sensors: el("span", { class: "sensors" }, el("i"), el("i"), el("i")),
    left: el("b"), right: el("b"), motors: el("span"),
    ledSwatch: el("i", { class: "swatch" }), ledText: el("span"),
  };
  const remote = el("a", { href: `/remote/${encodeURIComponent(id)}` }, "remote");
  const stop = el("button", { class: "stop", onclick: () => actions.stop(id) }, "stop");
  const row = (label, ...value) => el("div", { class: "row" }, el("span", { class: "muted" }, label), ...value);
  const root = el("article", { class: "card", "data-robot": id },
    el("header", {}, el("b", { class: "id" }, id), parts.state),
    row("mode", parts.mode),
    row("battery", parts.battery),
    row("line L M R", parts.sensors),
    row("motors", el("span", {}, el("span", { class: "meter" }, parts.left), " ", el("span", { class: "meter" }, parts.right))),
    row("L / R", parts.motors),
    row("LEDs", el("span", { class: "leds", title: "the colour the robot reports it last set its LEDs to" }, parts.ledSwatch, parts.ledText)),
    row("mission", parts.mission),
    el("footer", {}, remote, stop));
  return { root, parts };
}

/// A motor output -1..1 as a bar growing left or right from the middle.
function meter(bar, value) {
  const v = Math.max(-1, Math.min(1, value || 0));
  bar.style.left = v >= 0 ? "50%" : `${50 + v * 50}%`;
  bar.style.width = `${Math.abs(v) * 50}%`;
}

export function updateCard({ root, parts }, r) {
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
  showLeds(parts.ledSwatch, parts.ledText, t.leds);
  parts.mission.textContent = r.mission || "-";
}
