// A stand-in server for looking at the pages before (or without) the real
// binary: serves web/ at /zhiva/app/ and answers the API the pages use from a
// small synthetic archive held in memory. It is for screenshots and UI work
// only; e2e.test.mjs always runs against the real `tessera`.
//
//   node fixture-server.mjs [port]        (default 8090; admin password "admin")
import {createServer} from 'node:http';
import {readFileSync, statSync} from 'node:fs';
import {dirname, extname, join, normalize} from 'node:path';
import {fileURLToPath} from 'node:url';
import {deflateSync} from 'node:zlib';

const kWebDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'web');
const kAdminPassword = 'admin';
const kAuthApi = /^\/auth\/(verify|generate-token|generate-access-token|refresh-token|sign-user|revoke|admin\/.+)$/;
const kTypes = {'.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml', '.json': 'application/json'};

// --- a synthetic archive ---

const kFamilies = ['ANDERSEN', 'BAKER', 'CHEN', 'DOE', 'EKSTRÖM', 'FISCHER', 'GARCÍA', 'HUANG',
  'IVANOVA', 'JOHNSON', 'KOWALSKI', 'LEE', 'MÜLLER', 'NOWAK', 'OKAFOR', 'PATEL'];
const kGiven = ['ANNA', 'BEN', 'CARLA', 'DAVID', 'EVA', 'FRANK', 'GRETA', 'HUGO'];
const kKinds = [
  {modality: 'CT', description: 'CT CHEST W/O CONTRAST', series: ['Scout', 'Axial 1.25mm', 'Coronal MPR']},
  {modality: 'MR', description: 'MRI KNEE LEFT', series: ['Sag PD FS', 'Cor T1', 'Ax T2']},
  {modality: 'CR', description: 'XR CHEST 2 VIEWS', series: ['PA', 'Lateral']},
  {modality: 'US', description: 'US ABDOMEN COMPLETE', series: ['Liver', 'Kidneys']},
  {modality: 'MG', description: 'MAMMO SCREENING BILATERAL', series: ['R CC', 'L CC', 'R MLO', 'L MLO']},
];

function tag(vr, ...values) {
  return values.length && values[0] !== undefined && values[0] !== '' ? {vr, Value: values} : {vr};
}

function buildArchive() {
  const studies = [];
  const today = new Date();
  for (let i = 0; i < 137; i += 1) {
    const kind = kKinds[i % kKinds.length];
    const day = new Date(today.getFullYear(), today.getMonth(), today.getDate() - ((i * 7) % 400));
    const da = `${day.getFullYear()}${String(day.getMonth() + 1).padStart(2, '0')}${
      String(day.getDate()).padStart(2, '0')}`;
    const uid = `1.2.826.0.1.3680043.10.543.${1000 + i}`;
    const series = kind.series.map((description, s) => ({
      uid: `${uid}.${s + 1}`,
      number: s + 1,
      description,
      modality: kind.modality,
      instances: Array.from({length: kind.modality === 'CT' && s === 1 ? 24 : 1 + (s % 3)},
          (_, n) => ({uid: `${uid}.${s + 1}.${n + 1}`, number: n + 1, frames: kind.modality === 'US' ? 6 : 1})),
    }));
    studies.push({
      uid,
      name: `${kFamilies[i % kFamilies.length]}^${kGiven[(i * 3) % kGiven.length]}`,
      patientId: `PID${String(40000 + i * 13)}`,
      birth: `19${40 + (i % 60)}0${1 + (i % 9)}1${i % 10}`,
      sex: i % 2 ? 'F' : 'M',
      date: da,
      time: `${String(8 + (i % 10)).padStart(2, '0')}3015`,
      accession: `ACC${String(900000 + i * 7)}`,
      description: kind.description,
      modality: kind.modality,
      series,
    });
  }
  return studies;
}

const archive = buildArchive();

