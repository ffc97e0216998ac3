// End-to-end with the real OHIF Viewer v3 (npm @ohif/app, whose dist/ is a
// prebuilt static viewer) against the real `tessera` binary and headless
// Chromium:
//   1. OHIF on another origin (a small static server on its own port) reads
//      Tessera's DICOMweb with a bearer token set through OHIF's
//      userAuthenticationService: the study list shows every uploaded study,
//      and each study renders non-blank pixels; no request to Tessera fails
//      with 401, 403 or a CORS refusal.
//   2. Tessera serves the same dist itself (explorer.viewer_dir) under
//      /zhiva/viewer/: "Open in viewer" in the explorer opens a study there,
//      signed in, with no set-up.
// Screenshots land in output/ohif-*.png.
//
//   TESSERA_BINARY=build/src/app/tessera node --test ohif.test.mjs
import assert from 'node:assert/strict';
import {existsSync, mkdirSync, readFileSync} from 'node:fs';
import {basename, dirname, join} from 'node:path';
import {after, before, test} from 'node:test';
import {fileURLToPath} from 'node:url';

import {launchBrowser, watchPageErrors} from './lib/browser.mjs';
import {fetchRaw, freePort, startTessera} from './lib/server.mjs';
import {serveStatic} from './lib/static-server.mjs';

const kHere = dirname(fileURLToPath(import.meta.url));
const kOutput = join(kHere, 'output');
const kTestFiles = process.env.TESSERA_PYDICOM_TEST_FILES ??
    '/usr/lib/python3/dist-packages/pydicom/data/test_files';
const kOhifDist = process.env.OHIF_DIST ?? join(kHere, 'node_modules', '@ohif', 'app', 'dist');
const kAdminPassword = 'E2e-Admin-Passw0rd!';
const kUser = {name: 'OHIF Reader', username: 'ohif-reader', password: 'Ohif-Read3r!pass'};
// One study per line: native CT, native MR, JPEG 2000 CT, and an RGB study
// holding a JPEG baseline image and a two-frame RLE image.
const kStudies = [
  {files: ['CT_small.dcm'], patientId: '1CT1', family: 'CompressedSamples', given: 'CT1'},
  {files: ['MR_small.dcm'], patientId: '4MR1', family: 'CompressedSamples', given: 'MR1'},
  {files: ['693_J2KI.dcm'], patientId: 'CQ500-CT-310', family: 'CQ500-CT-310', given: ''},
  {files: ['SC_rgb_jpeg_dcmtk.dcm', 'SC_rgb_rle_2frame.dcm'], patientId: 'ID1',
    family: 'Lestrade', given: 'G', frames: 2},
];
const binary = process.env.TESSERA_BINARY;
const skip = !binary ? 'set TESSERA_BINARY to the tessera binary to run' :
    !existsSync(join(kOhifDist, 'index.html')) ?
    `no OHIF build at ${kOhifDist} (npm ci --prefix tests/e2e)` : false;

let server;   // Tessera, with the viewer folder set and the OHIF origin allowed
let ohif;     // the dist on its own origin
let browser;
let studyUids;  // by patient id, as stored

mkdirSync(kOutput, {recursive: true});

function tokenFrom(answer) {
  return /^Bearer\s+(\S+)$/i.exec(answer.headers.authorization ?? '')?.[1] ?? '';
}

// A one-off token for kUser (created on first call) from the admin API.
async function oneOffToken() {
  const answer = await fetchRaw(`${server.base}/auth/generate-token`, {
    method: 'POST',
    headers: {'Content-Type': 'application/json', 'Origin': server.base},
    body: JSON.stringify({name: kUser.name, username: kUser.username, canEditResource: true,
      password: kAdminPassword, userPassword: kUser.password, createUserIfNotExists: true}),
  });
  assert.equal(answer.status, 200, answer.body.toString());
  return JSON.parse(answer.body.toString()).token;
}

