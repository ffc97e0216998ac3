// Reads (never verifies) the payload of a JWT: the server verifies tokens; the
// pages only look at `exp` and the user's name to decide what to show.

// Returns the payload object, or null when `token` is not a readable JWT.
export function decodeJwtPayload(token) {
  if (typeof token !== 'string') return null;
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    const base64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
    const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
    const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
    const payload = JSON.parse(new TextDecoder().decode(bytes));
    return payload && typeof payload === 'object' ? payload : null;
  } catch {
    return null;
  }
}

// Seconds until the token expires (negative when expired); Infinity without `exp`.
export function secondsToExpiry(token, nowMs = Date.now()) {
  const payload = decodeJwtPayload(token);
  if (!payload || typeof payload.exp !== 'number') return Infinity;
  return payload.exp - nowMs / 1000;
}
