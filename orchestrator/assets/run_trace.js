// A graded run's pictures, drawn as SVG from its trace (GET /api/grades/{id}/trace): the path
// on the course map in pieces on and off the line, and the line sensors and motors over time.
// Every drawn piece keeps how many samples it holds in data-samples, for tests and tools.

import { svg } from "./dom.js";

/// Consecutive samples with a pose, cut where the on-line flag changes or the pose is missing.
/// Each piece starts with the last sample of the one before when they touch, so the drawn path
/// has no holes.
export function pathPieces(samples) {
  const pieces = [];
  let current = null;
  let previous = null;
  for (const s of samples) {
    if (!s.pose) { current = null; previous = null; continue; }
    if (!current || current.on !== s.on_line) {
      current = { on: s.on_line, points: previous ? [previous.pose] : [], samples: 0 };
      pieces.push(current);
    }
    current.points.push(s.pose);
    current.samples++;
    previous = s;
  }
  return pieces;
}

/// Draws the path pieces over the course map (`height`: the map's, to flip y).
export function drawPath(root, height, samples) {
  const pieces = pathPieces(samples);
  for (const p of pieces) {
    const points = p.points.map((q) => `${q.x},${height - q.y}`).join(" ");
    root.append(svg("polyline", { class: `path ${p.on ? "on" : "off"}`, points, "data-samples": p.samples }));
  }
  return pieces;
}

const WIDTH = 1000;

function xOf(trace) {
  const span = Math.max(1, trace.to_ms - trace.from_ms);
  return (at) => (((at - trace.from_ms) / span) * WIDTH).toFixed(1);
}

/// Stretches off the line as shaded bands, behind the traces.
function offBands(root, trace, height) {
  const x = xOf(trace);
  const s = trace.samples;
  for (let i = 0; i < s.length; i++) {
    if (s[i].on_line || (i > 0 && !s[i - 1].on_line)) continue;
    let j = i;
    while (j + 1 < s.length && !s[j + 1].on_line) j++;
    const end = j + 1 < s.length ? s[j + 1].at_ms : s[j].at_ms;
    const x0 = Number(x(s[i].at_ms));
    root.append(svg("rect", { class: "off-line", x: x0, y: 0, width: Math.max(1, Number(x(end)) - x0), height, "data-samples": j - i + 1 }));
  }
}

function stepLine(trace, value, top, amplitude) {
  const x = xOf(trace);
  return trace.samples.map((s) => `${x(s.at_ms)},${(top - value(s) * amplitude).toFixed(1)}`).join(" ");
}

/// Left, middle and right sensors, one row each: high while the sensor sees the line.
export function drawSensors(root, trace) {
  const row = 30;
  root.setAttribute("viewBox", `0 0 ${WIDTH} ${row * 3}`);
  root.setAttribute("preserveAspectRatio", "none");
  offBands(root, trace, row * 3);
  ["left", "middle", "right"].forEach((name, i) => {
    const base = row * (i + 1) - 4;
    const points = stepLine(trace, (s) => (s.line[name] ? 1 : 0), base, row - 10);
    root.append(svg("polyline", { class: `sensor ${name}`, points, "data-samples": trace.samples.length }));
  });
}

/// Left and right motor outputs, -1..1 around a zero line.
export function drawMotors(root, trace) {
  const height = 100;
  const mid = height / 2;
  root.setAttribute("viewBox", `0 0 ${WIDTH} ${height}`);
  root.setAttribute("preserveAspectRatio", "none");
  offBands(root, trace, height);
  root.append(svg("line", { class: "zero", x1: 0, y1: mid, x2: WIDTH, y2: mid }));
  for (const side of ["left", "right"]) {
    const points = stepLine(trace, (s) => Math.max(-1, Math.min(1, s.motors[side] || 0)), mid, mid - 4);
    root.append(svg("polyline", { class: `motor ${side}`, points, "data-samples": trace.samples.length }));
  }
}
