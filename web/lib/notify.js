// Short confirmations ("Copied") shown at the bottom of the page and read out
// by screen readers. One live region per page, created on first use.

let region = null;
let timer = 0;

export function notify(message, milliseconds = 2500) {
  if (!region) {
    region = document.createElement('div');
    region.className = 'toast';
    region.setAttribute('role', 'status');
    region.setAttribute('aria-live', 'polite');
    document.body.append(region);
  }
  region.textContent = message;
  clearTimeout(timer);
  timer = setTimeout(() => {
    region.textContent = '';
  }, milliseconds);
}