// An access token for the page at `origin` (tokens are bound to the origin they
// were issued for).
async function accessToken(origin) {
  const answer = await fetchRaw(`${server.base}/auth/generate-access-token`, {
    method: 'POST',
    headers: {Authorization: `Bearer ${await oneOffToken()}`, Origin: origin},
  });
  assert.equal(answer.status, 200, answer.body.toString());
  const token = tokenFrom(answer);
  assert.ok(token, 'an access token in the Authorization header');
  return token;
}

// STOW-RS of the given files in one multipart/related request.
async function store(token, paths) {
  const boundary = `tessera-e2e-${Date.now()}`;
  const parts = [];
  for (const path of paths) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`));
    parts.push(readFileSync(path));
    parts.push(Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  const answer = await fetchRaw(`${server.base}/zhiva/pacs/studies`, {
    method: 'POST',
    headers: {
      'Authorization': `Bearer ${token}`,
      'Accept': 'application/dicom+json',
      'Content-Type': `multipart/related; type="application/dicom"; boundary=${boundary}`,
    },
    body: Buffer.concat(parts),
  });
  assert.equal(answer.status, 200, answer.body.toString());
}

// The study UIDs in the archive, by Patient ID.
async function storedStudies(token) {
  const answer = await fetchRaw(`${server.base}/zhiva/pacs/studies?includefield=00100020`,
      {headers: {Authorization: `Bearer ${token}`, Accept: 'application/dicom+json'}});
  assert.equal(answer.status, 200, answer.body.toString());
  return Object.fromEntries(JSON.parse(answer.body.toString()).map((study) =>
    [study['00100020']?.Value?.[0], study['0020000D'].Value[0]]));
}

// The OHIF configuration for the cross-origin viewer, as window.config's
// function form: it receives the services manager and makes every request
// carry the token. GPU (WebGL through SwiftShader) rendering works headless.
function crossOriginAppConfig(token) {
  const root = `${server.base}/zhiva/pacs`;
  const config = {
    routerBasename: '/',
    extensions: [],
    modes: [],
    customizationService: {},
    showStudyList: true,
    showWarningMessageForCrossOrigin: false,
    showCPUFallbackMessage: false,
    investigationalUseDialog: {option: 'never'},
    maxNumberOfWebWorkers: 2,
    defaultDataSourceName: 'tessera',
    dataSources: [{
      namespace: '@ohif/extension-default.dataSourcesModule.dicomweb',
      sourceName: 'tessera',
      configuration: {
        friendlyName: 'Tessera',
        name: 'tessera',
        qidoRoot: root,
        wadoRoot: root,
        wadoUriRoot: `${server.base}/zhiva/wado`,
        qidoSupportsIncludeField: true,
        supportsFuzzyMatching: true,
        supportsWildcard: true,
        imageRendering: 'wadors',
        thumbnailRendering: 'wadors',
        enableStudyLazyLoad: true,
        staticWado: false,
        singlepart: 'pdf,video',
        bulkDataURI: {enabled: true},
        omitQuotationForMultipartRequest: true,
      },
    }],
  };
  // OHIF registers its services only after calling window.config, so the
  // token is set when userAuthenticationService is assigned.
  return `window.config = ({servicesManager}) => {
  const services = servicesManager.services;
  Object.defineProperty(services, 'userAuthenticationService', {
    configurable: true,
    enumerable: true,
    get: () => undefined,
    set: (service) => {
      Object.defineProperty(services, 'userAuthenticationService',
          {value: service, writable: true, configurable: true, enumerable: true});
      service.setServiceImplementation({
        getAuthorizationHeader: () => ({Authorization: ${JSON.stringify(`Bearer ${token}`)}}),
      });
    },
  });
  return ${JSON.stringify(config, null, 2)};
};
`;
}

// Records what must not happen to requests for Tessera: 401/403 answers,
// network failures (a CORS refusal is one) and CORS console errors.
function watchTessera(page) {
  const problems = [];
  page.on('response', (response) => {
    if (response.url().startsWith(server.base) && [401, 403].includes(response.status())) {
      problems.push(`${response.status()} ${response.url()}`);
    }
  });
  page.on('requestfailed', (request) => {
    const error = request.failure()?.errorText ?? '';
    // Requests cancelled by navigating on are not failures of the server.
    if (request.url().startsWith(server.base) && error !== 'net::ERR_ABORTED') {
      problems.push(`${error} ${request.url()}`);
    }
  });
  page.on('console', (message) => {
    if (/CORS|Access-Control/i.test(message.text())) problems.push(`console: ${message.text()}`);
  });
  return problems;
}

// The largest luminance variance over the viewport canvases cornerstone draws
// into (2D canvases, also when it renders with WebGL offscreen).
function canvasVariance() {
  let best = 0;
  for (const canvas of document.querySelectorAll('canvas.cornerstone-canvas')) {
    if (!canvas.width || !canvas.height) continue;
    const context = canvas.getContext('2d', {willReadFrequently: true});
    if (!context) continue;
    const {data} = context.getImageData(0, 0, canvas.width, canvas.height);
    let sum = 0;
    let squares = 0;
    const n = data.length / 4;
    for (let i = 0; i < data.length; i += 4) {
      const v = (data[i] + data[i + 1] + data[i + 2]) / 3;
      sum += v;
      squares += v * v;
    }
    best = Math.max(best, squares / n - (sum / n) ** 2);
  }
  return best;
}

// Waits until a viewport shows an image (pixel variance well above a blank or
// flat canvas) and saves a screenshot; returns the variance.
async function expectRenderedImage(page, name) {
  await page.locator('canvas.cornerstone-canvas').first().waitFor({timeout: 60000});
  const probe = `(() => { const v = (${canvasVariance})(); return v > 20 ? v : 0; })()`;
  const variance = await page.waitForFunction(probe, null, {timeout: 60000, polling: 500})
      .then((handle) => handle.jsonValue(),
      async (error) => {
        await page.screenshot({path: join(kOutput, `${name}-failed.png`)});
        throw error;
      });
  // OHIF's first-visit tour and notice would cover the screenshot.
  for (const button of ['Skip all', 'Confirm and hide']) {
    const control = page.getByRole('button', {name: button});
    if (await control.isVisible()) await control.click();
  }
  await page.waitForTimeout(300);
  await page.screenshot({path: join(kOutput, `${name}.png`)});
  return variance;
}

// Waits for the viewport corner to show image `k` of `n`: "1/1" for a
// single-frame series, "I:1 (2/2)" for frame 2 of a two-frame instance.
function waitForPosition(page, k, n, timeout) {
  return page.locator('[data-cy="viewport-overlay-bottom-right"]').first()
      .filter({hasText: new RegExp(`(^|\\()${k}/${n}\\)?$`)}).waitFor({timeout});
}

// Opens each series of the study in the viewport until one has `frames`
// frames, then steps to its last frame, which must show pixels too.
async function expectMultiFrame(page, frames) {
  const thumbnails = page.locator('[data-cy="study-browser-thumbnail"]');
  const count = await thumbnails.count();
  for (let i = 0; i < count; i++) {
    await thumbnails.nth(i).dblclick();
    if (!await waitForPosition(page, 1, frames, 5000).then(() => true, () => false)) continue;
    await page.locator('canvas.cornerstone-canvas').first().hover();
    for (let frame = 2; frame <= frames; frame++) await page.mouse.wheel(0, 120);
    await waitForPosition(page, frames, frames, 30000);
    const variance = await expectRenderedImage(page, `ohif-cross-origin-frame-${frames}`);
    assert.ok(variance > 20, `frame ${frames}: variance ${variance}`);
    return;
  }
  assert.fail(`no series with ${frames} frames among ${count}`);
}

before(async () => {
  if (skip) return;
  const ohifPort = await freePort();
  const ohifOrigin = `http://127.0.0.1:${ohifPort}`;
  server = await startTessera({
    binary,
    adminPassword: kAdminPassword,
    logFile: join(kOutput, 'ohif-server.log'),
    env: {TESSERA_HTTP_ALLOWED_ORIGINS: ohifOrigin, TESSERA_EXPLORER_VIEWER_DIR: kOhifDist},
  });
  const writer = await accessToken(server.base);
  for (const study of kStudies) await store(writer, study.files.map((f) => join(kTestFiles, f)));
  studyUids = await storedStudies(writer);
  for (const study of kStudies) assert.ok(studyUids[study.patientId], `${study.patientId} stored`);

  const token = await accessToken(ohifOrigin);
  ohif = await serveStatic({root: kOhifDist, port: ohifPort, overrides: {
    '/app-config.js': {type: 'text/javascript; charset=utf-8', body: crossOriginAppConfig(token)},
  }});
  assert.equal(ohif.origin, ohifOrigin);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await ohif?.close();
  await server?.stop();
});

