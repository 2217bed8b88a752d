// The groups panel: each group with its members, its own stop / release, adding and removing
// members; and (teacher) a form that creates a group from the robots ticked.

import { errorText } from "./api.js";
import { $, el } from "./dom.js";
import { fanOut } from "./fanout.js";

/// `ctx`: { api, model, show(text, bad), teacher(), changed() (runs after an edit) }.
export function groupsPanel(ctx) {
  const { api, show } = ctx;
  let drawn = "";
  let groups = [];

  const path = (name) => `/api/groups/${encodeURIComponent(name)}`;
  /// Shows how an edit went (`pending` is the API call) and reads the panels again.
  async function edit(what, pending) {
    const answer = await pending;
    show(answer.ok ? what : `${what} failed: ${errorText(answer)}`, !answer.ok);
    if (answer.ok) await ctx.changed();
  }

  function row(g, robots) {
    const pick = el("select", { class: "member-pick", "aria-label": `robot to add to or remove from ${g.name}` },
      ...robots.map((id) => el("option", { value: id }, id)));
    const add = () => edit(`${pick.value} added to ${g.name}`, api.post(`${path(g.name)}/members`, { robots: [pick.value] }));
    const remove = () => edit(`${pick.value} removed from ${g.name}`, api.delete(`${path(g.name)}/members/${encodeURIComponent(pick.value)}`));
    const teacher = ctx.teacher();
    return el("tr", { "data-group": g.name },
      el("td", {}, g.name),
      el("td", { class: "members" }, g.members.join(", ") || "-"),
      el("td", { class: "actions" },
        el("button", { class: "danger", onclick: () => fanOut(api, show, "estop", g.name) }, "stop"), " ",
        el("button", { onclick: () => fanOut(api, show, "release", g.name) }, "release"),
        teacher ? el("div", { class: "edit" }, pick,
          el("button", { class: "add-member", onclick: add }, "add"),
          el("button", { class: "remove-member", onclick: remove }, "remove"),
          el("button", { class: "delete-group", title: `delete group ${g.name}`, onclick: () => edit(`group ${g.name} deleted`, api.delete(path(g.name))) }, "delete")) : null));
  }

  /// Redraws only when the groups or the robots changed, so a selection in progress survives
  /// the periodic refresh.
  function render(robots, ok, error) {
    const key = JSON.stringify([groups, robots, ctx.teacher(), ok]);
    if (key === drawn) return;
    drawn = key;
    $("groups").replaceChildren(...[
      el("table", { class: "list" },
        el("thead", {}, el("tr", {}, el("th", {}, "Group"), el("th", {}, "Robots"), el("th", {}, "Actions"))),
        el("tbody", {}, ...groups.map((g) => row(g, robots)))),
      ok ? null : el("p", { class: "muted" }, `groups: ${error}`),
      ok && !groups.length ? el("p", { class: "muted" }, "No groups yet.") : null,
    ].filter(Boolean));
    renderPicker(robots);
  }

  /// The create form's robot checkboxes, keeping what is ticked.
  function renderPicker(robots) {
    const box = $("group-robots");
    const ticked = new Set([...box.querySelectorAll("input:checked")].map((i) => i.value));
    box.replaceChildren(...robots.map((id) => el("label", { class: "pick" },
      el("input", { type: "checkbox", name: "group-robot", value: id, checked: ticked.has(id) }), id)));
  }

  $("group-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const name = $("group-name").value.trim();
    const robots = [...$("group-robots").querySelectorAll("input:checked")].map((i) => i.value);
    const answer = await api.post("/api/groups", { name, robots });
    if (answer.ok) { $("group-name").value = ""; $("group-robots").querySelectorAll("input").forEach((i) => { i.checked = false; }); }
    await edit(`group ${name} created${robots.length ? " with " + robots.join(", ") : ""}`, Promise.resolve(answer));
  });

  return {
    /// Reads the groups again; returns their names (for the mission form).
    async refresh() {
      const answer = await api.get("/api/groups");
      if (answer.ok) groups = answer.body;
      render(ctx.model.ids(), answer.ok, answer.ok ? "" : errorText(answer));
      return groups.map((g) => g.name);
    },
    render: () => render(ctx.model.ids(), true, ""),
  };
}
