// The fleet as the pages see it: robots by id, changed only by `load` (a full list from the
// API) and `apply` (one change from the event stream, or later from a recorded session). Pure:
// no DOM, no network, no clock but the times it is given, so a replay can drive it too.

/// "#3 line_follow", then how it ended ("#3 line_follow succeeded · lap 1/1").
export function missionLabel(m) {
  const active = m.state === "assigned" || m.state === "running";
  return `#${m.id} ${m.kind}${active ? "" : " " + m.state}${m.progress ? " · " + m.progress : ""}`;
}

export function isEstopped(r) { return !!(r && r.telemetry && r.telemetry.mode === "estopped"); }

export class FleetModel {
  constructor() { this.robots = new Map(); }

  /// Replaces everything with robot views as `GET /api/robots` answers them.
  load(views) {
    this.robots.clear();
    for (const v of views) this.robots.set(v.id, Object.assign(blank(v.id), v));
  }

  /// Applies one stream change (`{"change": "telemetry_updated", ...}`); `atMs` is when it
  /// arrived (live) or was recorded (replay). Returns the id of the robot it concerns, or null
  /// when it concerns none the model keeps.
  apply(change, atMs) {
    if (change.change === "mission_changed" && change.mission) {
      const m = change.mission;
      const r = this.entry(m.robot);
      r.mission = missionLabel(m);
      r.mission_state = m.state;
      return m.robot;
    }
    if (!change.robot) return null;
    const r = this.entry(change.robot);
    switch (change.change) {
      case "state_changed": r.state = change.to; break;
      case "status_updated": r.status = change.status; break;
      case "telemetry_updated": r.telemetry = change.telemetry; r.last_seen_ms = atMs; break;
      case "event_received": r.last_event = change.event; break;
      case "robot_restarted": r.restarts = change.restarts; break;
    }
    return change.robot;
  }

  entry(id) {
    if (!this.robots.has(id)) this.robots.set(id, blank(id));
    return this.robots.get(id);
  }

  /// Robot ids, sorted (the order of the cards).
  ids() { return [...this.robots.keys()].sort(); }
}

function blank(id) {
  return { id, state: "offline", status: null, telemetry: null, mission: null };
}
