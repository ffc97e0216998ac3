// Starts the real tessera binary for the e2e test: `tessera init` into a fresh
// data folder (admin password from TESSERA_ADMIN_PASSWORD), then `tessera serve`
// on free loopback ports, waiting until it answers. Also a small HTTPS client
// that accepts the self-signed certificate.
import {spawn, spawnSync} from 'node:child_process';
import {createWriteStream, mkdtempSync, rmSync} from 'node:fs';
import {request as httpRequest} from 'node:http';
import {request as httpsRequest} from 'node:https';
import {createServer} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address();
      server.close(() => resolve(port));
    });
  });
}

// Resolves with {status, headers, body: Buffer}; never throws on HTTP errors.
export function fetchRaw(url, {method = 'GET', headers = {}, body} = {}) {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(target, {method, headers, rejectUnauthorized: false}, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve({status: res.statusCode, headers: res.headers,
        body: Buffer.concat(chunks)}));
    });
    req.on('error', reject);
    req.setTimeout(30000, () => req.destroy(new Error(`timeout: ${method} ${url}`)));
    req.end(body);
  });
}

// The serve command line; TESSERA_E2E_SERVE_ARGS (JSON array with {data},
// {port} and {dicom_port} placeholders) overrides it.
function serveArgs(data, port, dicomPort) {
  const template = process.env.TESSERA_E2E_SERVE_ARGS ?
      JSON.parse(process.env.TESSERA_E2E_SERVE_ARGS) :
      ['serve', '--data', '{data}', '--listen', '127.0.0.1:{port}', '--dicom-listen',
        '127.0.0.1:{dicom_port}'];
  return template.map((arg) => arg.replaceAll('{data}', data).replaceAll('{port}', String(port))
      .replaceAll('{dicom_port}', String(dicomPort)));
}

// `env` adds environment variables (settings such as TESSERA_EXPLORER_VIEWER_DIR);
// `beforeServe(data)` may change the data folder (its tessera.toml) after init.
export async function startTessera(
    {binary, adminPassword, logFile, env: extraEnv = {}, beforeServe = () => {}}) {
  const data = mkdtempSync(join(tmpdir(), 'tessera-e2e-data-'));
  const env = {...process.env, ...extraEnv, TESSERA_ADMIN_PASSWORD: adminPassword};
  const init = spawnSync(binary, ['init', '--data', data], {env, encoding: 'utf8', timeout: 120000});
  if (init.status !== 0) {
    throw new Error(`tessera init failed (${init.status}): ${init.stderr || init.stdout}`);
  }
  beforeServe(data);
  const port = await freePort();
  const dicomPort = await freePort();
  const log = createWriteStream(logFile);
  let child;
  let exited = null;

  // Serves the data folder on the same ports; resolves with the base URL once it answers.
  const launch = async () => {
    exited = null;
    child = spawn(binary, serveArgs(data, port, dicomPort), {env, stdio: ['ignore', 'pipe', 'pipe']});
    child.stdout.pipe(log, {end: false});
    child.stderr.pipe(log, {end: false});
    child.on('exit', (code, signal) => {
      exited = {code, signal};
    });
    const deadline = Date.now() + 60000;
    while (true) {
      if (exited) throw new Error(`tessera serve exited early (${JSON.stringify(exited)}); see ${logFile}`);
      if (Date.now() > deadline) throw new Error(`tessera did not answer on port ${port}; see ${logFile}`);
      for (const scheme of ['https', 'http']) {
        const candidate = `${scheme}://127.0.0.1:${port}`;
        const answer = await fetchRaw(`${candidate}/zhiva/app/config.json`).catch(() => null);
        if (answer?.status === 200) return candidate;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  };

  // Ends the server with `signal` (SIGKILL: as a crash), waiting for it to go.
  const end = async (signal) => {
    if (exited) return;
    const gone = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 35000);
    await gone;
    clearTimeout(timer);
  };

  const base = await launch();
  const stop = async () => {
    await end('SIGTERM');
    log.end();
    rmSync(data, {recursive: true, force: true});
  };
  // Stops the server with `signal` and serves the same data folder again.
  const restart = async (signal = 'SIGTERM') => {
    await end(signal);
    await launch();
  };
  return {base, data, dicomPort, stop, restart};
}
