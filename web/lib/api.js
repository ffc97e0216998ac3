// Every request the pages make goes through this module.
//
//   request(url, options)  plain fetch that turns network failures into ApiError
//                          with a message for people (used by session.js).
//   new Api(session)       adds `Authorization: Bearer <access token>`; when the
//                          token is refused (401, or 403 "Invalid Token": revoked,
//                          its user deleted) it refreshes once, else asks the
//                          session to sign in (token box or sign-in page) and resumes.
//   Api#sendFile           uploads a Blob with XMLHttpRequest for progress events;
//                          the Blob is handed to the browser as is, never read into memory.

export class ApiError extends Error {
  // `status` is the HTTP status, 0 when the server could not be reached.
  constructor(message, status = 0) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

const kUnreachable =
    'Cannot reach the server. Check the network connection and that Tessera is running.';

export function isAbort(error) {
  return error?.name === 'AbortError';
}

export async function request(url, options = {}) {
  try {
    return await fetch(url, options);
  } catch (error) {
    if (isAbort(error)) throw error;
    throw new ApiError(kUnreachable, 0);
  }
}

// The server's explanation of a failed response: {"message"} when it sent JSON,
// else a short text body, else the status line.
export async function errorMessage(response) {
  let text = '';
  try {
    text = await response.text();
  } catch {
    // The body is optional; the status line still explains.
  }
  return messageFromBody(text) || statusText(response.status, response.statusText);
}

function messageFromBody(text) {
  const trimmed = text.trim();
  if (!trimmed) return '';
  try {
    const json = JSON.parse(trimmed);
    const message = json?.message ?? json?.error ?? json?.Message;
    if (typeof message === 'string' && message) return message;
  } catch {
    // Not JSON: plain text is fine when short and not an HTML error page.
  }
  if (trimmed.startsWith('<') || trimmed.length > 300) return '';
  return trimmed;
}

function statusText(status, text) {
  const known = {
    400: 'Bad request', 401: 'Not signed in', 403: 'Not allowed', 404: 'Not found',
    409: 'Conflict', 413: 'Too large', 429: 'Too many requests', 500: 'Server error',
    502: 'Bad gateway', 503: 'Service unavailable', 504: 'Gateway timeout',
  };
  return `${status} ${text || known[status] || 'Error'}`;
}

// The zhiva-compatible refusal of a token that is no longer valid (revoked, its
// user deleted or changed) is a 403 like "not allowed to edit", told apart by
// its message: it needs a new sign-in, not a different request.
export const kInvalidToken = 'Invalid Token';

function tokenRefused(status, message) {
  return status === 401 || (status === 403 && message === kInvalidToken);
}

function withBearer(headers, token) {
  const result = new Headers(headers);
  if (token) result.set('Authorization', `Bearer ${token}`);
  return result;
}

// `session` provides accessToken(), refresh() → Promise<bool> and
// signIn(reason) → Promise<bool> (false when the person gave up).
export class Api {
  constructor(session) {
    this.session_ = session;
  }

  // fetch() with the access token. Resolves with the Response (any status but a
  // 401 that sign-in could not cure); rejects with ApiError when unreachable.
  async fetch(url, options = {}) {
    let refreshed = false;
    for (;;) {
      const response = await request(url, {
        ...options,
        headers: withBearer(options.headers, this.session_.accessToken()),
      });
      if (response.status !== 401 && response.status !== 403) return response;
      const reason = await errorMessage(response.clone());
      if (!tokenRefused(response.status, reason)) return response;
      if (!refreshed) {
        refreshed = true;
        if (await this.session_.refresh()) continue;
      }
      if (!(await this.session_.signIn(reason))) return response;
      refreshed = true;  // a new sign-in gets no second refresh
    }
  }

  // GETs (or sends) and parses JSON. Rejects with ApiError carrying the server's
  // message for any non-2xx status. 204 resolves with null.
  async json(url, options = {}) {
    const response = await this.fetch(url, {
      ...options,
      headers: {Accept: 'application/json', ...options.headers},
    });
    if (!response.ok) throw new ApiError(await errorMessage(response), response.status);
    if (response.status === 204) return null;
    const text = await response.text();
    return text ? JSON.parse(text) : null;
  }

  // Uploads `blob` as the body of a POST. `onProgress(sentBytes)` follows the
  // upload. Resolves with {status, text}; status 0 means the connection failed.
  // Rejects with an AbortError when `signal` aborts.
  async sendFile(url, blob, {contentType, onProgress, signal} = {}) {
    let refreshed = false;
    for (;;) {
      // A server may refuse an expired token before reading the body and close
      // the connection, which the browser reports as a network error, not a
      // 401: renew a token about to expire before sending.
      const token = this.session_.freshAccessToken ?
          await this.session_.freshAccessToken() : this.session_.accessToken();
      const result = await xhrPost(url, blob, {contentType, onProgress, signal, token});
      const reason = messageFromBody(result.text);
      if (!tokenRefused(result.status, reason)) return result;
      onProgress?.(0);
      if (!refreshed) {
        refreshed = true;
        if (await this.session_.refresh()) continue;
      }
      if (!(await this.session_.signIn(reason || 'Not signed in'))) return result;
      refreshed = true;
    }
  }
}

function xhrPost(url, blob, {contentType, onProgress, signal, token}) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new DOMException('Upload cancelled', 'AbortError'));
      return;
    }
    const xhr = new XMLHttpRequest();
    const onAbort = () => xhr.abort();
    xhr.open('POST', url);
    if (contentType) xhr.setRequestHeader('Content-Type', contentType);
    if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.onprogress = (event) => onProgress?.(event.loaded);
    xhr.onload = () => {
      signal?.removeEventListener('abort', onAbort);
      resolve({status: xhr.status, text: xhr.responseText});
    };
    xhr.onerror = () => {
      signal?.removeEventListener('abort', onAbort);
      resolve({status: 0, text: kUnreachable});
    };
    xhr.ontimeout = xhr.onerror;
    xhr.onabort = () => {
      signal?.removeEventListener('abort', onAbort);
      reject(new DOMException('Upload cancelled', 'AbortError'));
    };
    signal?.addEventListener('abort', onAbort);
    xhr.send(blob);
  });
}

export {messageFromBody};

// POSTs `body` as JSON without a token (the auth pages' forms). Resolves with
// {status, ok, body, message, retryAfter}: `message` is the server's
// explanation for a failure, `retryAfter` the seconds of a 429. Rejects with
// ApiError only when the server can't be reached.
export async function postJson(url, body) {
  const response = await request(url, {
    method: 'POST',
    headers: {'Content-Type': 'application/json', Accept: 'application/json'},
    body: JSON.stringify(body),
    cache: 'no-store',
  });
  const text = await response.text().catch(() => '');
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  const retryAfter = Number(response.headers.get('Retry-After'));
  return {
    status: response.status,
    ok: response.ok,
    body: parsed,
    message: response.ok ? '' : messageFromBody(text) || statusText(response.status, response.statusText),
    retryAfter: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : 0,
  };
}

// "Too many attempts…" for a 429 result of postJson.
export function tooManyAttemptsMessage(retryAfter) {
  if (!retryAfter) return 'Too many attempts. Try again in a minute.';
  if (retryAfter <= 90) return `Too many attempts. Try again in ${Math.ceil(retryAfter)} seconds.`;
  return `Too many attempts. Try again in ${Math.ceil(retryAfter / 60)} minutes.`;
}
