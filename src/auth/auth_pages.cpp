#include "auth/auth_pages.h"

#include <array>
#include <cstdint>

namespace tessera::auth {
namespace {

constexpr std::string_view kTokenHtml = R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Issue a token · Tessera</title>
<link rel="stylesheet" href="auth.css">
</head>
<body>
<main>
<h1>Issue a token</h1>
<form id="issue">
  <label for="name">Token owner name</label>
  <input id="name" name="name" required autocomplete="off">
  <label for="username">Token owner username</label>
  <input id="username" name="username" required autocomplete="off">
  <div class="check">
    <input type="checkbox" id="canEditResource" name="canEditResource">
    <label for="canEditResource">Can edit PACS resources?</label>
  </div>
  <label for="password">Admin password</label>
  <input type="password" id="password" name="password" required autocomplete="current-password">
  <button type="submit">Issue token</button>
</form>
<form id="confirm" hidden>
  <p id="confirm-text"></p>
  <label for="userPassword">User password</label>
  <input type="password" id="userPassword" required autocomplete="new-password">
  <p class="hint">At least 8 characters with an upper-case letter, a lower-case letter,
    a digit and a special character.</p>
  <div class="row">
    <button type="button" id="cancel">Cancel</button>
    <button type="submit" id="confirm-button" disabled>Confirm</button>
  </div>
</form>
<section id="result" hidden>
  <label for="token">Token</label>
  <textarea id="token" rows="6" readonly></textarea>
  <p id="login" hidden><a id="login-link" href="#">Direct login link</a></p>
  <p>Copy this token and give it to the user.</p>
</section>
<p id="error" class="error" role="alert" aria-live="assertive"></p>
</main>
<script type="module" src="token.js"></script>
</body>
</html>
)html";

constexpr std::string_view kTokenJs =
    R"js(const strong = /(?=.*[a-z])(?=.*[A-Z])(?=.*[0-9])(?=.*[^A-Za-z0-9])(?=.{8,})/;
const issue = document.getElementById('issue');
const confirmForm = document.getElementById('confirm');
const confirmText = document.getElementById('confirm-text');
const userPassword = document.getElementById('userPassword');
const confirmButton = document.getElementById('confirm-button');
const result = document.getElementById('result');
const error = document.getElementById('error');
let pending = null;

async function generate(body) {
  error.textContent = '';
  let response;
  try {
    response = await fetch('generate-token', {
      method: 'POST',
      headers: {'Content-Type': 'application/json'},
      body: JSON.stringify(body),
    });
  } catch (e) {
    error.textContent = 'The server cannot be reached.';
    return;
  }
  const data = await response.json().catch(() => ({}));
  if (data.token) {
    issue.hidden = true;
    confirmForm.hidden = true;
    result.hidden = false;
    document.getElementById('token').value = data.token;
    if (data.loginUrl) {
      document.getElementById('login-link').href = data.loginUrl;
      document.getElementById('login').hidden = false;
    }
    return;
  }
  if (data.message === 'User already exists' || data.message === "User doesn't exists") {
    pending = body;
    confirmText.textContent = data.message === 'User already exists'
        ? 'This user exists. Confirming sets a new password and permission and ends their sessions.'
        : 'This user does not exist yet. Confirm to create it.';
    issue.hidden = true;
    confirmForm.hidden = false;
    userPassword.focus();
    return;
  }
  error.textContent = data.message || `Request failed (${response.status})`;
}

issue.addEventListener('submit', (event) => {
  event.preventDefault();
  generate({
    name: issue.elements.name.value,
    username: issue.elements.username.value,
    canEditResource: issue.elements.canEditResource.checked,
    password: issue.elements.password.value,
  });
});

userPassword.addEventListener('input', () => {
  confirmButton.disabled = !strong.test(userPassword.value);
});

confirmForm.addEventListener('submit', (event) => {
  event.preventDefault();
  generate({...pending, userPassword: userPassword.value, createUserIfNotExists: true});
});

document.getElementById('cancel').addEventListener('click', () => {
  pending = null;
  userPassword.value = '';
  confirmForm.hidden = true;
  issue.hidden = false;
});
)js";

constexpr std::string_view kSignInHtml = R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · Tessera</title>
<link rel="stylesheet" href="auth.css">
</head>
<body>
<main>
<h1>Sign in</h1>
<form id="sign-in">
  <label for="username">Username</label>
  <input id="username" name="username" required autocomplete="username">
  <label for="password">Password</label>
  <input type="password" id="password" name="password" required autocomplete="current-password">
  <button type="submit">Sign in</button>
</form>
<p id="redirect" hidden>Redirecting… If nothing happens, use
  <a id="redirect-link" href="#">this link</a>.</p>
