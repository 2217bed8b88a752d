// A recorded session as a stream of fleet-model changes, paged in around the play head from
// `GET /api/sessions/{id}/records` (keyset pages by (at_ms, id)): never the whole session. Pure
// of the DOM; the page (replay.js) drives it with `seek(t)` and `advance(t)`.

/// How far before a seek target records are read to rebuild the robots' state there: telemetry
/// (20 Hz) refreshes every field within it; statuses and states older than this are not seen.
export const LOOKBACK_MS = 10000;
/// Records per page, and how many buffered records ahead of the head trigger the next page.
const PAGE = 2000;
const LOW_WATER = 600;

/// The model change a record makes, or null (commands and acks change no robot view).
export function changeOf(record) {
  const robot = record.robot;
  const p = record.payload;
  switch (record.kind) {
    case "status": return { change: "status_updated", robot, status: p };
    case "telemetry": return { change: "telemetry_updated", robot, telemetry: p };
    case "event": return { change: "event_received", robot, event: p };
    case "state": return p && p.to ? { change: "state_changed", robot, to: p.to } : null;
    default: return null;
  }
}

/// A mission mark of the summary as the change the live stream sends.
export function missionChange(mark) {
  const m = mark.mission;
  return { change: "mission_changed", mission: { id: m.id, robot: mark.robot, kind: m.kind, state: m.state, progress: m.reason } };
}

export class ReplaySource {
  /// `summary` is `GET /api/sessions/{id}/summary`'s answer.
  constructor(api, summary) {
    this.api = api;
    this.summary = summary;
    this.id = summary.session.id;
    this.robots = null; // null: every robot
    this.buffer = [];   // records not yet applied, in order
    this.next = null;   // cursor of the next page, null at the end
    this.done = true;
    this.generation = 0;
    this.loading = null;
  }

  get first() { return this.summary.first_ms ?? this.summary.session.started_at_ms; }
  get last() { return this.summary.last_ms ?? this.first; }

  url(fromMs, toMs, after) {
    const q = new URLSearchParams({ from_ms: fromMs, to_ms: toMs, limit: PAGE });
    if (after) { q.set("after_at_ms", after.at_ms); q.set("after_id", after.id); }
    if (this.robots) q.set("robots", this.robots.join(","));
    return `/api/sessions/${this.id}/records?${q}`;
  }

  async page(fromMs, toMs, after) {
    const answer = await this.api.get(this.url(fromMs, toMs, after));
    if (!answer.ok) throw new Error(answer.body && answer.body.error || `HTTP ${answer.status}`);
    return answer.body;
  }

  /// Moves the head to `t`: returns every record in [t - LOOKBACK_MS, t] (to apply to a fresh
  /// model), and buffers the pages after `t`. A later seek wins over one still loading.
  async seek(t) {
    const generation = ++this.generation;
    const records = [];
    let after = null;
    for (;;) {
      const p = await this.page(Math.max(this.first, t - LOOKBACK_MS), t + 1, after);
      if (generation !== this.generation) return null;
      records.push(...p.records);
      if (!p.next) break;
      after = p.next;
    }
    this.buffer = [];
    this.next = records.length ? { at_ms: records[records.length - 1].at_ms, id: records[records.length - 1].id } : null;
    this.from = t + 1;
    this.done = false;
    this.loading = null;
    this.fill(generation);
    return records;
  }

  /// Reads the next page when the buffer runs low.
  fill(generation = this.generation) {
    if (this.done || this.loading || this.buffer.length > LOW_WATER) return this.loading;
    const from = this.next ? this.first : this.from;
    this.loading = this.page(from, this.last + 1, this.next).then((p) => {
      if (generation !== this.generation) return;
      this.buffer.push(...p.records);
      this.next = p.next || (p.records.length ? { at_ms: p.records[p.records.length - 1].at_ms, id: p.records[p.records.length - 1].id } : this.next);
      this.done = !p.next;
      this.loading = null;
      this.fill(generation);
    }, () => { this.loading = null; });
    return this.loading;
  }

  /// Takes the buffered records up to `t` (all of them with `t` = Infinity-like values).
  take(t) {
    let n = 0;
    while (n < this.buffer.length && this.buffer[n].at_ms <= t) n++;
    const out = this.buffer.splice(0, n);
    this.fill();
    return out;
  }

  /// The next buffered record (for a step), without taking it.
  peek() { return this.buffer[0] || null; }

  /// Whether the head has reached the end: nothing buffered and nothing left to read.
  get ended() { return this.done && !this.loading && this.buffer.length === 0; }
}
