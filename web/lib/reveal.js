// "Show" buttons beside password fields: <button data-reveal="input-id">.
// The field returns to hidden when its form is submitted.
export function bindRevealButtons(root = document) {
  for (const button of root.querySelectorAll('[data-reveal]')) {
    const input = document.getElementById(button.dataset.reveal);
    if (!input) continue;
    const set = (shown) => {
      input.type = shown ? 'text' : 'password';
      button.setAttribute('aria-pressed', String(shown));
      button.textContent = shown ? 'Hide' : 'Show';
      button.setAttribute('aria-label', `${shown ? 'Hide' : 'Show'} password`);
    };
    set(false);
    button.addEventListener('click', () => set(input.type === 'password'));
    input.form?.addEventListener('submit', () => set(false));
  }
}
