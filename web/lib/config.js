import {ApiError, errorMessage, request} from './api.js';

// The server's public settings, config.json beside the page: the explorer
// reads {appRoot}/config.json (/zhiva/app/config.json by default). The auth
// pages are served at {authRoot}/token and {authRoot}/sign-in with their files
// under {authRoot}/ (see web/README.md), so they read {authRoot}/config.json
// and fall back to the defaults when the server keeps none there.

const kDefaults = {
  appRoot: '/zhiva/app',
  pacsRoot: '/zhiva/pacs',
  authRoot: '/auth',
  uploadUrl: '/zhiva/instances',
  wadoUri: '/zhiva/wado',
  viewerUrlTemplate: '',
  viewerBaseUrl: '',
};

// The explorer's absolute URL.
export function explorerUrl(config, origin = globalThis.location?.origin) {
  return new URL(`${config.appRoot}/explorer.html`, origin).href;
}

// The folder of the current page ("/auth" for /auth/token).
export function pageDirectory(pathname = globalThis.location?.pathname ?? '/') {
  return pathname.replace(/\/[^/]*$/, '');
}

// Fills defaults and drops trailing slashes so callers can append "/studies".
export function normalizeConfig(raw) {
  const config = {...kDefaults, ...(raw && typeof raw === 'object' ? raw : {})};
  for (const key of ['appRoot', 'pacsRoot', 'authRoot', 'uploadUrl', 'wadoUri', 'viewerBaseUrl']) {
    config[key] = String(config[key] ?? '').replace(/\/+$/, '');
  }
  config.viewerUrlTemplate = String(config.viewerUrlTemplate ?? '');
  // Tessera says whether it requires sign-in; other servers leave it unknown.
  config.authRequired = typeof config.authRequired === 'boolean' ? config.authRequired : null;
  return config;
}

// Resolves with the normalized settings; rejects with ApiError explaining why not.
export async function loadConfig(base = globalThis.location?.href) {
  const response = await request(new URL('config.json', base).href, {
    cache: 'no-cache',
    headers: {Accept: 'application/json'},
  });
  if (!response.ok) {
    throw new ApiError(`Could not load the server settings (config.json): ${
      await errorMessage(response)}`, response.status);
  }
  try {
    return normalizeConfig(await response.json());
  } catch {
    throw new ApiError('The server settings (config.json) are not valid JSON.', response.status);
  }
}

// The viewer link for a study, or '' when no viewer is configured.
export function viewerUrl(config, studyUid) {
  if (!config.viewerUrlTemplate) return '';
  return config.viewerUrlTemplate.replaceAll('{study}', encodeURIComponent(studyUid));
}

// Where a one-off token logs a person into the viewer directly, or '' when the
// viewer is unknown: {viewerBaseUrl}/auth/oauth?token=…, the base defaulting to
// the origin of viewerUrlTemplate.
export function viewerLoginUrl(config, token) {
  let base = config.viewerBaseUrl;
  if (!base && config.viewerUrlTemplate) {
    try {
      base = new URL(config.viewerUrlTemplate.replaceAll('{study}', 'x')).origin;
    } catch {
      base = '';
    }
  }
  if (!base) return '';
  return `${base}/auth/oauth?token=${encodeURIComponent(token)}`;
}

// The settings for the auth pages: config.json when the server has one beside
// them, else the defaults; authRoot is always where the page itself is.
export async function loadAuthPageConfig() {
  let config;
  try {
    config = await loadConfig();
  } catch {
    config = normalizeConfig({});
  }
  return {...config, authRoot: pageDirectory()};
}
