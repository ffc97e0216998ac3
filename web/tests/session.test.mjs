import assert from 'node:assert/strict';
import {afterEach, test} from 'node:test';

import {Api} from '../lib/api.js';
import {Session} from '../lib/session.js';

const kConfig = {authRoot: '/auth', pacsRoot: '/pacs'};
const realFetch = globalThis.fetch;

afterEach(() => {
  globalThis.fetch = realFetch;
});

// Answers fetch() from `routes` ("METHOD /path" → (request info) → Response)
// and records every call.
function fakeServer(routes) {
  const calls = [];
  globalThis.fetch = async (url, options = {}) => {
    const path = new URL(url, 'https://pacs.test').pathname;
    const method = options.method ?? 'GET';
    const auth = new Headers(options.headers).get('Authorization') ?? '';
    calls.push(`${method} ${path} ${auth}`.trim());
    const route = routes[`${method} ${path}`];
    return route ? route({auth}) : new Response('{"message":"Not found"}', {status: 404});
  };
  return calls;
}

function memoryStorage(initial = {}) {
  const data = new Map(Object.entries(initial));
  return {
    getItem: (key) => data.get(key) ?? null,
    setItem: (key, value) => data.set(key, String(value)),
    removeItem: (key) => data.delete(key),
    data,
  };
}

function page(href) {
  const location = new URL(href);
  const history = {state: null, replaced: [], replaceState(state, title, url) {
    this.replaced.push(url);
  }};
  return {location, history};
}

const identity = (name) => () => Response.json({username: name, name: name.toUpperCase(),
  canEditResource: true});

test('a one-off token in the address is exchanged, stored and removed', async () => {
  const calls = fakeServer({
    'POST /auth/generate-access-token': ({auth}) => auth === 'Bearer ONE' ?
        new Response('REF', {headers: {Authorization: 'Bearer ACC'}}) :
        Response.json({message: 'Invalid Token'}, {status: 403}),
    'GET /auth/verify': ({auth}) => auth === 'Bearer ACC' ? identity('ann')() :
        Response.json({message: 'Invalid Token'}, {status: 403}),
  });
  const state = encodeURIComponent(JSON.stringify({context: 'zhiva_auth', state: '',
    params: {hash: '#study/1.2.3'}}));
  const {location, history} = page(`https://pacs.test/app/explorer.html?token=ONE&state=${state}`);
  const storage = memoryStorage();
  const session = new Session(kConfig, {storage, location, history});
  const who = await session.start();
  assert.deepEqual(who, {username: 'ann', name: 'ANN', canEditResource: true, open: false});
  assert.equal(session.accessToken(), 'ACC');
  assert.deepEqual(JSON.parse(storage.getItem('tessera.tokens')), {access: 'ACC', refresh: 'REF'});
  assert.deepEqual(history.replaced, ['https://pacs.test/app/explorer.html#study/1.2.3']);
  assert.deepEqual(calls, ['POST /auth/generate-access-token Bearer ONE', 'GET /auth/verify Bearer ACC']);
});

test('a refused access token is renewed with the refresh token', async () => {
  let refreshed = false;
  fakeServer({
    'GET /auth/verify': ({auth}) => auth === 'Bearer NEW' ? identity('bob')() :
        Response.json({message: 'Token Expired'}, {status: 401}),
    'POST /auth/refresh-token': ({auth}) => {
      refreshed = auth === 'Bearer REF';
      return new Response(null, {headers: {Authorization: 'Bearer NEW'}});
    },
  });
  const {location, history} = page('https://pacs.test/app/explorer.html');
  const storage = memoryStorage({'tessera.tokens': JSON.stringify({access: 'OLD', refresh: 'REF'})});
  const session = new Session(kConfig, {storage, location, history});
  assert.equal((await session.start()).username, 'bob');
  assert.ok(refreshed);
  assert.equal(session.accessToken(), 'NEW');
  assert.deepEqual(history.replaced, []);
});

test('a spent token leaves the session empty with advice', async () => {
  fakeServer({
    'POST /auth/generate-access-token': () => Response.json({message: 'Invalid Token'}, {status: 403}),
    'GET /auth/verify': ({auth}) => auth ? Response.json({message: 'Invalid Token'}, {status: 403}) :
        Response.json({message: 'Missing token'}, {status: 401}),
  });
  const {location, history} = page('https://pacs.test/app/explorer.html?token=SPENT');
  const storage = memoryStorage();
  const session = new Session(kConfig, {storage, location, history});
  assert.equal(await session.start(), null);
  assert.match(session.lastError(), /used already|not valid/);
  assert.equal(storage.getItem('tessera.tokens'), null);
  assert.equal(session.accessToken(), '');
});

