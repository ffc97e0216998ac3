import {h} from './dom.js';

// The sign-in prompt shown when the server wants a token: a link to the
// sign-in page (which returns here with a token) and a box to paste a token.
// Implements Session's prompt: resolves true once a token was accepted, false
// when the person closed the dialog.
export function createAuthGate(session) {
  return function prompt(reason) {
    return new Promise((resolve) => {
      const error = h('p', {class: 'error-text', attrs: {'aria-live': 'assertive'}, id: 'auth-gate-error'});
      const tokenBox = h('textarea', {
        id: 'auth-gate-token',
        rows: 3,
        spellcheck: false,
        attrs: {autocomplete: 'off', autocapitalize: 'off', 'aria-describedby': 'auth-gate-error'},
      });
      const submit = h('button', {type: 'submit', class: 'primary', text: 'Use token'});
      const close = h('button', {type: 'button', text: 'Not now'});
      const signIn = h('a', {class: 'button primary', href: session.signInUrl(), text: 'Sign in with a password'});

      const form = h('form', {},
          h('div', {class: 'dialog-body'},
              h('h2', {id: 'auth-gate-title', text: 'Sign in to continue'}),
              h('p', {class: 'muted', text: reasonText(reason)}),
              signIn,
              h('div', {class: 'divider', text: 'or'}),
              h('div', {class: 'field'},
                  h('label', {htmlFor: 'auth-gate-token', text: 'Paste a token from your administrator'}),
                  tokenBox),
              error),
          h('div', {class: 'dialog-actions'}, close, submit));
      const dialog = h('dialog', {attrs: {'aria-labelledby': 'auth-gate-title'}}, form);

      let accepted = false;
      form.addEventListener('submit', async (event) => {
        event.preventDefault();
        submit.disabled = true;
        error.textContent = '';
        const result = await session.adoptToken(tokenBox.value);
        submit.disabled = false;
        if (!result.ok) {
          error.textContent = result.message;
          tokenBox.setAttribute('aria-invalid', 'true');
          tokenBox.focus();
          return;
        }
        accepted = true;
        dialog.close();
      });
      close.addEventListener('click', () => dialog.close());
      dialog.addEventListener('close', () => {
        dialog.remove();
        resolve(accepted);
      });
      document.body.append(dialog);
      dialog.showModal();
      signIn.focus();
    });
  };
}

function reasonText(reason) {
  if (!reason) return 'This archive needs you to sign in.';
  if (/expired/i.test(reason)) return 'Your session has expired.';
  if (/missing|not signed in|401/i.test(reason)) return 'This archive needs you to sign in.';
  // The guard's word for a token that was good: its user's access changed, an
  // administrator revoked it, or it was signed out elsewhere.
  if (/^invalid token$/i.test(reason.trim())) {
    return 'Your session was ended: your access may have changed. Please sign in again.';
  }
  // Already a sentence (friendlyTokenError's): as it is, not in brackets.
  if (/^[A-Z].*[.!?]$/.test(reason.trim())) return reason.trim();
  return `The server did not accept your session (${reason}).`;
}
