import assert from 'node:assert/strict';
import {test} from 'node:test';

import {classifyHeader, sniffFile} from '../explorer/file-sniffer.js';
import {UploadQueue} from '../explorer/upload-queue.js';
import {interpretUpload} from '../explorer/upload-results.js';

function dicomBytes(size = 300) {
  const bytes = new Uint8Array(size);
  bytes.set([0x44, 0x49, 0x43, 0x4d], 128);
  return bytes;
}

test('the sniffer knows DICOM Part 10 and ZIP and refuses everything else', async () => {
  assert.equal(classifyHeader(dicomBytes()), 'dicom');
  assert.equal(classifyHeader(new Uint8Array([0x50, 0x4b, 3, 4, 0])), 'zip');
  assert.equal(classifyHeader(new Uint8Array(131)), 'unknown');
  assert.equal(classifyHeader(new TextEncoder().encode('%PDF-1.7')), 'unknown');
  assert.equal((await sniffFile(new Blob([dicomBytes()]))).contentType, 'application/dicom');
  assert.equal((await sniffFile(new Blob([new Uint8Array([0x50, 0x4b, 3, 4])]))).kind, 'zip');
  const empty = await sniffFile(new Blob([]));
  assert.equal(empty.kind, 'unknown');
  assert.equal(empty.reason, 'Empty file');
});

test('upload answers become outcomes with the server reason', () => {
  const single = interpretUpload({status: 200, text: JSON.stringify(
      {Status: 'Replaced', StudyInstanceUID: '1.2.3', SOPInstanceUID: '4'})});
  assert.equal(single.outcome, 'replaced');
  assert.equal(single.entries[0].studyUid, '1.2.3');
  assert.equal(interpretUpload({status: 200, text: '{"Status":"AlreadyStored"}'}).outcome, 'already');

  const zip = interpretUpload({status: 200, text: JSON.stringify([
    {Status: 'Success', StudyInstanceUID: '1'},
    {File: 'bad.dcm', Status: 'Failure', Message: 'Missing SOP Instance UID'},
  ])});
  assert.equal(zip.outcome, 'stored');
  assert.equal(zip.entries.length, 2);
  assert.equal(zip.entries[1].message, 'Missing SOP Instance UID');
  assert.equal(zip.entries[1].file, 'bad.dcm');
  assert.equal(zip.message, '1 stored, 1 refused');

  const refused = interpretUpload({status: 409, text: '{"message":"Study UID mismatch"}'});
  assert.equal(refused.outcome, 'refused');
  assert.equal(refused.message, 'Study UID mismatch');
  assert.match(interpretUpload({status: 413, text: ''}).message, /too large/i);
  assert.match(interpretUpload({status: 403, text: '{"message":"Unauthorized"}'}).message,
      /can view studies but not upload/);
  // A session ended by the server, with no new sign-in: failed, so Retry can send it again.
  assert.equal(interpretUpload({status: 403, text: '{"message":"Invalid Token"}'}).outcome,
      'failed');
  assert.equal(interpretUpload({status: 0, text: ''}).outcome, 'failed');
  assert.equal(interpretUpload({status: 502, text: '<html>bad gateway</html>'}).message,
      'Server error (502)');
});

// An Api stand-in that answers from a function and records concurrency.
class FakeApi {
  constructor(answer) {
    this.answer = answer;
    this.inFlight = 0;
    this.maxInFlight = 0;
    this.sent = [];
  }

  async sendFile(url, blob, {contentType, onProgress, signal}) {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    this.sent.push({url, size: blob.size, contentType});
    try {
      onProgress(blob.size / 2);
      await new Promise((resolve, reject) => {
        const timer = setTimeout(resolve, 5);
        signal?.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(new DOMException('Upload cancelled', 'AbortError'));
        });
      });
      onProgress(blob.size);
      return this.answer(blob);
    } finally {
      this.inFlight -= 1;
    }
  }
}

function idle(queue) {
  return new Promise((resolve) => queue.addEventListener('idle', resolve, {once: true}));
}

