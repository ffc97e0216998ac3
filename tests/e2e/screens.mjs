// Screenshots of every page and state against the fixture server, light and
// dark, into output/fixture-*.png, for looking at the UI without the real
// server. Fails when a page throws or logs an error.
//
//   node screens.mjs
import {mkdirSync, readdirSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

import {launchBrowser, watchPageErrors} from './lib/browser.mjs';
import {startFixtureServer} from './fixture-server.mjs';

const kOutput = join(dirname(fileURLToPath(import.meta.url)), 'output');
const kPydicom = process.env.TESSERA_PYDICOM_TEST_FILES ??
    '/usr/lib/python3/dist-packages/pydicom/data/test_files';

mkdirSync(kOutput, {recursive: true});
const server = await startFixtureServer(0);
const base = `http://127.0.0.1:${server.address().port}`;
const {context, close} = await launchBrowser();
const problems = [];

async function shoot(page, name, scheme) {
  await page.waitForTimeout(150);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({path: join(kOutput, `fixture-${name}-${scheme}.png`), fullPage: true});
}

async function scenario(name, scheme, run) {
  const page = await context.newPage();
  await page.emulateMedia({colorScheme: scheme});
  const errors = watchPageErrors(page);
  try {
    await run(page, (step) => shoot(page, step ? `${name}-${step}` : name, scheme));
  } catch (error) {
    problems.push(`${name} (${scheme}): ${error.message}`);
  }
  // The fixture's 4xx answers are expected; real script errors are not.
  problems.push(...errors.filter((e) => !/status of 4\d\d|ERR_FAILED/.test(e)).map((e) => `${name} (${scheme}): ${e}`));
  await page.close();
}

async function oneOffToken(page) {
  return page.evaluate(async () => {
    const response = await fetch('/auth/generate-token', {method: 'POST',
      headers: {'Content-Type': 'application/json'},
      body: JSON.stringify({name: 'Dr Jane Doe', username: 'jdoe', canEditResource: true,
        password: 'admin', userPassword: 'Passw0rd!', createUserIfNotExists: true})});
    return (await response.json()).token;
  });
}

for (const scheme of ['light', 'dark']) {
  await scenario('token', scheme, async (page, shot) => {
    await page.goto(`${base}/auth/token`);
    await page.getByLabel('Name', {exact: true}).waitFor();
    await shot('form');
    await page.getByLabel('Name', {exact: true}).fill('Dr Emil Brandt');
    await page.getByLabel('Username').fill('ebrandt');
    await page.getByLabel('Can edit PACS resources?').check();
    await page.locator('#admin-password').fill('wrong');
    await page.getByRole('button', {name: 'Create token'}).click();
    await page.getByText('The admin password is not correct.').waitFor();
    await shot('error');
    await page.locator('#admin-password').fill('admin');
    await page.getByRole('button', {name: 'Create token'}).click();
    await page.getByLabel(/New password for/).fill('Passw0');
    await shot('confirm');
    await page.getByLabel(/New password for/).fill('Passw0rd!');
    await page.locator('#confirm-submit').click();
    await page.getByLabel('One-off token').waitFor();
    await shot('result');
    await page.getByRole('link', {name: 'Users'}).click();
    await page.getByRole('cell', {name: 'ebrandt', exact: true}).waitFor();
    await shot('users');
  });

  await scenario('sign-in', scheme, async (page, shot) => {
    await page.goto(`${base}/auth/sign-in?return_uri=${encodeURIComponent('https://viewer.example/callback')}&response_type=${encodeURIComponent('{"type":"authToken"}')}`);
    await page.getByLabel('Username').fill('jdoe');
    await shot('form');
    await page.getByLabel('Password', {exact: true}).fill('nope');
    await page.getByRole('button', {name: 'Sign in'}).click();
    await page.getByText('Wrong username or password.').waitFor();
    await shot('error');
  });

  await scenario('explorer-find', scheme, async (page, shot) => {
    await page.goto(`${base}/zhiva/app/explorer.html`);
    const token = await oneOffToken(page);
    await page.goto(`${base}/zhiva/app/explorer.html?token=${token}#find-studies`);
    await page.locator('#study-rows tr').first().waitFor();
    await shot('');
    await page.getByLabel('Modality').selectOption('MR');
    await page.getByRole('button', {name: 'Last 30 days'}).click();
    await page.waitForTimeout(400);
    await shot('filtered');
    await page.getByLabel('Patient name').fill('nobody-like-this');
    await page.getByText('No studies match this search.').waitFor();
    await shot('empty');
  });

  await scenario('explorer-study', scheme, async (page, shot) => {
    await page.goto(`${base}/zhiva/app/explorer.html`);
    const token = await oneOffToken(page);
    await page.goto(`${base}/zhiva/app/explorer.html?token=${token}#find-studies?ModalitiesInStudy=CT`);
    await page.locator('#study-rows a').first().click();
    await page.locator('.series-item .thumb img').first().waitFor();
    await page.locator('.series-select').nth(1).click();
    await page.locator('#preview-image:not([hidden])').waitFor();
    await page.locator('#preview-stage').focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await shot('');
    await page.getByRole('button', {name: 'Delete study'}).click();
    await shot('confirm');
  });

  await scenario('explorer-upload', scheme, async (page, shot) => {
    await page.goto(`${base}/zhiva/app/explorer.html`);
    const token = await oneOffToken(page);
    await page.goto(`${base}/zhiva/app/explorer.html?token=${token}#upload`);
    await page.getByText('Drop files or folders here').waitFor();
    await shot('empty');
    const files = readdirSync(kPydicom).filter((f) => /\.(dcm|txt|gz)$/.test(f)).slice(0, 40)
        .map((f) => join(kPydicom, f));
    await page.locator('#pick-files').setInputFiles(files);
    await page.getByRole('heading', {name: 'Upload finished'}).waitFor({timeout: 60000});
    await shot('done');
  });

  await scenario('explorer-narrow', scheme, async (page, shot) => {
    await page.setViewportSize({width: 390, height: 844});
    await page.goto(`${base}/zhiva/app/explorer.html`);
    const token = await oneOffToken(page);
    await page.goto(`${base}/zhiva/app/explorer.html?token=${token}#find-studies`);
    await page.locator('#study-rows tr').first().waitFor();
    await shot('find');
    await page.locator('#study-rows a').first().click();
    await page.locator('.series-item .thumb img').first().waitFor();
    await shot('study');
  });

  await scenario('explorer-signed-out', scheme, async (page, shot) => {
    await page.goto(`${base}/zhiva/app/explorer.html#find-studies`);
    await page.getByRole('dialog').waitFor();
    await page.getByLabel(/Paste a token/).fill('garbage');
    await page.getByRole('button', {name: 'Use token'}).click();
    await page.getByText(/not valid/).waitFor();
    await shot('');
  });

  await scenario('explorer-no-server', scheme, async (page, shot) => {
    await page.route('**/config.json', (route) => route.abort());
    await page.goto(`${base}/zhiva/app/explorer.html`);
    await page.getByRole('alert').filter({hasText: 'Cannot reach'}).waitFor();
    await shot('');
  });
}

await close();
server.close();
if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log(`screenshots in ${kOutput}`);
