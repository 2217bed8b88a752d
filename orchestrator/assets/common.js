// Shared by the dashboard and the remote: the access token, calls to the API, and the live
// model of the fleet kept up to date by the one server-sent event stream.
"use strict";

const Api = (() => {
  // The token arrives once in the page's address (?token=...), is kept for this tab only, and
  // is taken out of the address bar so it does not end up in a screenshot or a shared link.
  const params = new URLSearchParams(location.search);
  const fromUrl = params.get("token");
  if (fromUrl !== null) {
    sessionStorage.setItem("fleet-token", fromUrl);
    params.delete("token");
    const rest = params.toString();
    history.replaceState(null, "", location.pathname + (rest ? "?" + rest : "") + location.hash);
  }
  const token = sessionStorage.getItem("fleet-token") || "";

  function headers(extra) {
    const h = Object.assign({}, extra);
    if (token) h["Authorization"] = "Bearer " + token;
    return h;
  }

  // Never throws: a network failure is an answer with status 0, so callers show one message.
  async function call(method, path, body) {
    try {
      const res = await fetch(path, {
        method,
        headers: headers(body === undefined ? {} : { "Content-Type": "application/json" }),
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      let data = null;
      try { data = await res.json(); } catch (_) { data = null; }
      return { ok: res.ok, status: res.status, body: data };
    } catch (e) {
      return { ok: false, status: 0, body: { error: "cannot reach the orchestrator: " + e.message } };
    }
  }

  return {
    token,
    get: (path) => call("GET", path),
    post: (path, body) => call("POST", path, body === undefined ? {} : body),
    /// The error text of a failed answer, with the robot's error code when it refused.
    error: (answer) => {
      const body = answer.body || {};
      const text = body.error || `HTTP ${answer.status}`;
      return body.code ? `${text} [${body.code}]` : text;
    },
    /// A link to a page that carries this tab's token along.
    withToken: (path) => token ? `${path}?token=${encodeURIComponent(token)}` : path,
  };
})();

/// Robots by id, kept live. `onChange(robotId | null, change)` runs after every update
/// (null: the whole list was reloaded). `robot` limits the stream to one robot (the remote).
function liveFleet(onChange, onConnection, robot) {
  const robots = new Map();

  async function reload() {
    const answer = robot ? await Api.get(`/api/robots/${encodeURIComponent(robot)}`)
                         : await Api.get("/api/robots");
    if (!answer.ok) { onConnection("error", Api.error(answer)); return; }
    robots.clear();
    for (const r of (robot ? [answer.body] : answer.body)) robots.set(r.id, r);
    onChange(null, null);
  }

  function entry(id) {
    if (!robots.has(id)) robots.set(id, { id, state: "offline", telemetry: null, status: null });
    return robots.get(id);
  }

  const url = robot ? `/api/stream?robot=${encodeURIComponent(robot)}` : "/api/stream";
  const source = new EventSource(url);
  source.onopen = () => { onConnection("live"); reload(); };
  source.onerror = () => onConnection("reconnecting");
  // The server dropped changes for this slow page: read the whole state again.
  source.addEventListener("lagged", reload);
  source.onmessage = (msg) => {
    const c = JSON.parse(msg.data);
    if (c.change === "mission_changed" && c.mission) {
      // The robot's current mission, as its card shows it ("#3 line_follow", then how it ended).
      const m = c.mission;
      const active = m.state === "assigned" || m.state === "running";
      entry(m.robot).mission = `#${m.id} ${m.kind}${active ? "" : " " + m.state}${m.progress ? " · " + m.progress : ""}`;
      onChange(m.robot, c);
      return;
    }
    if (!c.robot) { onChange(null, c); return; }
    const r = entry(c.robot);
    switch (c.change) {
      case "robot_added": break;
      case "state_changed": r.state = c.to; break;
      case "status_updated": r.status = c.status; break;
      case "telemetry_updated": r.telemetry = c.telemetry; r.last_seen_ms = Date.now(); break;
      case "event_received": r.last_event = c.event; break;
      case "robot_restarted": r.restarts = c.restarts; break;
    }
    onChange(c.robot, c);
  };
  return { robots, reload };
}

/// Small DOM helper: el("div", {class: "x"}, child, "text").
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

const $ = (id) => document.getElementById(id);

function isEstopped(r) { return !!(r && r.telemetry && r.telemetry.mode === "estopped"); }
function fmt(n, digits) { return typeof n === "number" ? n.toFixed(digits) : "-"; }

// ---- one robot's readout, the same on the dashboard's cards and on the remote -----------------

/// The state badge: "online", or "online · ESTOPPED" in the stop colour.
function showState(badge, r) {
  const estopped = isEstopped(r);
  badge.textContent = estopped ? `${r.state} · ESTOPPED` : r.state;
  badge.className = `badge ${estopped ? "estopped" : r.state}`;
}

/// Lights the sensor marks (left, middle, right) that see the line.
function showLine(sensors, line) {
  ["left", "middle", "right"].forEach((s, i) => { sensors.children[i].className = line && line[s] ? "on" : ""; });
}

// Telemetry `t` as text; "-" before the first telemetry.
function batteryText(t) { return typeof t.battery_v === "number" ? `${t.battery_v.toFixed(2)} V` : "-"; }
function motorsText(t) { return t.motors ? `${fmt(t.motors.left, 2)} / ${fmt(t.motors.right, 2)}` : "-"; }
