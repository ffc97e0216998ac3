// Small DOM helpers shared by every page. No framework: elements are built with
// h() and text always goes through textContent, never innerHTML, so values from
// the server (patient names, messages) can't inject markup.

// Returns the element with `id`; a missing id is a bug in the page, so it throws.
export function byId(id) {
  const element = document.getElementById(id);
  if (!element) throw new Error(`page is missing #${id}`);
  return element;
}

// Creates an element. `props` keys:
//   class: string, text: string, attrs: {name: value} (null/false skips),
//   on: {event: handler}, dataset: {key: value}; anything else is set as a property.
// `children` are nodes or strings (null/undefined/false are skipped).
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null) continue;
    if (key === 'class') element.className = value;
    else if (key === 'text') element.textContent = value;
    else if (key === 'attrs') setAttributes(element, value);
    else if (key === 'on') for (const [event, fn] of Object.entries(value)) element.addEventListener(event, fn);
    else if (key === 'dataset') Object.assign(element.dataset, value);
    else element[key] = value;
  }
  append(element, children);
  return element;
}

function setAttributes(element, attrs) {
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
}

function append(element, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
}

// Replaces the children of `element` with `children`.
export function replaceChildren(element, ...children) {
  element.textContent = '';
  append(element, children);
}

// An inline SVG icon from a list of path `d` strings (24x24 viewBox, stroked).
export function icon(paths, label) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', 'icon');
  if (label) {
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', label);
  } else {
    svg.setAttribute('aria-hidden', 'true');
  }
  for (const d of paths) {
    const path = document.createElementNS(ns, 'path');
    path.setAttribute('d', d);
    svg.append(path);
  }
  return svg;
}

export const kIcons = {
  sun: ['M12 3v2', 'M12 19v2', 'M5 5l1.5 1.5', 'M17.5 17.5 19 19', 'M3 12h2', 'M19 12h2',
    'M5 19l1.5-1.5', 'M17.5 6.5 19 5', 'M12 8a4 4 0 1 0 0 8a4 4 0 1 0 0-8'],
  moon: ['M20 14.5A8 8 0 0 1 9.5 4a8 8 0 1 0 10.5 10.5z'],
  system: ['M4 5h16v11H4z', 'M9 20h6', 'M12 16v4'],
  upload: ['M12 16V4', 'M7 9l5-5 5 5', 'M4 16v3a1 1 0 0 0 1 1h14a1 1 0 0 0 1-1v-3'],
  download: ['M12 4v12', 'M7 11l5 5 5-5', 'M4 20h16'],
  copy: ['M9 9h11v11H9z', 'M5 15H4V4h11v1'],
  external: ['M14 4h6v6', 'M20 4l-9 9', 'M18 14v5a1 1 0 0 1-1 1H5a1 1 0 0 1-1-1V7a1 1 0 0 1 1-1h5'],
  trash: ['M4 7h16', 'M10 11v6', 'M14 11v6', 'M6 7l1 13h10l1-13', 'M9 7V4h6v3'],
  folder: ['M3 6a1 1 0 0 1 1-1h5l2 2h9a1 1 0 0 1 1 1v10a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1z'],
  file: ['M6 3h8l4 4v14H6z', 'M14 3v4h4'],
  signOut: ['M15 4h4v16h-4', 'M10 8l-4 4 4 4', 'M6 12h10'],
  eye: ['M2 12s4-7 10-7 10 7 10 7-4 7-10 7S2 12 2 12z', 'M12 9a3 3 0 1 0 0 6a3 3 0 1 0 0-6'],
};