test('OHIF on another origin lists the studies and renders each one', {skip}, async () => {
  const page = await browser.context.newPage();
  const problems = watchTessera(page);
  const errors = watchPageErrors(page);

  await page.goto(`${ohif.origin}/`);
  for (const study of kStudies) {
    // OHIF shows "Family, Given".
    const name = study.given ? `${study.family}, ${study.given}` : study.family;
    await page.getByText(name, {exact: true}).first().waitFor({timeout: 60000});
  }
  await page.screenshot({path: join(kOutput, 'ohif-cross-origin-study-list.png')});

  for (const study of kStudies) {
    const uid = studyUids[study.patientId];
    await page.goto(`${ohif.origin}/viewer?StudyInstanceUIDs=${encodeURIComponent(uid)}`);
    const variance = await expectRenderedImage(page, `ohif-cross-origin-${basename(study.files[0], '.dcm')}`);
    assert.ok(variance > 20, `${study.files[0]}: variance ${variance}`);
    if (study.frames) await expectMultiFrame(page, study.frames);
  }
  assert.deepEqual(problems, []);
  assert.deepEqual(errors, [], 'no script error or console error');
  await page.close();
});

test('Tessera serves OHIF under the prefix, adapted and configured for itself', {skip}, async () => {
  const index = await fetchRaw(`${server.base}/zhiva/viewer/`);
  assert.equal(index.status, 200);
  const html = index.body.toString();
  assert.match(html, /window\.PUBLIC_URL="\/zhiva\/viewer\/"/);
  assert.match(html, /src="\/zhiva\/viewer\/app-config\.js"/);
  const bundle = /src="(\/zhiva\/viewer\/app\.bundle\.[0-9a-f]+\.js)"/.exec(html)?.[1];
  assert.ok(bundle, 'the app bundle is loaded from the mount point');
  const script = await fetchRaw(`${server.base}${bundle}`);
  assert.equal(script.status, 200);
  assert.match(script.headers['cache-control'], /immutable/);
  assert.ok(script.body.includes('__webpack_require__.p = "/zhiva/viewer/"'), 'public path moved');

  const config = (await fetchRaw(`${server.base}/zhiva/viewer/app-config.js`)).body.toString();
  assert.ok(config.includes('"dicomwebPath":"/zhiva/pacs"'), config.slice(0, 600));
  assert.ok(config.includes('"routerBasename":"/zhiva/viewer"'), config.slice(0, 600));
  // A client-side route gets the page; a missing asset does not.
  assert.equal((await fetchRaw(`${server.base}/zhiva/viewer/viewer?StudyInstanceUIDs=1.2`)).status,
      200);
  assert.equal((await fetchRaw(`${server.base}/zhiva/viewer/missing.js`)).status, 404);
  const bare = await fetchRaw(`${server.base}/zhiva/viewer?StudyInstanceUIDs=1.2`);
  assert.equal(bare.status, 302);
  assert.equal(bare.headers.location, '/zhiva/viewer/?StudyInstanceUIDs=1.2');
  const explorer = JSON.parse((await fetchRaw(`${server.base}/zhiva/app/config.json`)).body);
  assert.equal(explorer.viewerUrlTemplate, '/zhiva/viewer/viewer?StudyInstanceUIDs={study}');
});