test('a server without authentication opens the archive to everyone', async () => {
  fakeServer({});
  const {location, history} = page('https://pacs.test/app/explorer.html');
  const session = new Session(kConfig, {storage: memoryStorage(), location, history});
  const who = await session.start();
  assert.equal(who.open, true);
  assert.equal(session.canEdit(), true);
});

test('a server that says it needs sign-in is not asked without a token', async () => {
  const calls = fakeServer({
    'GET /auth/verify': () => Response.json({message: 'Missing token'}, {status: 401}),
  });
  const {location, history} = page('https://pacs.test/app/explorer.html');
  const session = new Session({...kConfig, authRequired: true}, {storage: memoryStorage(), location,
    history});
  assert.equal(await session.start(), null);
  assert.equal(session.lastError(), '');
  assert.deepEqual(calls, [], 'no request that the browser would log as failed');
});

test('Api refreshes once on 401, then asks to sign in once for all waiting requests', async () => {
  let validToken = 'A2';
  const calls = fakeServer({
    'GET /pacs/studies': ({auth}) => auth === `Bearer ${validToken}` ? Response.json([]) :
        Response.json({message: 'Token Expired'}, {status: 401}),
    'POST /auth/refresh-token': () => new Response(null, {headers: {Authorization: 'Bearer A2'}}),
    'GET /auth/verify': identity('cy'),
  });
  const {location, history} = page('https://pacs.test/app/explorer.html');
  const storage = memoryStorage({'tessera.tokens': JSON.stringify({access: 'A1', refresh: 'R'})});
  const session = new Session(kConfig, {storage, location, history});
  const api = new Api(session);
  assert.deepEqual(await api.json('/pacs/studies'), []);
  assert.equal(session.accessToken(), 'A2');

  // Now the refresh token stops working too: both requests wait for one prompt.
  validToken = 'A3';
  let prompts = 0;
  session.setPrompt(async () => {
    prompts += 1;
    await new Promise((resolve) => setTimeout(resolve, 5));
    return (await session.adoptToken('A3')).ok;  // as the pasted-token box does
  });
  globalThis.fetch = ((inner) => async (url, options) => {
    if (String(url).endsWith('/refresh-token')) return new Response(null, {status: 401});
    return inner(url, options);
  })(globalThis.fetch);
  const results = await Promise.all([api.json('/pacs/studies'), api.json('/pacs/studies')]);
  assert.deepEqual(results, [[], []]);
  assert.equal(prompts, 1);
  assert.ok(calls.filter((c) => c === 'GET /pacs/studies Bearer A3').length >= 2);
});

test('Api treats a revoked token like an expired one, and a refused edit as final', async () => {
  const calls = fakeServer({
    'GET /pacs/studies': ({auth}) => auth === 'Bearer A2' ? Response.json([]) :
        Response.json({message: 'Invalid Token'}, {status: 403}),
    'DELETE /pacs/studies/1.2.3': () => Response.json({message: 'Unauthorized'}, {status: 403}),
    'POST /auth/refresh-token': () => Response.json({message: 'Invalid Token'}, {status: 403}),
    'GET /auth/verify': identity('dee'),
  });
  const {location, history} = page('https://pacs.test/app/explorer.html');
  const storage = memoryStorage({'tessera.tokens': JSON.stringify({access: 'A1', refresh: 'R'})});
  const session = new Session(kConfig, {storage, location, history});
  let prompts = 0;
  session.setPrompt(async (reason) => {
    prompts += 1;
    assert.equal(reason, 'Invalid Token');
    return (await session.adoptToken('A2')).ok;
  });
  const api = new Api(session);
  assert.deepEqual(await api.json('/pacs/studies'), []);
  assert.equal(prompts, 1);
  assert.ok(calls.some((call) => call.startsWith('POST /auth/refresh-token')));
  // A token that is valid but may not edit: no prompt, the 403 is the answer.
  await assert.rejects(api.json('/pacs/studies/1.2.3', {method: 'DELETE'}),
      {name: 'ApiError', status: 403, message: 'Unauthorized'});
  assert.equal(prompts, 1);
});

test('Api gives the 401 back when the person declines to sign in', async () => {
  fakeServer({'GET /pacs/studies': () => Response.json({message: 'Missing token'}, {status: 401})});
  const {location, history} = page('https://pacs.test/app/explorer.html');
  const session = new Session(kConfig, {storage: memoryStorage(), location, history});
  session.setPrompt(async () => false);
  const api = new Api(session);
  await assert.rejects(api.json('/pacs/studies'), {name: 'ApiError', status: 401,
    message: 'Missing token'});
});
