// Small DOM helpers shared by the pages.

/// el("div", {class: "x", onclick: f}, child, "text"); null children are skipped.
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  setAttributes(node, attrs);
  node.append(...children.filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

const SVG = "http://www.w3.org/2000/svg";

export function svg(tag, attrs) {
  const node = document.createElementNS(SVG, tag);
  setAttributes(node, attrs);
  return node;
}

function setAttributes(node, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.setAttribute("class", v);
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
}

export const $ = (id) => document.getElementById(id);

/// Shows a one-line result in `node`: muted, or in the error colour when `bad`.
export function showResult(node, text, bad) {
  node.textContent = text;
  node.className = bad ? "offline" : "muted";
}