function studyJson(s) {
  const images = s.series.reduce((n, r) => n + r.instances.length, 0);
  return {
    '00080020': tag('DA', s.date), '00080030': tag('TM', s.time), '00080050': tag('SH', s.accession),
    '00080061': tag('CS', ...new Set(s.series.map((r) => r.modality))),
    '00080090': tag('PN', {Alphabetic: 'HOUSE^GREGORY'}), '00081030': tag('LO', s.description),
    '00100010': tag('PN', {Alphabetic: s.name}), '00100020': tag('LO', s.patientId),
    '00100030': tag('DA', s.birth), '00100040': tag('CS', s.sex), '0020000D': tag('UI', s.uid),
    '00200010': tag('SH', String(s.uid.slice(-4))), '00201206': tag('IS', s.series.length),
    '00201208': tag('IS', images),
  };
}

function seriesJson(r) {
  return {'00080060': tag('CS', r.modality), '0008103E': tag('LO', r.description),
    '0020000E': tag('UI', r.uid), '00200011': tag('IS', r.number),
    '00201209': tag('IS', r.instances.length)};
}

function matches(value, pattern) {
  const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`, 'i');
  return regex.test(value);
}

function queryStudies(params) {
  let list = archive;
  const name = params.get('PatientName');
  if (name) {
    list = list.filter((s) => params.get('fuzzymatching') === 'true' && !/[*?]/.test(name) ?
        s.name.split(/[\^ ]/).some((part) => part.toLowerCase().startsWith(name.toLowerCase())) :
        matches(s.name, name));
  }
  for (const [key, field] of [['PatientID', 'patientId'], ['AccessionNumber', 'accession'],
    ['StudyDescription', 'description'], ['StudyInstanceUID', 'uid']]) {
    const value = params.get(key);
    if (value) list = list.filter((s) => value.split(',').some((v) => matches(s[field], v)));
  }
  const modality = params.get('ModalitiesInStudy');
  if (modality) list = list.filter((s) => s.series.some((r) => r.modality === modality));
  const range = params.get('StudyDate');
  if (range) {
    const [low, high = low] = range.split('-');
    list = list.filter((s) => (!low || s.date >= low) && (!high || s.date <= high));
  }
  const orderby = params.get('orderby') || '-StudyDate';
  const key = {StudyDate: 'date', PatientName: 'name', PatientID: 'patientId',
    StudyDescription: 'description', AccessionNumber: 'accession'}[orderby.replace('-', '')] ?? 'date';
  list = [...list].sort((a, b) => a[key].localeCompare(b[key]) * (orderby.startsWith('-') ? -1 : 1));
  const offset = Number(params.get('offset') || 0);
  const limit = Number(params.get('limit') || 100);
  return {total: list.length, page: list.slice(offset, offset + limit).map(studyJson)};
}

// --- images: a PNG encoder for synthetic "scans" ---

const kCrcTable = Array.from({length: 256}, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = kCrcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

function grayPng(size, seed) {
  const raw = Buffer.alloc((size + 1) * size);
  const cx = size / 2 + Math.sin(seed) * size * 0.08;
  for (let y = 0; y < size; y += 1) {
    raw[y * (size + 1)] = 0;
    for (let x = 0; x < size; x += 1) {
      const dx = (x - cx) / size;
      const dy = (y - size / 2) / size;
      const r = Math.sqrt(dx * dx + dy * dy);
      const body = r < 0.42 ? 90 + 40 * Math.cos(r * 18 + seed) : 8;
      const organ = Math.hypot(dx - 0.12, dy + 0.05) < 0.09 + 0.02 * Math.sin(seed) ? 110 : 0;
      raw[y * (size + 1) + 1 + x] = Math.max(0, Math.min(255, body + organ));
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8;   // bit depth
  header[9] = 0;   // grayscale
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

// --- HTTP ---

function send(res, status, body, type = 'application/json', headers = {}) {
  const data = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  res.writeHead(status, {'Content-Type': type, 'Cache-Control': 'no-store', ...headers});
  res.end(data);
}

async function readBody(req) {
  const parts = [];
  for await (const part of req) parts.push(part);
  return Buffer.concat(parts);
}

const users = new Map([['jdoe', {username: 'jdoe', name: 'Dr Jane Doe', canEditResource: true,
  lastLogin: new Date(Date.now() - 3600e3).toISOString(), createdAt: '2024-01-08T09:12:00Z'}],
['rview', {username: 'rview', name: 'Radiology Viewer', canEditResource: false, lastLogin: null,
  createdAt: '2024-03-02T15:40:00Z'}]]);

function fakeJwt(payload) {
  const encode = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${encode({alg: 'none'})}.${encode({...payload, exp: Math.floor(Date.now() / 1000) + 86400})}.x`;
}

