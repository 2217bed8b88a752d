// How the grade pages write a grade's numbers: points, totals, and each criterion's measured
// value in its own unit (the `raw` of grading::Raw, tagged by `unit`). No DOM.

/// Points with at most two decimals: 4, 3.5, 12.25.
export function points(p) {
  return typeof p === "number" ? String(Math.round(p * 100) / 100) : "-";
}

export function totalText(total, scale) {
  return `${Number(total).toFixed(2)} / ${points(scale)}`;
}

const fixed = (v, digits, unit) => (typeof v === "number" ? `${v.toFixed(digits)}${unit}` : "-");

/// A criterion's measured value as a sentence fragment: "1/1 laps", "42.3 s", "91.0 % of 60 s".
export function rawText(raw) {
  if (!raw) return "-";
  switch (raw.unit) {
    case "laps": return `${raw.done}/${raw.required} laps`;
    case "seconds": return fixed(raw.seconds, 1, " s");
    case "share": return raw.share === null ? "-" : `${fixed(raw.share * 100, 1, " %")} of ${fixed(raw.known_s, 0, " s")}`;
    case "losses": return `${raw.count} (longest ${fixed(raw.longest_s, 1, " s")})`;
    case "distance": return `mean ${fixed(raw.mean_mm, 0, " mm")}, max ${fixed(raw.max_mm, 0, " mm")}`;
    case "count": return raw.count === null || raw.count === undefined ? "-" : String(raw.count);
    default: return JSON.stringify(raw);
  }
}
