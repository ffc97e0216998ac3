import {errorMessage, request, tooManyAttemptsMessage} from './api.js';
import {dropStaleHandOffs} from './handoff.js';
import {decodeJwtPayload, secondsToExpiry} from './jwt.js';

// Who is signed in, and with which tokens.
//
// Tokens live in sessionStorage (gone when the tab closes): the access token
// sent as `Authorization: Bearer` and, when the server issued one, the refresh
// token that renews it. A `?token=` in the address (from the token page, a
// login link or the sign-in redirect) is exchanged for an access + refresh
// pair with generate-access-token, or kept as is when it already is an access
// token, and removed from the address bar at once.
//
// One Session per page; not shared between tabs.

const kStorageKey = 'tessera.tokens';

// The identity when the server runs without authentication (no /verify route).
const kOpenIdentity = {username: '', name: '', canEditResource: true, open: true};

export class Session {
  // `config` is from loadConfig(). `prompt(reason)` is the sign-in UI: it
  // resolves with true once adoptToken() succeeded, false when the person gave up.
  constructor(config, {storage = globalThis.sessionStorage, location = globalThis.location,
    history = globalThis.history} = {}) {
    this.config_ = config;
    this.storage_ = storage;
    this.location_ = location;
    this.history_ = history;
    this.tokens_ = this.load_();
    this.identity_ = null;
    this.prompt_ = null;
    this.refreshing_ = null;
    this.signingIn_ = null;
    this.listeners_ = new Set();
  }

  setPrompt(prompt) {
    this.prompt_ = prompt;
  }

  accessToken() {
    return this.tokens_.access || '';
  }

  // {username, name, canEditResource, open} once signed in, else null.
  identity() {
    return this.identity_;
  }

  canEdit() {
    return Boolean(this.identity_?.canEditResource);
  }

  // Calls `listener(identity)` whenever the identity changes.
  onChange(listener) {
    this.listeners_.add(listener);
  }

  // Establishes the session at page load: takes a ?token= from the address,
  // else reuses the stored tokens, else finds out whether the server needs any.
  // Resolves with the identity or null (sign-in needed; see lastError()).
  async start() {
    this.lastError_ = '';
    const token = this.takeTokenFromAddress_();
    if (token) {
      const result = await this.adoptToken(token);
      if (result.ok) return this.identity_;
      this.lastError_ = result.message;
    }
    if (this.tokens_.access) {
      const result = await this.verifyOrRefresh_();
      if (result.identity) return this.setIdentity_(result.identity);
      this.clear_();
    }
    // Asked without a token only when the server does not say that it needs one
    // (a zhiva service answers 404 when open): the 401 would just fill the console.
    if (this.config_.authRequired) return null;
    const anonymous = await this.verify_('');
    if (anonymous.identity) return this.setIdentity_(anonymous.identity);
    return null;
  }

  lastError() {
    return this.lastError_ || '';
  }

  // Uses `token` (one-off, access or a pasted one): exchanges it when it is a
  // one-off token, then asks the server who it belongs to.
  // Resolves with {ok: true} or {ok: false, message}.
  async adoptToken(token) {
    const trimmed = String(token).trim().replace(/^Bearer\s+/i, '');
    if (!trimmed) return {ok: false, message: 'Paste a token first.'};
    const exchange = await this.exchange_(trimmed);
    if (exchange.error) return {ok: false, message: exchange.error};
    this.save_(exchange.tokens ?? {access: trimmed, refresh: ''});
    const result = await this.verify_(this.tokens_.access);
    if (result.identity) {
      this.setIdentity_(result.identity);
      return {ok: true};
    }
    this.clear_();
    return {ok: false, message: friendlyTokenError(exchange.message || result.message)};
  }

  // Renews the access token with the refresh token, once at a time.
  // Resolves with true when a new access token was stored.
  refresh() {
    if (!this.tokens_.refresh) return Promise.resolve(false);
    this.refreshing_ ??= this.doRefresh_().finally(() => {
      this.refreshing_ = null;
    });
    return this.refreshing_;
  }

  // The access token, renewed first when it expires within a minute (for links
  // that carry the token, such as downloads).
  async freshAccessToken() {
    if (this.tokens_.access && secondsToExpiry(this.tokens_.access) < 60) await this.refresh();
    return this.accessToken();
  }

  // A token for a link the browser follows on its own, without headers (a
  // study's zip): valid for a minute, so the copy the browser keeps in its
  // downloads list is soon worthless. '' when there is no session (nothing to
  // add: authentication is off); null when the server refused one.
  async linkToken() {
    const access = await this.freshAccessToken();
    if (!access) return '';
    try {
      const response = await request(`${this.config_.authRoot}/generate-link-token`, {
        method: 'POST',
        headers: {Authorization: `Bearer ${access}`},
      });
      if (response.ok) return String((await response.json()).token ?? '') || null;
    } catch {
      // Network trouble: no token.
    }
    return null;
  }

  // Called by Api on a 401 that refresh could not cure: shows the sign-in UI
  // once for all waiting requests. Resolves with true when signed in again.
  signIn(reason) {
    if (!this.prompt_) return Promise.resolve(false);
    this.signingIn_ ??= this.prompt_(reason).finally(() => {
      this.signingIn_ = null;
    });
    return this.signingIn_;
  }

  // The sign-in page URL that brings the person back here with a token; the
  // current view (hash) travels in response_type's returnParams and comes back
  // in `state`.
  signInUrl() {
    const returnUri = this.location_.origin + this.location_.pathname;
    const responseType = JSON.stringify({
      type: 'authToken',
      returnParams: {hash: this.location_.hash || ''},
    });
    const query = new URLSearchParams({return_uri: returnUri, response_type: responseType});
    return `${this.config_.authRoot}/sign-in?${query}`;
  }