function bearerUser(req) {
  const match = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
  if (!match) return null;
  try {
    return JSON.parse(Buffer.from(match[1].split('.')[1], 'base64url').toString());
  } catch {
    return null;
  }
}

async function handleAuth(req, res, path) {
  if (path === '/auth/verify') {
    const user = bearerUser(req);
    return user ? send(res, 200, user) : send(res, 401, {message: 'Missing token'});
  }
  if (path === '/auth/generate-access-token' || path === '/auth/refresh-token') {
    const user = bearerUser(req);
    if (!user) return send(res, 403, {message: 'Invalid Token'});
    return send(res, 200, path.endsWith('refresh-token') ? '' : fakeJwt({...user, kind: 'refresh'}),
        'text/plain', {Authorization: `Bearer ${fakeJwt({...user, kind: 'access'})}`});
  }
  if (path === '/auth/generate-link-token') {
    const user = bearerUser(req);
    if (!user) return send(res, 403, {message: 'Invalid Token'});
    return send(res, 200, {token: fakeJwt({...user, kind: 'access'})});
  }
  if (req.method !== 'POST') return send(res, 404, {message: 'Not found'});
  const body = JSON.parse((await readBody(req)).toString() || '{}');
  if (path === '/auth/sign-user') {
    const user = users.get(body.username);
    return user && body.password === 'Passw0rd!' ?
        send(res, 200, {token: fakeJwt({...user, kind: 'one-off', aud: body.referer})}) :
        send(res, 400, {message: 'Invalid data'});
  }
  if (body.password !== kAdminPassword) return send(res, 400, {message: 'Invalid admin password'});
  if (path === '/auth/generate-token') {
    const exists = users.has(body.username);
    if (!body.createUserIfNotExists) {
      return send(res, 400, {message: exists ? 'User already exists' : "User doesn't exists"});
    }
    const user = {username: body.username, name: body.name, canEditResource: Boolean(body.canEditResource),
      lastLogin: null, createdAt: users.get(body.username)?.createdAt ?? new Date().toISOString()};
    users.set(body.username, user);
    return send(res, 200, {token: fakeJwt({username: user.username, name: user.name,
      canEditResource: user.canEditResource, kind: 'one-off'})});
  }
  if (path === '/auth/admin/users') return send(res, 200, [...users.values()]);
  const user = users.get(body.username);
  if (!user) return send(res, 400, {message: "User doesn't exists"});
  if (path === '/auth/admin/set-permission') user.canEditResource = Boolean(body.canEditResource);
  if (path === '/auth/admin/delete-user') users.delete(body.username);
  return send(res, 200, {});
}

