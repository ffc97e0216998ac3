import {icon, kIcons, replaceChildren} from './dom.js';

// Light and dark themes: the saved choice ('light' | 'dark') or, without one,
// the system's prefers-color-scheme. The theme is the data-theme attribute on
// <html>; the colours are CSS variables (css/base.css).

const kStorageKey = 'tessera.theme';
const kModes = ['system', 'light', 'dark'];

function savedMode() {
  try {
    const mode = localStorage.getItem(kStorageKey);
    return mode === 'light' || mode === 'dark' ? mode : 'system';
  } catch {
    return 'system';
  }
}

function saveMode(mode) {
  try {
    if (mode === 'system') localStorage.removeItem(kStorageKey);
    else localStorage.setItem(kStorageKey, mode);
  } catch {
    // Without storage the choice lasts for this page only.
  }
}

// Applies the theme now and keeps following the system while no choice is
// saved. `button` (optional) becomes the toggle: system → light → dark.
export function initTheme(button) {
  const media = matchMedia('(prefers-color-scheme: dark)');
  let mode = savedMode();

  const apply = () => {
    const dark = mode === 'dark' || (mode === 'system' && media.matches);
    document.documentElement.dataset.theme = dark ? 'dark' : 'light';
    if (!button) return;
    const current = dark ? 'dark' : 'light';
    const label = mode === 'system' ? `Theme: automatic (${current})` : `Theme: ${mode}`;
    button.setAttribute('aria-label', `${label}. Change theme`);
    button.title = label;
    replaceChildren(button, icon(mode === 'system' ? kIcons.system : dark ? kIcons.moon : kIcons.sun));
  };

  media.addEventListener('change', apply);
  button?.addEventListener('click', () => {
    mode = kModes[(kModes.indexOf(mode) + 1) % kModes.length];
    saveMode(mode);
    apply();
  });
  apply();
}