<p id="error" class="error" role="alert" aria-live="assertive"></p>
</main>
<script type="module" src="sign-in.js"></script>
</body>
</html>
)html";

constexpr std::string_view kSignInJs = R"js(const form = document.getElementById('sign-in');
const error = document.getElementById('error');
const params = new URLSearchParams(location.search);
const returnUri = params.get('return_uri');
let returnParams = {};
try {
  returnParams = (JSON.parse(params.get('response_type')) || {}).returnParams || {};
} catch (e) {
  returnParams = {};
}

if (!returnUri) {
  error.textContent = 'This page needs a return_uri to send you back to.';
  form.hidden = true;
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  error.textContent = '';
  const target = new URL(returnUri, location.href);
  let response;
  try {
    response = await fetch('sign-user', {
      method: 'POST',
      headers: {'Content-Type': 'application/json'},
      body: JSON.stringify({
        username: form.elements.username.value,
        password: form.elements.password.value,
        referer: target.origin,
      }),
    });
  } catch (e) {
    error.textContent = 'The server cannot be reached.';
    return;
  }
  const data = await response.json().catch(() => ({}));
  if (!data.token) {
    error.textContent = response.status === 400
        ? 'Wrong username or password.'
        : data.message || `Sign-in failed (${response.status})`;
    return;
  }
  target.searchParams.set('token', data.token);
  const state = {context: 'zhiva_auth', state: '', params: returnParams};
  target.searchParams.set('state', JSON.stringify(state));
  form.hidden = true;
  document.getElementById('redirect-link').href = target.href;
  document.getElementById('redirect').hidden = false;
  location.replace(target.href);
});
)js";

constexpr std::string_view kCss = R"css(:root {
  --bg: #f4f6f8; --fg: #1c232b; --panel: #ffffff; --border: #c9d1d9;
  --accent: #1f6feb; --accent-fg: #ffffff; --error: #b42318;
  color-scheme: light dark;
}
@media (prefers-color-scheme: dark) {
  :root { --bg: #0f1419; --fg: #e6edf3; --panel: #161b22; --border: #30363d;
          --accent: #388bfd; --accent-fg: #0f1419; --error: #ff7b72; }
}
body { margin: 0; min-height: 100vh; display: grid; place-items: center;
       background: var(--bg); color: var(--fg); font: 16px/1.5 system-ui, sans-serif; }
main { width: min(26rem, 92vw); background: var(--panel); border: 1px solid var(--border);
       border-radius: 8px; padding: 1.5rem 2rem; }
h1 { font-size: 1.4rem; margin-top: 0; }
form, section { display: grid; gap: 0.4rem; }
input, textarea, button { font: inherit; color: inherit; background: var(--bg);
       border: 1px solid var(--border); border-radius: 4px; padding: 0.45rem 0.6rem; }
textarea { font-family: ui-monospace, monospace; font-size: 0.8rem; word-break: break-all; }
button { margin-top: 0.8rem; background: var(--accent); color: var(--accent-fg);
         border: none; cursor: pointer; font-weight: 600; }
button:disabled { opacity: 0.5; cursor: not-allowed; }
.check { display: flex; gap: 0.5rem; align-items: center; margin: 0.4rem 0; }
.row { display: flex; gap: 0.8rem; justify-content: space-between; }
.hint { font-size: 0.85rem; margin: 0; }
.error { color: var(--error); min-height: 1.5em; }
[hidden] { display: none !important; }
a { color: var(--accent); }
)css";

// A quoted FNV-1a hash of the bytes, computed at compile time: a strong ETag
// that changes whenever the page does.
constexpr std::array<char, 19> EtagOf(std::string_view bytes) {
  std::uint64_t hash = 14695981039346656037ull;
  for (const char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  std::array<char, 19> etag{};
  etag[0] = '"';
  for (int i = 0; i < 16; ++i) etag[1 + i] = "0123456789abcdef"[(hash >> (60 - 4 * i)) & 15];
  etag[17] = '"';
  return etag;
}

constexpr auto kTokenJsEtag = EtagOf(kTokenJs);
constexpr auto kSignInJsEtag = EtagOf(kSignInJs);
constexpr auto kCssEtag = EtagOf(kCss);

constexpr std::string_view View(const std::array<char, 19>& etag) { return {etag.data(), 18}; }

constexpr http::StaticAsset kAssets[] = {
    {"auth.css", "text/css; charset=utf-8", kCss, View(kCssEtag)},
    {"sign-in.js", "text/javascript; charset=utf-8", kSignInJs, View(kSignInJsEtag)},
    {"token.js", "text/javascript; charset=utf-8", kTokenJs, View(kTokenJsEtag)},
};

}  // namespace

AuthPages MinimalAuthPages() { return AuthPages{kTokenHtml, kSignInHtml, kAssets}; }

}  // namespace tessera::auth
