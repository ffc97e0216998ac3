import assert from 'node:assert/strict';
import {test} from 'node:test';

import {parseReturn, redirectUrl} from '../auth/return-uri.js';
import {framesOf} from '../explorer/viewer-preview.js';
import {parseRoute} from '../explorer/routes.js';
import {explorerUrl, normalizeConfig, pageDirectory, viewerLoginUrl, viewerUrl} from '../lib/config.js';
import {formatBytes, formatDuration, plural} from '../lib/format.js';
import {decodeJwtPayload, secondsToExpiry} from '../lib/jwt.js';
import {createLimiter} from '../lib/limiter.js';
import {checkPassword, isStrongPassword} from '../lib/password-policy.js';
import {friendlyTokenError, hashFromState} from '../lib/session.js';

function jwt(payload) {
  const encode = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${encode({alg: 'RS256'})}.${encode(payload)}.signature`;
}

test('routes map hashes to views and refuse odd study ids', () => {
  assert.deepEqual(parseRoute('#upload'), {name: 'upload'});
  assert.deepEqual(parseRoute('#study/1.2.840.10008'), {name: 'study', studyUid: '1.2.840.10008'});
  assert.equal(parseRoute('').name, 'find');
  assert.equal(parseRoute('#find-studies?PatientName=a%3Fb').params.get('PatientName'), 'a?b');
  assert.equal(parseRoute('#study/<img>').invalid, true);
  assert.equal(parseRoute('#nonsense').invalid, true);
});

test('the password checklist matches the server rules', () => {
  assert.equal(isStrongPassword('Str0ng!pw'), true);
  assert.equal(isStrongPassword('str0ng!pw'), false);
  assert.equal(isStrongPassword('Short1!'), false);
  assert.deepEqual(checkPassword('abcdefgh'), {length: true, upper: false, lower: true,
    digit: false, special: false});
  assert.equal(checkPassword('Ab1 ').special, true);
});

test('JWT payloads are read without verification, and expiry computed', () => {
  const token = jwt({username: 'ann', name: 'Ann Ó', canEditResource: true, exp: 1000});
  assert.deepEqual(decodeJwtPayload(token), {username: 'ann', name: 'Ann Ó',
    canEditResource: true, exp: 1000});
  assert.equal(secondsToExpiry(token, 400_000), 600);
  assert.equal(decodeJwtPayload('not.a.jwt!'), null);
  assert.equal(decodeJwtPayload('abc'), null);
  assert.equal(secondsToExpiry('abc'), Infinity);
});

test('the sign-in state restores only the explorer views it carries', () => {
  const state = (hash) => JSON.stringify({context: 'zhiva_auth', state: '', params: {hash}});
  assert.equal(hashFromState(state('#study/1.2.3')), '#study/1.2.3');
  assert.equal(hashFromState(state('#find-studies?PatientName=D%C3%B6e')),
      '#find-studies?PatientName=D%C3%B6e');
  assert.equal(hashFromState(state('javascript:alert(1)')), '');
  assert.equal(hashFromState(state('#"><script>')), '');
  assert.equal(hashFromState(JSON.stringify({context: 'other', params: {hash: '#upload'}})), '');
  assert.equal(hashFromState('not json'), '');
  assert.match(friendlyTokenError('Token Expired'), /expired/);
  assert.match(friendlyTokenError('Invalid Token'), /not valid/);
});

test('sign-in return addresses: defaults, parameters and refusals', () => {
  const fallback = 'https://pacs.local/zhiva/app/explorer.html';
  const viewer = parseReturn(
      '?return_uri=https%3A%2F%2Fviewer.example%2Fcallback&response_type=' +
      encodeURIComponent(JSON.stringify({type: 'authToken', returnParams: {studyId: 'x'}})),
      fallback);
  assert.equal(viewer.url.href, 'https://viewer.example/callback');
  assert.deepEqual(viewer.returnParams, {studyId: 'x'});
  assert.equal(viewer.explicit, true);
  const back = new URL(redirectUrl(viewer, 'TOKEN'));
  assert.equal(back.searchParams.get('token'), 'TOKEN');
  assert.deepEqual(JSON.parse(back.searchParams.get('state')),
      {context: 'zhiva_auth', state: '', params: {studyId: 'x'}});

  const plain = parseReturn('?response_type=token', fallback);
  assert.equal(plain.url.href, fallback);
  assert.deepEqual(plain.returnParams, {});
  assert.equal(parseReturn('?return_uri=javascript%3Aalert(1)', fallback), null);
  // Characters the URL parser drops must not turn a path into another site.
  for (const sneaky of ['/%09/evil.example', '/%0A/evil.example', '/%0D/evil.example',
    '%20//evil.example', '/%5Cevil.example']) {
    assert.equal(parseReturn('?return_uri=' + sneaky, fallback), null, sneaky);
  }
  assert.equal(parseReturn('?return_uri=%2Fzhiva%2Fapp%2Fexplorer.html', fallback).url.origin,
      new URL(fallback).origin);

  const withQuery = parseReturn('?return_uri=' + encodeURIComponent('https://v.example/a?x=1#h'),
      fallback);
  const url = new URL(redirectUrl(withQuery, 'T'));
  assert.equal(url.searchParams.get('x'), '1');
  assert.equal(url.hash, '#h');
});

test('config: defaults, trailing slashes, viewer links', () => {
  const config = normalizeConfig({pacsRoot: '/pacs/', viewerUrlTemplate:
      'https://viewer.example/view?StudyInstanceUIDs={study}'});
  assert.equal(config.pacsRoot, '/pacs');
  assert.equal(config.authRoot, '/auth');
  assert.equal(viewerUrl(config, '1.2'), 'https://viewer.example/view?StudyInstanceUIDs=1.2');
  assert.equal(viewerLoginUrl(config, 'a b'), 'https://viewer.example/auth/oauth?token=a%20b');
  assert.equal(viewerLoginUrl(normalizeConfig({}), 't'), '');
  assert.equal(normalizeConfig({}).authRequired, null, 'unknown unless the server says');
  assert.equal(normalizeConfig({authRequired: true}).authRequired, true);
  assert.equal(normalizeConfig({authRequired: 'yes'}).authRequired, null);
  assert.equal(viewerUrl(normalizeConfig({}), '1'), '');
  assert.equal(viewerLoginUrl(normalizeConfig({viewerBaseUrl: 'https://v.example/'}), 't'),
      'https://v.example/auth/oauth?token=t');
  assert.equal(explorerUrl(normalizeConfig({}), 'https://pacs:8443'),
      'https://pacs:8443/zhiva/app/explorer.html');
  assert.equal(explorerUrl(normalizeConfig({appRoot: '/app/'}), 'https://pacs'),
      'https://pacs/app/explorer.html');
  assert.equal(pageDirectory('/auth/token'), '/auth');
  assert.equal(pageDirectory('/tessera/auth/sign-in'), '/tessera/auth');
});

test('frames: instances sorted by number, multi-frame expanded', () => {
  const instance = (sop, n, frames) => ({
    '00080018': {vr: 'UI', Value: [sop]},
    ...(n === undefined ? {} : {'00200013': {vr: 'IS', Value: [n]}}),
    ...(frames === undefined ? {} : {'00280008': {vr: 'IS', Value: [String(frames)]}}),
  });
  const frames = framesOf([instance('c', undefined), instance('b', 2, 3), instance('a', 1)]);
  assert.deepEqual(frames.map((f) => `${f.sop}:${f.frame}`), ['a:1', 'b:1', 'b:2', 'b:3', 'c:1']);
  assert.deepEqual(framesOf([{}]), []);
});

test('formatting for people', () => {
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(1536), '1.54 KB');
  assert.equal(formatBytes(2.5e9), '2.50 GB');
  assert.equal(formatDuration(0.2), 'under a second');
  assert.equal(formatDuration(45), '45 s');
  assert.equal(formatDuration(200), '3 min 20 s');
  assert.equal(formatDuration(3900), '1 h 5 min');
  assert.equal(formatDuration(Infinity), '—');
  assert.equal(plural(1, 'file'), '1 file');
  assert.equal(plural(1200, 'study', 'studies'), '1,200 studies');
});

test('the limiter never runs more than its concurrency and drops aborted tasks', async () => {
  const run = createLimiter(2);
  let active = 0;
  let peak = 0;
  const task = async () => {
    active += 1;
    peak = Math.max(peak, active);
    await new Promise((resolve) => setTimeout(resolve, 2));
    active -= 1;
    return 'ok';
  };
  const controller = new AbortController();
  const results = Promise.all([run(task), run(task), run(task), run(task)]);
  const dropped = run(task, controller.signal).then(() => 'ran', (error) => error.name);
  controller.abort();
  assert.deepEqual(await results, ['ok', 'ok', 'ok', 'ok']);
  assert.equal(await dropped, 'AbortError');
  assert.equal(peak, 2);
});
