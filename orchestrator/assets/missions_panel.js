// The missions panel: (teacher) a form that starts a line-follow mission on one robot or on
// every robot of a group, and the recent missions with human times and an abort for those
// still going.

import { errorText } from "./api.js";
import { $, el } from "./dom.js";
import { clock, duration, exact } from "./time.js";

const ACTIVE = new Set(["assigned", "running"]);

/// `ctx`: { api, show(text, bad), teacher(), changed() }.
export function missionsPanel(ctx) {
  const { api, show } = ctx;
  let drawn = "";

  async function abort(m) {
    const answer = await api.post(`/api/missions/${m.id}/abort`, { reason: "aborted from the dashboard" });
    show(answer.ok ? `mission #${m.id} aborted` : `abort #${m.id}: ${errorText(answer)}`, !answer.ok);
    await ctx.changed();
  }

  function row(m, teacher) {
    const active = ACTIVE.has(m.state);
    const ended = m.ended_at_ms || (active ? null : m.updated_at_ms);
    return el("tr", { "data-mission": m.id, "data-state": m.state },
      el("td", {}, `#${m.id}`),
      el("td", {}, m.robot + (m.group ? ` (${m.group})` : "")),
      el("td", {}, m.kind),
      el("td", { title: m.reason || "" }, m.state || "-", m.reason && !active ? el("span", { class: "muted" }, ` · ${m.reason}`) : null),
      el("td", { title: exact(m.created_at_ms) }, clock(m.created_at_ms)),
      el("td", {}, active ? "-" : duration(ended - m.created_at_ms)),
      el("td", {}, active && teacher ? el("button", { class: "abort", onclick: () => abort(m) }, "abort") : ""));
  }

  function render(list, ok, error) {
    const teacher = ctx.teacher();
    const recent = list.slice().sort((a, b) => b.id - a.id).slice(0, 12);
    // Redrawn only on a change, so a button is not replaced under the pointer.
    const key = JSON.stringify([recent, teacher, ok]);
    if (key === drawn) return;
    drawn = key;
    $("missions").replaceChildren(...[
      el("table", { class: "list" },
        el("thead", {}, el("tr", {}, ...["Mission", "Robot", "Kind", "State", "Started", "Took", "Action"].map((h) => el("th", {}, h)))),
        el("tbody", {}, ...recent.map((m) => row(m, teacher)))),
      ok ? null : el("p", { class: "muted" }, `missions: ${error}`),
      ok && !recent.length ? el("p", { class: "muted" }, "No missions yet.") : null,
    ].filter(Boolean));
  }

  /// The form's targets: every robot, then every group; keeps the current choice.
  function targets(robots, groups) {
    const select = $("mission-target");
    const chosen = select.value;
    const options = [
      ...robots.map((id) => el("option", { value: `robot:${id}` }, `robot ${id}`)),
      ...groups.map((g) => el("option", { value: `group:${g}` }, `group ${g}`)),
    ];
    const key = options.map((o) => o.value).join("\n");
    if (select.dataset.key === key) return;
    select.dataset.key = key;
    select.replaceChildren(...options);
    if (options.some((o) => o.value === chosen)) select.value = chosen;
  }

  $("mission-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const [what, name] = $("mission-target").value.split(/:(.*)/s);
    if (!name) { show("choose a robot or a group first", true); return; }
    const mission = { kind: "line_follow", speed: Number($("mission-speed").value), laps: Number($("mission-laps").value) };
    const answer = await api.post("/api/missions", { [what]: name, mission });
    if (!answer.ok && !(answer.body && answer.body.assigned)) {
      show(`line-follow on ${what} ${name}: ${errorText(answer)}`, true);
    } else if (what === "group") {
      const { assigned, refused } = answer.body;
      const refusedText = refused.map((r) => `${r.robot}: ${r.error}`).join("; ");
      show(`line-follow on group ${name}: ${assigned.length} started${refused.length ? `, ${refused.length} refused (${refusedText})` : ""}`, !answer.ok || refused.length > 0);
    } else {
      show(`line-follow on ${name}: mission #${answer.body.id} started`);
    }
    await ctx.changed();
  });

  return {
    async refresh(robots, groups) {
      targets(robots, groups);
      const answer = await api.get("/api/missions");
      render(answer.ok ? answer.body : [], answer.ok, answer.ok ? "" : errorText(answer));
    },
  };
}
