// The course map: the floor, the line, the zones (coloured by role when the map names one) and
// a marker per robot with a pose. Map units are metres with y up; SVG's y goes down, so every
// y is drawn as height - y. Each marker keeps its pose in metres in data-x / data-y /
// data-heading, with the telemetry's seq and ts_ms, for tests and tools to read.

import { svg } from "./dom.js";
import { isEstopped } from "./fleet_model.js";

export class CourseMap {
  /// `root` is the <svg> element; `course` the answer of `GET /api/map`.
  constructor(root, course) {
    this.root = root;
    this.course = course;
    this.markers = new Map();
    this.draw();
  }

  draw() {
    const c = this.course;
    const h = c.height;
    this.root.setAttribute("viewBox", `0 0 ${c.width} ${h}`);
    // `role` (finish, capture, base, white) and `team` (a base's) are drawn when the map has them.
    const token = (v) => (typeof v === "string" ? v.replace(/[^a-z0-9_-]/gi, "") : "");
    for (const z of c.zones || []) {
      const role = token(z.role);
      const team = token(z.team);
      const rect = svg("rect", {
        class: ["zone", role && `role-${role}`, team && `team-${team}`].filter(Boolean).join(" "),
        x: z.x, y: h - z.y - z.h, width: z.w, height: z.h, "data-zone": z.name,
      });
      const title = svg("title", {});
      title.textContent = [z.name, role && role !== "white" ? role : "", team ? `team ${team}` : ""].filter(Boolean).join(" · ");
      rect.append(title);
      this.root.append(rect);
    }
    const d = c.segments.map(([x1, y1, x2, y2]) => `M${x1} ${h - y1}L${x2} ${h - y2}`).join("");
    this.root.append(svg("path", { class: "line", d, "stroke-width": c.line_width }));
  }

  /// Moves (or adds) the robot's marker; robots without a pose have none.
  update(r) {
    const t = r.telemetry;
    const pose = t && t.pose;
    if (!pose) return;
    if (!this.markers.has(r.id)) {
      const body = svg("polygon", { points: "0.07,0 -0.05,0.045 -0.05,-0.045" });
      const label = svg("text", { x: 0.06, y: -0.05 });
      label.textContent = r.id;
      const g = svg("g", { class: "robot", "data-robot": r.id });
      g.append(body, label);
      this.root.append(g);
      this.markers.set(r.id, { g, body });
    }
    const { g, body } = this.markers.get(r.id);
    g.setAttribute("class", `robot ${r.state}${isEstopped(r) ? " estopped" : ""}`);
    g.setAttribute("transform", `translate(${pose.x} ${this.course.height - pose.y})`);
    body.setAttribute("transform", `rotate(${(-pose.heading * 180) / Math.PI})`);
    Object.assign(g.dataset, { x: pose.x, y: pose.y, heading: pose.heading, seq: t.seq, ts: t.ts_ms });
  }
}
