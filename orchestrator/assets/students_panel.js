// The teacher's list of student remote links: the only links on any page that carry a token,
// and each carries that robot's student token, never the teacher's.

import { $, el } from "./dom.js";

export async function refreshStudents(api) {
  const answer = await api.get("/api/access/students");
  if (!answer.ok) return;
  $("students").replaceChildren(el("table", { class: "list" },
    el("thead", {}, el("tr", {}, el("th", {}, "Robot"), el("th", {}, "Student's remote link"))),
    el("tbody", {}, ...answer.body.map((s) => el("tr", { "data-robot": s.robot },
      el("td", {}, s.robot),
      // `url` uses an address the students' machines can reach (not 127.0.0.1 or 0.0.0.0).
      el("td", {}, el("a", { href: s.url || s.remote, target: "_blank", rel: "noopener" }, s.url || location.origin + s.remote)))))));
}
