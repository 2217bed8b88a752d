// Runs the teacher marks by hand: a "start run" / "end run" button in each robot card's footer
// (teacher only), drawn from the runs open now (GET /api/runs); a run started takes the label
// typed in #run-label, if any. The run is graded from the start to the end on the session's
// leaderboard, beside the missions' runs.

import { errorText } from "./api.js";
import { $, el } from "./dom.js";
import { clock } from "./time.js";

/// `ctx`: { api, show(text, bad), teacher() }.
export function markedRuns(ctx) {
  const { api, show } = ctx;
  let open = new Map();      // robot id -> its open run
  const buttons = new Map(); // robot id -> its card's button

  async function toggle(id) {
    const running = open.get(id);
    const input = $("run-label");
    const label = input && input.value.trim() ? input.value.trim() : null;
    const answer = running
      ? await api.post("/api/runs/end", { robot: id })
      : await api.post("/api/runs", { robot: id, label });
    if (answer.ok && !running && input) input.value = "";
    if (answer.ok) show(`${id}: run #${answer.body.id} ${running ? "ended" : "started"}`, false);
    else show(`${id}: ${errorText(answer)}`, true);
    await refresh();
  }

  function paint() {
    const teacher = ctx.teacher();
    for (const [id, button] of buttons) {
      const run = open.get(id);
      button.hidden = !teacher;
      button.textContent = run ? "end run" : "start run";
      button.classList.toggle("running", Boolean(run));
      button.dataset.open = run ? String(run.id) : "";
      button.title = run
        ? `run #${run.id} since ${clock(run.started_at_ms)}: end it to have it graded`
        : "start a run to grade (ends with \"end run\")";
    }
  }

  async function refresh() {
    const answer = await api.get("/api/runs");
    if (answer.ok) open = new Map(answer.body.map((r) => [r.robot, r]));
    paint();
  }

  /// Adds the button to `card` (from card.js) of robot `id`.
  function attach(card, id) {
    const button = el("button", { class: "run quiet", "data-run-robot": id, onclick: () => toggle(id) }, "start run");
    card.root.querySelector("footer").append(button);
    buttons.set(id, button);
    paint();
  }

  return { attach, refresh };
}
