// Where the sign-in page sends the browser back to, in the zhiva auth protocol.
// Pure functions (tested under web/tests/).

// Resolves the destination; null when return_uri is not an http(s) URL, holds
// characters the URL parser would drop (so "/\t/evil.example" cannot become
// "//evil.example"), or is a relative path that resolves off the fallback's origin.
export function parseReturn(search, fallback) {
  const params = new URLSearchParams(search);
  const raw = params.get('return_uri');
  if (raw && /[\u0000-\u0020\u007f\\]/.test(raw)) return null;
  let target;
  try {
    target = new URL(raw || fallback, fallback);
  } catch {
    return null;
  }
  if (target.protocol !== 'https:' && target.protocol !== 'http:') return null;
  if (raw && !isAbsolute(raw) && target.origin !== new URL(fallback).origin) return null;
  let returnParams = {};
  try {
    const responseType = JSON.parse(params.get('response_type') ?? 'null');
    if (responseType && typeof responseType === 'object' && responseType.returnParams &&
        typeof responseType.returnParams === 'object') {
      returnParams = responseType.returnParams;
    }
  } catch {
    // A plain response_type ("token", "code") carries no parameters.
  }
  return {url: target, returnParams, explicit: Boolean(raw)};
}

// return_uri with token and state added to its query (its own query and
// fragment are kept).
export function redirectUrl(target, token) {
  const url = new URL(target.url.href);
  url.searchParams.set('token', token);
  url.searchParams.set('state', JSON.stringify({
    context: 'zhiva_auth',
    state: '',
    params: target.returnParams,
  }));
  return url.href;
}

function isAbsolute(raw) {
  try {
    new URL(raw);
    return true;
  } catch {
    return false;
  }
}
