// Times as people read them: "14:05:09" today, "Mon 3 Nov 14:05" before; "2 min ago";
// durations as "1 h 4 min". Milliseconds since the Unix epoch in, text out.

export function clock(ms) {
  if (!ms) return "-";
  const d = new Date(ms);
  const today = new Date().toDateString() === d.toDateString();
  return today
    ? d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" })
    : d.toLocaleString([], { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
}

export function duration(ms) {
  if (typeof ms !== "number" || ms < 0) return "-";
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min${s % 60 ? " " + (s % 60) + " s" : ""}`;
  return `${Math.floor(m / 60)} h${m % 60 ? " " + (m % 60) + " min" : ""}`;
}

export function ago(ms, now) {
  if (!ms) return "-";
  const d = (now || Date.now()) - ms;
  return d < 5000 ? "just now" : `${duration(d)} ago`;
}

/// A full date and time, for a `title` tooltip.
export function exact(ms) { return ms ? new Date(ms).toLocaleString() : ""; }
