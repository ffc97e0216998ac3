import {postJson, tooManyAttemptsMessage} from '../lib/api.js';
import {explorerUrl, loadAuthPageConfig} from '../lib/config.js';
import {byId} from '../lib/dom.js';
import {bindRevealButtons} from '../lib/reveal.js';
import {initTheme} from '../lib/theme.js';
import {parseReturn, redirectUrl} from './return-uri.js';

// The sign-in page of the zhiva auth protocol: /auth/sign-in?return_uri=…&
// response_type=… (response_type: JSON {type, returnParams}). A correct
// username and password get a one-off token bound to return_uri's origin, and
// the browser goes to return_uri?token=…&state=… with state =
// {"context":"zhiva_auth","state":"","params": returnParams}. Without a
// return_uri the explorer is the destination. Served at {authRoot}/sign-in.

async function main() {
  initTheme(byId('theme-toggle'));
  bindRevealButtons();
  const form = byId('sign-in-form');
  const error = byId('sign-in-error');
  const submit = byId('sign-in-submit');
  const username = byId('username');
  const password = byId('password');

  const config = await loadAuthPageConfig();
  // The server marks the page when it refuses return_uri (a site outside the
  // allowed origins): a token must never be sent there.
  const refused = document.querySelector('meta[name="tessera-refused"]') !== null;
  const target = refused ? null : parseReturn(location.search, explorerUrl(config));
  if (!target) {
    byId('sign-in-target').textContent = '';
    error.textContent = 'The address that sent you here is not valid (return_uri). Go back and try again.';
    submit.disabled = true;
    return;
  }
  byId('sign-in-target').textContent = target.explicit && target.url.origin !== location.origin ?
      `to continue to ${target.url.host}` : 'to continue to the archive';
  username.focus();

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    for (const input of [username, password]) input.removeAttribute('aria-invalid');
    const missing = [username, password].find((input) => !input.value.trim());
    if (missing) {
      missing.setAttribute('aria-invalid', 'true');
      error.textContent = missing === username ? 'Enter your username.' : 'Enter your password.';
      missing.focus();
      return;
    }
    submit.disabled = true;
    submit.textContent = 'Signing in…';
    let result;
    try {
      result = await postJson(`${config.authRoot}/sign-user`, {
        username: username.value.trim(),
        password: password.value,
        referer: target.url.origin,
      });
    } catch (failure) {
      result = {ok: false, status: 0, message: failure.message};
    }
    submit.disabled = false;
    submit.textContent = 'Sign in';
    const token = result.ok ? result.body?.token : '';
    if (!token) {
      error.textContent = signInError(result);
      password.value = '';
      password.setAttribute('aria-invalid', 'true');
      password.focus();
      return;
    }
    const destination = redirectUrl(target, token);
    form.hidden = true;
    byId('redirect-link').href = destination;
    byId('redirecting').hidden = false;
    location.replace(destination);
  });
}

function signInError(result) {
  if (result.status === 429) return tooManyAttemptsMessage(result.retryAfter);
  if (result.status === 0) return result.message;
  if (result.ok) return 'The server did not return a token. Contact your administrator.';
  if (/invalid data|not valid|password/i.test(result.message) && result.status < 500) {
    return 'Wrong username or password.';
  }
  return `Could not sign in: ${result.message}`;
}

main();