test('"Open in viewer" opens the study in the viewer Tessera serves', {skip}, async () => {
  const study = kStudies[0];
  const uid = studyUids[study.patientId];
  const explorer = await browser.context.newPage();
  await explorer.goto(`${server.base}/zhiva/app/explorer.html?token=${encodeURIComponent(
      await oneOffToken())}#study/${uid}`);
  const link = explorer.locator('#study-viewer');
  await link.waitFor();
  assert.equal(await link.getAttribute('href'), `/zhiva/viewer/viewer?StudyInstanceUIDs=${uid}`);

  const access = await explorer.evaluate(
      () => JSON.parse(sessionStorage.getItem('tessera.tokens') ?? '{}').access);
  assert.ok(access, 'the explorer is signed in');
  const addresses = [];  // every address the viewer tab had, for the browser's history
  browser.context.once('page', (opened) => opened.on('framenavigated', (frame) => {
    if (frame === opened.mainFrame()) addresses.push(frame.url());
  }));
  const [viewer] = await Promise.all([
    browser.context.waitForEvent('page'),
    link.click(),
  ]);
  const problems = watchTessera(viewer);
  const errors = watchPageErrors(viewer);
  const metadata = `${server.base}/zhiva/pacs/studies/${uid}/series/`;
  const dataRequests = [];
  viewer.on('request', (request) => {
    if (request.url().startsWith(metadata)) dataRequests.push(request.url());
  });
  await viewer.waitForURL(/\/zhiva\/viewer\/viewer\?StudyInstanceUIDs=/);
  const variance = await expectRenderedImage(viewer, 'ohif-served-CT_small');
  assert.ok(variance > 20, `variance ${variance}`);
  assert.ok(dataRequests.length > 0, 'OHIF reads this server\'s DICOMweb');
  assert.doesNotMatch(viewer.url(), /token|handoff/, 'the hand-off left the address bar');
  assert.ok(addresses.length > 0);
  for (const address of addresses) {
    assert.ok(!address.includes(access), `no token in the tab's address: ${address}`);
  }
  assert.deepEqual(await viewer.evaluate(
      () => Object.keys(localStorage).filter((key) => key.startsWith('tessera.handoff.'))), [],
      'the viewer took the token out of localStorage');
  assert.equal(await link.getAttribute('href'), `/zhiva/viewer/viewer?StudyInstanceUIDs=${uid}`,
      'the link holds no token once followed');
  assert.deepEqual(problems, []);
  assert.deepEqual(errors, [], 'no script error or console error');

  // A reload keeps the session (the token is in the tab's sessionStorage).
  await viewer.reload();
  await expectRenderedImage(viewer, 'ohif-served-CT_small-reloaded');
  await viewer.close();
  await explorer.close();
});

