// Keeps a FleetModel live from the server-sent event stream: a full reload when the stream
// (re)opens or the server says this page lagged behind, then one `apply` per change.

import { errorText } from "./api.js";

/// `robot` limits the stream and the model to one robot (the remote). `onChange(id, change)`
/// runs after each update (id null: the whole list was reloaded); `onConnection(state, why)`
/// with "live", "reconnecting" or "error".
export function connect(api, model, { robot, onChange, onConnection }) {
  async function reload() {
    const answer = robot ? await api.robot(robot) : await api.robots();
    if (!answer.ok) { onConnection("error", errorText(answer)); return; }
    model.load(robot ? [answer.body] : answer.body);
    onChange(null, null);
  }
  const url = robot ? `/api/stream?robot=${encodeURIComponent(robot)}` : "/api/stream";
  const source = new EventSource(url);
  source.onopen = () => { onConnection("live"); reload(); };
  source.onerror = () => onConnection("reconnecting");
  source.addEventListener("lagged", reload);
  source.onmessage = (msg) => {
    let change;
    try { change = JSON.parse(msg.data); } catch (_) { return; }
    onChange(model.apply(change, Date.now()), change);
  };
  return { reload, close: () => source.close() };
}
