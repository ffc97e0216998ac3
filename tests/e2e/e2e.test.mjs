// End-to-end: the real `tessera` binary (TESSERA_BINARY) and headless Chromium
// drive the token page, the explorer (upload, search, study, download, delete)
// and the sign-in page the way an admin and two radiologists would. Steps run
// in order and share the archive they build. Screenshots of every page, light
// and dark, land in output/.
//
//   TESSERA_BINARY=build/src/app/tessera node --test e2e.test.mjs
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {mkdirSync, readdirSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {after, before, test} from 'node:test';
import {fileURLToPath} from 'node:url';

import {launchBrowser, watchPageErrors} from './lib/browser.mjs';
import {fetchRaw, startTessera} from './lib/server.mjs';

const kHere = dirname(fileURLToPath(import.meta.url));
const kOutput = join(kHere, 'output');
const kPython = process.env.PYTHON ?? '/usr/bin/python3';
const kTestFiles = process.env.TESSERA_PYDICOM_TEST_FILES ??
    '/usr/lib/python3/dist-packages/pydicom/data/test_files';
const kAdminPassword = 'E2e-Admin-Passw0rd!';
const kEditor = {name: 'E2E Editor', username: 'e2e-editor', password: 'Edit0r!pass', canEdit: true};
const kReader = {name: 'E2E Reader', username: 'e2e-reader', password: 'Read3r!pass', canEdit: false};
const binary = process.env.TESSERA_BINARY;

let server;
let browser;
let files;          // facts about every uploaded file (lib/dicom_info.py)
const tokens = {};  // one-off tokens issued on the token page, by username
const pageErrors = [];

mkdirSync(kOutput, {recursive: true});

function python(script, args) {
  return JSON.parse(execFileSync(kPython, [join(kHere, 'lib', script), ...args],
      {encoding: 'utf8', maxBuffer: 64 << 20}));
}

async function newPage(scheme = 'light') {
  const page = await browser.context.newPage();
  await page.emulateMedia({colorScheme: scheme});
  const errors = watchPageErrors(page);
  page.on('close', () => {
    // The browser logs every 4xx answer as a failed resource; the pages expect
    // them (wrong passwords, refused files, 401 before sign-in, the forced 403)
    // and show them. Script errors and 5xx answers are failures.
    pageErrors.push(...errors.filter((e) => !/Failed to load resource: .*status of 4\d\d/.test(e)));
  });
  return page;
}

// Screenshots the page in both themes (the theme follows prefers-color-scheme).
async function screenshots(page, name) {
  for (const scheme of ['light', 'dark']) {
    await page.emulateMedia({colorScheme: scheme});
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.waitForTimeout(100);
    await page.screenshot({path: join(kOutput, `${name}-${scheme}.png`), fullPage: true});
  }
  await page.emulateMedia({colorScheme: 'light'});
}

async function accessToken(page) {
  return page.evaluate(() => JSON.parse(sessionStorage.getItem('tessera.tokens') ?? '{}').access);
}

async function openExplorer(token, hash = '#find-studies') {
  const page = await newPage();
  await page.goto(`${server.base}/zhiva/app/explorer.html?token=${encodeURIComponent(token)}${hash}`);
  await page.locator('#identity:not([hidden])').waitFor();
  return page;
}

function study(predicate) {
  const match = files.find((f) => f.preamble && predicate(f));
  assert.ok(match, 'the pydicom test files hold the study this test needs');
  return match;
}

before(async () => {
  if (!binary) return;
  const paths = readdirSync(kTestFiles).filter((f) => f.endsWith('.dcm')).sort()
      .map((f) => join(kTestFiles, f));
  files = python('dicom_info.py', paths);
  server = await startTessera({binary, adminPassword: kAdminPassword,
    logFile: join(kOutput, 'server.log')});
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const options = {skip: binary ? false : 'set TESSERA_BINARY to the tessera binary to run'};

test('the admin creates an editor and a read-only user on the token page', options, async () => {
  for (const user of [kEditor, kReader]) {
    const page = await newPage();
    await page.goto(`${server.base}/auth/token`);
    await page.locator('#name').fill(user.name);
    await page.locator('#username').fill(user.username);
    await page.locator('#canEditResource').setChecked(user.canEdit);
    await page.locator('#admin-password').fill('not the password');
    await page.getByRole('button', {name: 'Create token'}).click();
    await page.getByText('The admin password is not correct.').waitFor();

    await page.locator('#admin-password').fill(kAdminPassword);
    await page.getByRole('button', {name: 'Create token'}).click();
    await page.getByRole('heading', {name: 'Create a new user?'}).waitFor();
    const confirm = page.locator('#confirm-submit');
    await page.locator('#user-password').fill('weak');
    assert.equal(await confirm.isDisabled(), true, 'a weak password cannot be confirmed');
    await page.locator('#user-password').fill(user.password);
    await confirm.click();
    const output = page.locator('#token-output');
    await output.waitFor();
    tokens[user.username] = await output.inputValue();
    assert.match(tokens[user.username], /^[\w-]+\.[\w-]+\.[\w-]+$/, 'a JWT');
    assert.match(await page.locator('#explorer-link').inputValue(),
        /\/zhiva\/app\/explorer\.html\?token=/);
    if (user === kEditor) await screenshots(page, 'token-result');
    await page.close();
  }
  const page = await newPage();
  await page.goto(`${server.base}/auth/token`);
  await screenshots(page, 'token-form');
  await page.goto(`${server.base}/auth/token#users`);
  await page.locator('#users-password').fill(kAdminPassword);
  await page.getByRole('button', {name: 'Show users'}).click();
  await page.getByRole('cell', {name: kReader.username, exact: true}).waitFor();
  assert.equal(await page.getByLabel(`Permission of ${kReader.username}`).inputValue(), 'read');
  assert.equal(await page.getByLabel(`Permission of ${kEditor.username}`).inputValue(), 'edit');
  await screenshots(page, 'token-users');
  // On a phone a user's actions stay in view.
  await page.setViewportSize({width: 375, height: 740});
  for (const name of [`Revoke all tokens of ${kReader.username}`,
    `Delete user ${kReader.username}`]) {
    const box = await page.getByRole('button', {name, exact: true}).boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= 375, `${name}: ${JSON.stringify(box)}`);
  }
  await screenshots(page, 'token-users-phone');
  await page.close();
});

test('a signed-out visit asks to sign in without a refused request', options, async () => {
  const page = await newPage();
  const refused = [];
  page.on('response', (response) => {
    if (response.status() >= 400) refused.push(`${response.status()} ${response.url()}`);
  });
  await page.goto(`${server.base}/zhiva/app/explorer.html`);
  await page.locator('#auth-gate-title').waitFor();
  assert.deepEqual(refused, [], 'the browser would log these as failed requests');
  await page.close();
});

test('the explorer takes the token from the address and removes it', options, async () => {
  const page = await openExplorer(tokens[kEditor.username], '#upload');
  assert.doesNotMatch(page.url(), /token=/);
  assert.match(page.url(), /#upload$/);
  assert.match(await page.locator('#identity').innerText(), /E2E Editor/);
  assert.ok(await accessToken(page), 'an access token is kept in sessionStorage');
  await page.close();

  // The one-off token is spent: a second use is refused with a clear message.
  const again = await newPage();
  await again.goto(`${server.base}/zhiva/app/explorer.html?token=${tokens[kEditor.username]}`);
  await again.getByRole('dialog').waitFor();
  await again.getByText('Sign in to continue').waitFor();
  await again.close();
});

test('uploading the pydicom files stores DICOM, reports the rest with reasons', options, async () => {
  const page = await newPage();
  await page.goto(`${server.base}/auth/sign-in`);
  await page.locator('#username').fill(kEditor.username);
  await page.locator('#password').fill(kEditor.password);
  await page.getByRole('button', {name: 'Sign in'}).click();
  await page.waitForURL(/explorer\.html/);
  await page.locator('#identity:not([hidden])').waitFor();
  await page.goto(`${server.base}/zhiva/app/explorer.html#upload`);
  await page.getByText('Drop files or folders here').waitFor();
  await screenshots(page, 'explorer-upload-empty');

  await page.locator('#pick-files').setInputFiles(files.map((f) => f.path));
  await page.getByRole('heading', {name: 'Upload finished'}).waitFor({timeout: 180000});
  const counts = Object.fromEntries(await page.locator('#upload-counts [data-outcome]')
      .evaluateAll((items) => items.map((i) => [i.dataset.outcome,
        Number(i.querySelector('strong').textContent.replace(/\D/g, ''))])));
  const withoutPreamble = files.filter((f) => !f.preamble).length;
  assert.equal(counts.skipped ?? 0, withoutPreamble, JSON.stringify(counts));
  assert.equal(counts.failed ?? 0, 0, JSON.stringify(counts));
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  assert.equal(total, files.length, JSON.stringify(counts));
  assert.ok((counts.stored ?? 0) >= 20, JSON.stringify(counts));

  const problems = await page.locator('#upload-problem-rows tr').evaluateAll((rows) =>
    rows.map((r) => ({file: r.cells[0].textContent, outcome: r.dataset.outcome,
      reason: r.cells[2].textContent})));
  for (const f of files.filter((x) => !x.preamble)) {
    assert.ok(problems.some((p) => f.path.endsWith(p.file) && p.outcome === 'skipped'), f.path);
  }
  for (const p of problems) assert.ok(p.reason.trim(), `a reason for ${p.file}`);
  assert.ok(!problems.some((p) => p.file === 'CT_small.dcm'), 'CT_small.dcm is stored');
  await screenshots(page, 'explorer-upload-done');
  await page.close();
});

test('studies are found by patient name and by date range', options, async () => {
  const ct = study((f) => f.path.endsWith('/CT_small.dcm'));
  const family = ct.PatientName.split('^')[0];
  const page = await openExplorer(await signInToken(kEditor));
  await page.locator('#study-rows tr').first().waitFor();
  assert.match(await page.locator('#find-summary').innerText(), /\d+ stud(y|ies) in the archive/);
  await screenshots(page, 'explorer-find');

  await page.getByLabel('Patient name').fill(family.toLowerCase());
  await page.waitForFunction((name) => {
    const cells = [...document.querySelectorAll('#study-rows td:first-child')];
    return cells.length > 0 && cells.every((c) => c.textContent.toLowerCase().includes(name));
  }, family.toLowerCase());
  assert.doesNotMatch(decodeURIComponent(page.url()), new RegExp(`PatientName|${family}`, 'i'),
      'browser history lists no names');
  // The search survives a reload, and a visit elsewhere with the way back (the
  // links to the results, Back), without the address.
  await page.reload();
  await page.locator('#identity:not([hidden])').waitFor();
  assert.equal(await page.getByLabel('Patient name').inputValue(), family.toLowerCase());
  await page.locator('[data-nav="upload"]').first().click();
  await page.waitForURL(/#upload/);
  await page.locator('[data-nav="find-studies"]').first().click();
  await page.waitForURL(/#find-studies/);
  assert.equal(await page.getByLabel('Patient name').inputValue(), family.toLowerCase());
  await page.goBack();
  await page.waitForURL(/#upload/);
  await page.goBack();
  await page.waitForURL(/#find-studies/);
  assert.equal(await page.getByLabel('Patient name').inputValue(), family.toLowerCase());

  await page.getByRole('button', {name: 'Clear search'}).click();
  const iso = ct.StudyDate.replace(/(\d{4})(\d\d)(\d\d)/, '$1-$2-$3');
  await page.locator('#f-from').fill(iso);
  await page.locator('#f-to').fill(iso);
  await page.locator('#f-to').dispatchEvent('change');
  await page.waitForFunction((date) => {
    const cells = [...document.querySelectorAll('#study-rows td:nth-child(4)')];
    return cells.length > 0 && cells.every((c) => c.textContent === date);
  }, iso);
  assert.match(page.url(), new RegExp(`from=${iso}&to=${iso}`));
  assert.match(await page.locator('#page-range').innerText(), /of \d+/);
  await screenshots(page, 'explorer-find-filtered');

  // On a phone the columns that tell studies apart stay in view.
  await page.setViewportSize({width: 375, height: 740});
  await screenshots(page, 'explorer-find-phone');
  const header = (column) => page.locator(`#study-table thead th:nth-child(${column})`);
  for (const [column, name] of [[1, 'Patient'], [4, 'Study date'], [5, 'Modalities']]) {
    assert.equal((await header(column).textContent()).trim(), name);
    const box = await header(column).boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= 375, `${name}: ${JSON.stringify(box)}`);
  }
  assert.equal(await header(3).isVisible(), false, 'birth date left to the study page');
  await page.close();
});

test('a study shows its series with real thumbnails and scrolls through frames', options, async () => {
  const sc = study((f) => f.path.endsWith('/SC_rgb_rle_2frame.dcm'));
  const page = await openExplorer(await signInToken(kEditor), `#study/${sc.StudyInstanceUID}`);
  await page.locator('.series-item').first().waitFor();
  await page.locator('.series-item .thumb img').first().waitFor({timeout: 30000});
  await page.waitForFunction(() => [...document.querySelectorAll('.thumb')]
      .every((t) => t.querySelector('img')?.complete || t.textContent === 'No preview'));
  const variances = await page.locator('.thumb img').evaluateAll((images) => images.map((img) => {
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const context = canvas.getContext('2d');
    context.drawImage(img, 0, 0);
    const {data} = context.getImageData(0, 0, canvas.width, canvas.height);
    let sum = 0;
    let squares = 0;
    const n = data.length / 4;
    for (let i = 0; i < data.length; i += 4) {
      const v = (data[i] + data[i + 1] + data[i + 2]) / 3;
      sum += v;
      squares += v * v;
    }
    return squares / n - (sum / n) ** 2;
  }));
  assert.ok(variances.length > 0, 'thumbnails rendered');
  assert.ok(variances.every((v) => v > 1), `non-blank thumbnails: ${variances}`);

  // Pick the series with the most images and move through them.
  const counts = await page.locator('.series-select').evaluateAll((buttons) =>
    buttons.map((b) => Number(/(\d+) images?/.exec(b.textContent)?.[1] ?? 1)));
  await page.locator('.series-select').nth(counts.indexOf(Math.max(...counts))).click();
  await page.locator('#preview-image:not([hidden])').waitFor({timeout: 30000});
  const position = page.locator('#preview-position');
  await page.waitForFunction(() => /^1 \/ \d+$/.test(document.querySelector('#preview-position').textContent));
  const frames = Number((await position.innerText()).split('/')[1]);
  assert.ok(frames >= 2, `a multi-image series (${frames})`);
  await page.locator('#preview-stage').focus();
  await page.keyboard.press('ArrowDown');
  assert.equal(await position.innerText(), `2 / ${frames}`);
  await page.keyboard.press('End');
  assert.equal(await position.innerText(), `${frames} / ${frames}`);
  await page.locator('#preview-stage').hover();
  await page.mouse.wheel(0, -120);
  assert.equal(await position.innerText(), `${frames - 1} / ${frames}`);
  await page.waitForFunction(() => document.querySelector('#preview-image').naturalWidth > 0);
  await screenshots(page, 'explorer-study');
  await page.close();
});

test('the study zip holds exactly the stored files, byte for byte', options, async () => {
  const sc = study((f) => f.path.endsWith('/SC_rgb_rle_2frame.dcm'));
  const page = await openExplorer(await signInToken(kEditor), `#study/${sc.StudyInstanceUID}`);
  await page.locator('.series-item').first().waitFor();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', {name: 'Download study'}).click(),
  ]);
  // The link's token is a minute's, not the session's: the browser's list of
  // downloads keeps the address.
  const linkToken = new URL(download.url()).searchParams.get('token');
  const claims = JSON.parse(Buffer.from(linkToken.split('.')[1], 'base64url').toString());
  assert.equal(claims.tokenType, 'access');
  assert.equal(claims.exp - claims.iat, 60);
  assert.notEqual(linkToken, await accessToken(page));
  const zipPath = join(kOutput, 'study.zip');
  await download.saveAs(zipPath);
  const members = Object.entries(python('zip_hashes.py', [zipPath]));
  const sources = new Set(files.filter((f) => f.StudyInstanceUID === sc.StudyInstanceUID)
      .map((f) => f.sha256));
  const dicomMembers = members.filter(([name]) => !/DICOMDIR|\.(txt|json|html)$/i.test(name));
  assert.ok(dicomMembers.length > 0, 'the zip holds instances');
  for (const [name, hash] of dicomMembers) assert.ok(sources.has(hash), `${name} is an uploaded file`);

  const qido = await fetchRaw(`${server.base}/zhiva/pacs/studies?StudyInstanceUID=${sc.StudyInstanceUID}`,
      {headers: {Authorization: `Bearer ${await accessToken(page)}`, Accept: 'application/dicom+json'}});
  const stored = JSON.parse(qido.body.toString())[0]['00201208'].Value[0];
  assert.equal(dicomMembers.length, Number(stored));
  await page.close();
});

test('signing out during an upload asks first, then stops it', options, async () => {
  const page = await openExplorer(await signInToken(kEditor), '#upload');
  // The upload is held at the server's door, so that it is still running.
  let holding;
  const held = new Promise((resolve) => {
    holding = resolve;
  });
  await page.route((url) => !url.pathname.startsWith('/auth/'), async (route) => {
    if (route.request().method() !== 'POST') return route.continue();
    holding();
  });
  const file = study(() => true);
  await page.locator('#pick-files').setInputFiles([file.path]);
  await page.waitForFunction(() => !document.querySelector('#upload-cancel').hidden);
  // The request may reach the route a moment after the page shows the upload.
  let timer;
  await Promise.race([
    held,
    new Promise((resolve, reject) => {
      timer = setTimeout(() => reject(new Error('the upload never reached the network')), 10000);
    })
  ]).finally(() => clearTimeout(timer));

  await page.locator('#sign-out-button').click();
  const dialog = page.getByRole('dialog', {name: 'Sign out during the upload?'});
  await dialog.waitFor();
  await dialog.getByRole('button', {name: 'Cancel'}).click();
  assert.equal(await page.locator('#sign-out-button').isVisible(), true, 'still signed in');
  assert.equal(await page.locator('#upload-cancel').isVisible(), true, 'still uploading');

  let leaveWarnings = 0;
  page.on('dialog', (browserDialog) => {
    leaveWarnings += 1;
    browserDialog.accept();
  });
  await page.locator('#sign-out-button').click();
  await dialog.getByRole('button', {name: 'Stop and sign out'}).click();
  await page.locator('#sign-in-button:not([hidden])').waitFor();
  assert.equal(leaveWarnings, 0, 'no browser "leave site?" warning after the confirmation');
  await page.close();
});

test('a study that is not in the archive offers nothing to act on', options, async () => {
  const page = await openExplorer(await signInToken(kEditor), '#study/1.2.3.4.5');
  await page.locator('#study-title', {hasText: 'Study not found'}).waitFor();
  assert.match(await page.locator('#study-error').innerText(), /not in the archive/);
  for (const id of ['study-download', 'study-copy-url', 'study-viewer', 'study-delete']) {
    assert.equal(await page.locator(`#${id}`).isVisible(), false, `#${id} is hidden`);
  }
  assert.equal(await page.locator('.study-body').isVisible(), false);
  await page.close();
});

test('an editor deletes a series behind a confirmation', options, async () => {
  const sc = study((f) => f.path.endsWith('/SC_rgb_rle_2frame.dcm'));
  const page = await openExplorer(await signInToken(kEditor), `#study/${sc.StudyInstanceUID}`);
  const items = page.locator('.series-item');
  await items.first().waitFor();
  const before = await items.count();
  const uid = await items.last().getAttribute('data-series');
  await items.last().getByRole('button', {name: /Delete series/}).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByText('This cannot be undone.').waitFor();
  await screenshots(page, 'explorer-delete-confirm');
  await dialog.getByRole('button', {name: 'Delete series'}).click();
  if (before > 1) {
    await page.waitForFunction((n) => document.querySelectorAll('.series-item').length === n, before - 1);
  } else {
    await page.waitForURL(/#find-studies/);
  }
  const answer = await fetchRaw(
      `${server.base}/zhiva/pacs/studies/${sc.StudyInstanceUID}/series?SeriesInstanceUID=${uid}`,
      {headers: {Authorization: `Bearer ${await accessToken(page)}`}});
  const remaining = answer.status === 200 ? JSON.parse(answer.body.toString() || '[]') : [];
  assert.equal(remaining.length, 0, `series ${uid} is gone (${answer.status})`);
  await page.close();
});

test('a read-only user sees no upload or delete controls and the server refuses', options, async () => {
  const ct = study((f) => f.path.endsWith('/CT_small.dcm'));
  const page = await openExplorer(tokens[kReader.username], `#study/${ct.StudyInstanceUID}`);
  await page.locator('.series-item').first().waitFor();
  assert.match(await page.locator('#identity').innerText(), /Read only/);
  assert.equal(await page.getByRole('link', {name: 'Upload'}).count(), 0);
  assert.equal(await page.getByRole('button', {name: /Delete/}).count(), 0);
  await screenshots(page, 'explorer-study-read-only');

  const status = await page.evaluate(async (url) => {
    const {access} = JSON.parse(sessionStorage.getItem('tessera.tokens'));
    const response = await fetch(url, {method: 'DELETE', headers: {Authorization: `Bearer ${access}`}});
    return response.status;
  }, `${server.base}/zhiva/pacs/studies/${ct.StudyInstanceUID}`);
  assert.equal(status, 403);

  await page.goto(`${server.base}/zhiva/app/explorer.html#upload`);
  await page.getByText('Your account can view studies but not upload.').waitFor();
  assert.equal(await page.locator('#dropzone').isVisible(), false);
  await page.close();
});

test('an expired session renews itself with the refresh token', options, async () => {
  const page = await openExplorer(await signInToken(kEditor));
  await page.locator('#study-rows tr').first().waitFor();
  await page.evaluate(() => {
    const stored = JSON.parse(sessionStorage.getItem('tessera.tokens'));
    sessionStorage.setItem('tessera.tokens', JSON.stringify({...stored, access: 'expired.or.garbage'}));
  });
  await page.reload();
  await page.locator('#study-rows tr').first().waitFor();
  assert.notEqual(await accessToken(page), 'expired.or.garbage');
  await page.close();
});

test('the sign-in page shows errors in the page and returns with a token', options, async () => {
  const page = await newPage();
  const returnUri = `${server.base}/zhiva/app/explorer.html`;
  const responseType = JSON.stringify({type: 'authToken', returnParams: {hash: '#upload'}});
  await page.goto(`${server.base}/auth/sign-in?return_uri=${encodeURIComponent(returnUri)}` +
      `&response_type=${encodeURIComponent(responseType)}`);
  await page.locator('#username').fill(kReader.username);
  await page.locator('#password').fill('wrong password');
  await page.getByRole('button', {name: 'Sign in'}).click();
  await page.getByText('Wrong username or password.').waitFor();
  await screenshots(page, 'sign-in-error');
  await page.locator('#password').fill(kReader.password);
  await page.getByRole('button', {name: 'Sign in'}).click();
  await page.waitForURL(/explorer\.html#upload$/);
  await page.locator('#identity:not([hidden])').waitFor();
  assert.match(await page.locator('#identity').innerText(), /E2E Reader/);
  assert.doesNotMatch(page.url(), /token=|state=/);
  await page.close();
});

test('a sign-in page sent a return_uri of a stranger says so and offers no sign-in', options,
    async () => {
      const page = await newPage();
      const response = await page.goto(`${server.base}/auth/sign-in?return_uri=` +
          encodeURIComponent('https://evil.example/callback'));
      assert.equal(response.status(), 400);
      await page.getByText('The address that sent you here is not valid').waitFor();
      assert.equal(await page.getByRole('button', {name: 'Sign in'}).isDisabled(), true);
      await page.close();
    });

test('no page logged an error or threw', options, () => {
  assert.deepEqual(pageErrors, []);
});

// A fresh one-off token for `user` through the sign-user API (as the sign-in
// page gets one), so each step starts its own session.
async function signInToken(user) {
  const answer = await fetchRaw(`${server.base}/auth/sign-user`, {
    method: 'POST',
    headers: {'Content-Type': 'application/json', Origin: server.base},
    body: JSON.stringify({username: user.username, password: user.password, referer: server.base}),
  });
  assert.equal(answer.status, 200, answer.body.toString());
  return JSON.parse(answer.body.toString()).token;
}