test('the served viewer sends a person without a session to sign in, and back', {skip},
    async () => {
      const study = kStudies[2];  // JPEG 2000: the codec's WebAssembly loads from the mount point
      const uid = studyUids[study.patientId];
      const page = await browser.context.newPage();  // a new tab: empty sessionStorage
      const problems = watchTessera(page);
      await page.goto(`${server.base}/zhiva/viewer/viewer?StudyInstanceUIDs=${uid}`);
      await page.waitForURL(/\/auth\/sign-in\?/);
      await page.locator('#username').fill(kUser.username);
      await page.locator('#password').fill(kUser.password);
      await page.getByRole('button', {name: 'Sign in'}).click();
      await page.waitForURL(/\/zhiva\/viewer\/viewer\?StudyInstanceUIDs=/);
      const variance = await expectRenderedImage(page, `ohif-served-${basename(study.files[0], '.dcm')}`);
      assert.ok(variance > 20, `variance ${variance}`);
      assert.doesNotMatch(page.url(), /token=|state=/);
      const stored = await page.evaluate(() => JSON.parse(sessionStorage.getItem('tessera.tokens')));
      assert.ok(stored.access && stored.refresh, 'the one-off token became an access + refresh pair');
      assert.deepEqual(problems, []);
      await page.close();
    });
