// Emergency stop and release of every robot or of one group (`POST /api/estop`, `/api/release`),
// and the one line that reports what each robot answered.

import { errorText } from "./api.js";

/// Every robot targeted is in exactly one list of the report; those that did not acknowledge
/// are named.
export function reportLine(r) {
  const lists = [
    ["acknowledged", r.acknowledged], ["refused", r.refused.map((x) => x.robot)],
    ["no answer", r.no_answer], ["offline", r.offline], ["unknown", r.unknown],
    ["failed", r.failed.map((x) => x.robot)],
  ].filter(([, ids]) => ids.length);
  const counts = lists.map(([what, ids]) => `${ids.length} ${what}`).join(", ") || "no robots";
  const named = lists.filter(([what]) => what !== "acknowledged")
    .map(([what, ids]) => `${what}: ${ids.join(" ")}`).join("; ");
  return `${r.command} ${r.target}: ${counts}${named ? " (" + named + ")" : ""}`;
}

/// `route` is "estop" or "release"; `group` null for every robot. Reports through `show`.
export async function fanOut(api, show, route, group) {
  show(`${route}…`);
  const query = group ? `?group=${encodeURIComponent(group)}` : "";
  const answer = await api.post(`/api/${route}${query}`, {});
  if (!answer.ok) { show(`${route} failed: ${errorText(answer)}`, true); return; }
  const report = answer.body;
  show(reportLine(report), report.acknowledged.length !== report.robots);
}