async function handlePacs(req, res, url) {
  const parts = url.pathname.replace('/zhiva/pacs/', '').split('/').map(decodeURIComponent);
  const user = bearerUser(req);
  if (!user) return send(res, 401, {message: 'Missing token'}, 'application/json', {'WWW-Authenticate': 'Bearer'});
  if (parts[0] !== 'studies') return send(res, 404, {message: 'Not found'});
  if (parts.length === 1) {
    const {total, page} = queryStudies(url.searchParams);
    return send(res, 200, page, 'application/dicom+json', {'X-Total-Count': String(total)});
  }
  const study = archive.find((s) => s.uid === parts[1]);
  if (!study) return send(res, 404, {message: 'Study not found'});
  if (req.method === 'DELETE') {
    if (!user.canEditResource) return send(res, 403, {message: 'Unauthorized'});
    if (parts.length === 2) archive.splice(archive.indexOf(study), 1);
    else study.series = study.series.filter((r) => r.uid !== parts[3]);
    return send(res, 204, '');
  }
  if (parts[2] === 'archive') return send(res, 200, Buffer.from('PK\x05\x06' + '\0'.repeat(18), 'latin1'), 'application/zip');
  if (parts.length === 3) return send(res, 200, study.series.map(seriesJson), 'application/dicom+json');
  const series = study.series.find((r) => r.uid === parts[3]);
  if (!series) return send(res, 404, {message: 'Series not found'});
  if (parts[4] === 'thumbnail') return send(res, 200, grayPng(128, series.number), 'image/png');
  if (parts.length === 5) {
    return send(res, 200, series.instances.map((i) => ({'00080018': tag('UI', i.uid),
      '00200013': tag('IS', i.number), '00280008': tag('IS', i.frames)})), 'application/dicom+json');
  }
  if (parts[6] === 'frames') {
    const index = series.instances.findIndex((i) => i.uid === parts[5]);
    return send(res, 200, grayPng(512, index * 0.4 + Number(parts[7]) * 0.1), 'image/png');
  }
  return send(res, 404, {message: 'Not found'});
}

async function handleUpload(req, res) {
  const body = await readBody(req);
  await new Promise((resolve) => setTimeout(resolve, 150));
  if (body.length > 128 && body.toString('latin1', 128, 132) === 'DICM') {
    return send(res, 200, {Status: body.length % 3 ? 'Success' : 'AlreadyStored',
      StudyInstanceUID: archive[body.length % archive.length].uid});
  }
  return send(res, 400, {message: 'Missing SOP Instance UID (0008,0018)'});
}

function serveStatic(res, relative) {
  const file = normalize(join(kWebDir, relative || 'explorer.html'));
  if (!file.startsWith(kWebDir)) return send(res, 404, {message: 'Not found'});
  try {
    if (!statSync(file).isFile()) throw new Error('not a file');
    return send(res, 200, readFileSync(file), kTypes[extname(file)] ?? 'application/octet-stream');
  } catch {
    return send(res, 404, {message: 'Not found'});
  }
}

export function startFixtureServer(port = 0) {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://localhost');
    try {
      if (url.pathname === '/zhiva/app/config.json') {
        return send(res, 200, {pacsRoot: '/zhiva/pacs', authRoot: '/auth', uploadUrl: '/zhiva/instances',
          wadoUri: '/zhiva/wado', viewerUrlTemplate: 'https://viewer.example/viewer?StudyInstanceUIDs={study}'});
      }
      // As the real server: the auth pages at /auth/token and /auth/sign-in, every
      // web/ file also under /auth/ (auth/auth_routes.cpp).
      if (url.pathname === '/auth/token') return serveStatic(res, 'auth/token.html');
      if (url.pathname === '/auth/sign-in') return serveStatic(res, 'auth/sign-in.html');
      if (url.pathname.startsWith('/zhiva/app/')) return serveStatic(res, url.pathname.slice(11));
      if (kAuthApi.test(url.pathname)) return await handleAuth(req, res, url.pathname);
      if (url.pathname.startsWith('/auth/')) return serveStatic(res, url.pathname.slice(6));
      if (url.pathname.startsWith('/zhiva/pacs/')) return await handlePacs(req, res, url);
      if (url.pathname === '/zhiva/instances' && req.method === 'POST') return await handleUpload(req, res);
      return send(res, 404, {message: 'Not found'});
    } catch (error) {
      return send(res, 500, {message: error.message});
    }
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const server = await startFixtureServer(Number(process.argv[2] ?? 8090));
  console.log(`fixture server on http://127.0.0.1:${server.address().port}/zhiva/app/explorer.html`);
}