test('the queue sends DICOM and ZIP files in parallel and skips the rest unsent', async () => {
  const api = new FakeApi((blob) => ({status: 200, text: JSON.stringify(
      {Status: blob.size === 300 ? 'Success' : 'AlreadyStored', StudyInstanceUID: '9'})}));
  const queue = new UploadQueue({api, url: '/up', concurrency: 3});
  const files = [];
  for (let i = 0; i < 10; i += 1) files.push({file: new Blob([dicomBytes()]), path: `a/${i}.dcm`});
  files.push({file: new Blob([dicomBytes(400)]), path: 'again.dcm'});
  files.push({file: new Blob(['just text, long enough '.repeat(10)]), path: 'notes.txt'});
  const done = idle(queue);
  queue.add(files);
  await done;
  const s = queue.snapshot();
  assert.equal(api.maxInFlight, 3);
  assert.equal(api.sent.length, 11);
  assert.ok(api.sent.every((r) => r.url === '/up' && r.contentType === 'application/dicom'));
  assert.deepEqual(s.counts, {stored: 10, replaced: 0, already: 1, refused: 0, failed: 0,
    skipped: 1, cancelled: 0});
  assert.equal(s.filesDone, 12);
  assert.equal(s.bytesTotal, 10 * 300 + 400);
  assert.equal(s.bytesDone, s.bytesTotal);
  assert.equal(s.studies.get('9'), 11);
  assert.equal(queue.items().find((i) => i.path === 'notes.txt').outcome, 'skipped');
});

test('cancel aborts the files in flight and marks the queued ones', async () => {
  const api = new FakeApi(() => ({status: 200, text: '{"Status":"Success"}'}));
  const queue = new UploadQueue({api, url: '/up', concurrency: 2});
  const done = idle(queue);
  queue.add(Array.from({length: 20}, (_, i) => ({file: new Blob([dicomBytes()]), path: `${i}`})));
  await new Promise((resolve) => setTimeout(resolve, 1));
  queue.cancel();
  await done;
  const s = queue.snapshot();
  assert.equal(s.filesDone, 20);
  assert.ok(s.counts.cancelled >= 18, JSON.stringify(s.counts));
  assert.equal(s.counts.stored + s.counts.cancelled, 20);
  assert.equal(s.running, false);
});

test('failed files can be retried; refused ones are not', async () => {
  let attempt = 0;
  const api = new FakeApi(() => {
    attempt += 1;
    if (attempt === 1) return {status: 0, text: 'Cannot reach the server'};
    if (attempt === 2) return {status: 400, text: '{"message":"Not a DICOM instance"}'};
    return {status: 200, text: '{"Status":"Success"}'};
  });
  const queue = new UploadQueue({api, url: '/up', concurrency: 1, retryDelays: []});
  let done = idle(queue);
  queue.add([{file: new Blob([dicomBytes()]), path: 'a'}, {file: new Blob([dicomBytes()]), path: 'b'}]);
  await done;
  assert.deepEqual([queue.snapshot().counts.failed, queue.snapshot().counts.refused], [1, 1]);
  // The failed file's bytes never reached the server: the totals leave them out.
  assert.equal(queue.snapshot().bytesTotal, 300);
  assert.equal(queue.snapshot().bytesDone, 300);
  assert.equal(queue.items()[1].message, 'Not a DICOM instance');
  done = idle(queue);
  queue.retryFailed();
  await done;
  assert.equal(queue.items().length, 1);
  assert.equal(queue.items()[0].path, 'a');
  assert.equal(queue.snapshot().counts.stored, 1);
});

test('a file the server cannot be reached for waits and is sent again before it fails', async () => {
  let reachable = false;
  const api = new FakeApi(() => (reachable ? {status: 200, text: '{"Status":"Success"}'} :
    {status: 0, text: 'Cannot reach the server'}));
  const queue = new UploadQueue({api, url: '/up', concurrency: 1, retryDelays: [20, 20, 20]});
  const done = idle(queue);
  queue.add([{file: new Blob([dicomBytes()]), path: 'a'}, {file: new Blob([dicomBytes()]), path: 'b'}]);
  await new Promise((resolve) => setTimeout(resolve, 30));
  // The second file waits its turn (rather than failing too) while the first waits.
  assert.equal(queue.items()[1].state, 'queued');
  assert.equal(queue.snapshot().counts.failed, 0);
  reachable = true;
  await done;
  assert.deepEqual([queue.snapshot().counts.stored, queue.snapshot().counts.failed], [2, 0]);

  // Still unreachable after every delay: failed, and cancel cuts a wait short.
  reachable = false;
  const before = api.sent.length;
  const again = idle(queue);
  queue.add([{file: new Blob([dicomBytes()]), path: 'c'}]);
  await again;
  assert.equal(queue.snapshot().counts.failed, 1);
  assert.equal(api.sent.length - before, 4);  // the first try and three more
  const slow = new UploadQueue({api, url: '/up', concurrency: 1, retryDelays: [60000]});
  const cancelled = idle(slow);
  slow.add([{file: new Blob([dicomBytes()]), path: 'd'}]);
  await new Promise((resolve) => setTimeout(resolve, 20));
  slow.cancel();
  await cancelled;
  assert.equal(slow.snapshot().counts.cancelled, 1);
});
