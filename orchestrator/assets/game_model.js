// The game page's model: turns the answer of GET /api/games/current into what the page shows
// (phase line, flag line, one row per player). No DOM, no fetch.

const seconds = (ms) => (ms / 1000).toFixed(1) + " s";

/// "running · 3 flags to win · 5.0 s capture", with the winner once there is one.
export function phaseLine(game) {
  const won = game.winner ? ` · ${game.winner.toUpperCase()} won` : "";
  return `${game.name}: ${game.phase}${won} · ${game.flags_to_win} flags to win · ${seconds(game.capture_time_ms)} capture`;
}

/// Where the flag is: in the zone, being captured (with each countdown), carried by whom.
export function flagLine(flag) {
  if (!flag) return "";
  if (flag.state === "carried") return `carried by ${flag.by}`;
  if (flag.state === "being_captured") {
    return "being captured: " + flag.by.map(([id, left]) => `${id} (${seconds(left)} left)`).join(", ");
  }
  return "in the capture zone";
}

/// One row per player, by team then id: kind, state notes and scores.
export function playerRows(game) {
  const robots = (game.scores && game.scores.robots) || {};
  return [...(game.players || [])]
    .sort((a, b) => (a.team === b.team ? a.id.localeCompare(b.id) : a.team === "red" ? -1 : 1))
    .map((p) => {
      const s = robots[p.id] || {};
      const notes = [];
      if (p.carrying) notes.push("carries the flag");
      if (p.capture_left_ms !== null && p.capture_left_ms !== undefined) notes.push(`capturing, ${seconds(p.capture_left_ms)} left`);
      else if (p.in_zone) notes.push("in the zone");
      if (p.immobilised_left_ms) notes.push(`hit, still for ${seconds(p.immobilised_left_ms)}`);
      return {
        id: p.id,
        team: p.team,
        kind: p.kind === "legacy" ? "legacy (cannot be stopped remotely)" : "agent",
        notes: notes.join(", "),
        captures: s.captures || 0,
        deposits: s.deposits || 0,
        hits_given: s.hits_given || 0,
        hits_taken: s.hits_taken || 0,
        friendly_fire: s.friendly_fire || 0,
      };
    });
}

/// "RED 2 / 3 · BLUE 0 / 3".
export function scoreLine(game) {
  const teams = (game.scores && game.scores.teams) || {};
  return ["red", "blue"]
    .map((t) => `${t.toUpperCase()} ${(teams[t] && teams[t].deposits) || 0} / ${game.flags_to_win}`)
    .join(" · ");
}