  // Revokes the tokens on the server (best effort) and forgets them.
  async signOut() {
    const {access, refresh} = this.tokens_;
    this.clear_();
    dropStaleHandOffs(globalThis.localStorage, {all: true});  // tokens left for viewer tabs
    this.setIdentity_(null);
    const revoke = (token) => request(`${this.config_.authRoot}/revoke`, {
      method: 'POST',
      headers: {Authorization: `Bearer ${token}`},
    }).catch(() => null);
    await Promise.all([access && revoke(access), refresh && revoke(refresh)]);
  }

  // --- internals ---

  takeTokenFromAddress_() {
    const url = new URL(this.location_.href);
    const token = url.searchParams.get('token');
    const state = url.searchParams.get('state');
    if (token === null && state === null) return '';
    url.searchParams.delete('token');
    url.searchParams.delete('state');
    const hash = hashFromState(state);
    if (hash) url.hash = hash;
    this.history_.replaceState(this.history_.state, '', url.href);
    return token || '';
  }

  async exchange_(token) {
    let response;
    try {
      response = await request(`${this.config_.authRoot}/generate-access-token`, {
        method: 'POST',
        headers: {Authorization: `Bearer ${token}`},
      });
    } catch (error) {
      return {error: error.message};
    }
    if (response.status === 429) {
      return {error: tooManyAttemptsMessage(Number(response.headers.get('Retry-After')) || 0)};
    }
    if (!response.ok) return {message: await errorMessage(response)};
    const access = bearerFrom(response.headers.get('Authorization'));
    const refresh = (await response.text()).trim();
    if (!access) return {message: 'The server did not return an access token.'};
    return {tokens: {access, refresh}};
  }

  // Resolves with {identity} or {message}; {identity: open} when the server has
  // no verify route (authentication off).
  async verify_(token) {
    let response;
    try {
      response = await request(`${this.config_.authRoot}/verify`, {
        headers: token ? {Authorization: `Bearer ${token}`} : {},
        cache: 'no-store',
      });
    } catch (error) {
      return {message: error.message};
    }
    if (response.status === 404) return {identity: kOpenIdentity};
    if (!response.ok) return {message: await errorMessage(response)};
    let body = null;
    try {
      body = await response.json();
    } catch {
      // An empty 200 (nginx-style verify): fall back to the token's own claims.
    }
    return {identity: identityFrom(body, token)};
  }

  async verifyOrRefresh_() {
    const first = await this.verify_(this.tokens_.access);
    if (first.identity || !(await this.refresh())) return first;
    return this.verify_(this.tokens_.access);
  }

  async doRefresh_() {
    let response;
    try {
      response = await request(`${this.config_.authRoot}/refresh-token`, {
        method: 'POST',
        headers: {Authorization: `Bearer ${this.tokens_.refresh}`},
      });
    } catch {
      return false;
    }
    const access = response.ok ? bearerFrom(response.headers.get('Authorization')) : '';
    if (!access) {
      // A refused refresh token stays refused: don't try it again.
      this.save_({access: this.tokens_.access, refresh: ''});
      return false;
    }
    this.save_({access, refresh: this.tokens_.refresh});
    return true;
  }

  setIdentity_(identity) {
    this.identity_ = identity;
    for (const listener of this.listeners_) listener(identity);
    return identity;
  }

  load_() {
    try {
      const stored = JSON.parse(this.storage_.getItem(kStorageKey) ?? '{}');
      return {access: String(stored.access ?? ''), refresh: String(stored.refresh ?? '')};
    } catch {
      return {access: '', refresh: ''};
    }
  }

  save_(tokens) {
    this.tokens_ = {access: tokens.access || '', refresh: tokens.refresh || ''};
    try {
      this.storage_.setItem(kStorageKey, JSON.stringify(this.tokens_));
    } catch {
      // Storage may be disabled (private mode); the tokens still work in memory.
    }
  }

  clear_() {
    this.tokens_ = {access: '', refresh: ''};
    try {
      this.storage_.removeItem(kStorageKey);
    } catch {
      // See save_().
    }
  }
}

function bearerFrom(header) {
  const match = /^Bearer\s+(\S+)$/i.exec(header?.trim() ?? '');
  return match ? match[1] : '';
}

function identityFrom(body, token) {
  const source = body && typeof body === 'object' && body.username ? body :
      decodeJwtPayload(token) ?? {};
  return {
    username: String(source.username ?? source.sub ?? ''),
    name: String(source.name ?? ''),
    canEditResource: source.canEditResource === true,
    open: false,
  };
}

// The view to restore from the sign-in redirect's state
// ({"context":"zhiva_auth","state":"","params":{"hash":"#study/…"}}), or ''.
export function hashFromState(state) {
  if (!state) return '';
  try {
    const parsed = JSON.parse(state);
    const hash = parsed?.context === 'zhiva_auth' ? parsed?.params?.hash : '';
    return typeof hash === 'string' && /^#[\w\-./?=&%+,:~]*$/.test(hash) ? hash : '';
  } catch {
    return '';
  }
}

// Turns the guard's terse messages into advice.
export function friendlyTokenError(message) {
  const text = String(message ?? '');
  if (/expired/i.test(text)) return 'This token has expired. Ask your administrator for a new one.';
  if (/invalid token|unauthori[sz]ed|not signed in/i.test(text)) {
    return 'This token is not valid: it may have been used already, revoked or mistyped.';
  }
  return text || 'This token was not accepted.';
}
