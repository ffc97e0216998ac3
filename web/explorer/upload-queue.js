import {isAbort} from '../lib/api.js';
import {sniffFile} from './file-sniffer.js';
import {interpretUpload} from './upload-results.js';

// Uploads files to the upload URL, `concurrency` at a time, each file sent as
// the raw request body (the browser streams the File from disk). Files that
// are neither DICOM nor ZIP are reported as skipped and never sent.
//
// A file whose server cannot be reached is sent again after each of
// `retryDelays` (ms) before it counts as failed, so that a server restart
// pauses the queue instead of failing everything still waiting.
//
// Events (EventTarget): 'progress' on any byte or state change (listeners
// should throttle their rendering), 'result' with detail = the finished item,
// 'idle' when the queue ran dry.
//
// Item: {id, path, size, state: 'queued' | 'checking' | 'sending' | 'done',
//        sent, outcome, message, entries}.
export class UploadQueue extends EventTarget {
  constructor({
    api,
    url,
    concurrency = 3,
    now = () => performance.now(),
    retryDelays = [1000, 2000, 4000, 8000]
  }) {
    super();
    this.api_ = api;
    this.url_ = url;
    this.concurrency_ = concurrency;
    this.now_ = now;
    this.retryDelays_ = retryDelays;
    this.reset_();
  }

  reset_() {
    this.items_ = [];
    this.next_ = 0;          // index of the next queued item (no Array#shift: O(1))
    this.workers_ = 0;
    this.active_ = new Set();
    this.bytesTotal_ = 0;
    this.bytesFinished_ = 0;
    this.counts_ = {stored: 0, replaced: 0, already: 0, refused: 0, failed: 0, skipped: 0,
      cancelled: 0};
    this.filesDone_ = 0;
    this.studies_ = new Map();  // StudyInstanceUID → instances stored
    this.samples_ = [];
    this.startedAt_ = 0;
    this.abort_ = new AbortController();
  }

  get running() {
    return this.workers_ > 0;
  }

  // Queues [{file, path}] and starts sending. Adding while idle starts a new
  // batch (the previous totals are cleared).
  add(files) {
    if (!this.running) this.reset_();
    // Files added after Cancel but before the aborted ones wound down.
    if (this.abort_.signal.aborted) this.abort_ = new AbortController();
    if (!this.startedAt_) this.startedAt_ = this.now_();
    for (const {file, path} of files) {
      this.items_.push({
        id: this.items_.length,
        file,
        path: path || file.name,
        size: file.size,
        state: 'queued',
        sent: 0,
        outcome: '',
        message: '',
        entries: [],
      });
      this.bytesTotal_ += file.size;
    }
    while (this.workers_ < this.concurrency_ && this.next_ < this.items_.length) {
      this.workers_ += 1;
      this.work_().finally(() => {
        this.workers_ -= 1;
        if (this.workers_ === 0) this.dispatchEvent(new Event('idle'));
      });
    }
    this.changed_();
  }

  // Stops everything: sending files are aborted, queued ones marked cancelled.
  cancel() {
    this.abort_.abort();
    for (; this.next_ < this.items_.length; this.next_ += 1) {
      this.finish_(this.items_[this.next_], {outcome: 'cancelled', message: 'Cancelled',
        entries: []});
    }
    this.changed_();
  }

  // Queues again the files that failed in transit (not the refused ones).
  retryFailed() {
    const again = this.items_.filter((item) => item.outcome === 'failed');
    if (again.length === 0 || this.running) return;
    this.add(again.map((item) => ({file: item.file, path: item.path})));
  }

  // Numbers for the progress display.
  snapshot() {
    const now = this.now_();
    const bytesDone = this.bytesDone_();
    this.sample_(now, bytesDone);
    const speed = this.speed_();
    const remaining = Math.max(0, this.bytesTotal_ - bytesDone);
    return {
      files: this.items_.length,
      filesDone: this.filesDone_,
      bytesTotal: this.bytesTotal_,
      bytesDone,
      speed,
      secondsLeft: speed > 0 ? remaining / speed : Infinity,
      elapsed: this.startedAt_ ? (now - this.startedAt_) / 1000 : 0,
      counts: {...this.counts_},
      active: [...this.active_],
      studies: new Map(this.studies_),
      running: this.running,
      hasFailed: this.counts_.failed > 0,
    };
  }

  items() {
    return this.items_;
  }

  async work_() {
    while (this.next_ < this.items_.length && !this.abort_.signal.aborted) {
      const item = this.items_[this.next_];
      this.next_ += 1;
      await this.process_(item);
    }
  }

  async process_(item) {
    const signal = this.abort_.signal;
    item.state = 'checking';
    this.active_.add(item);
    this.changed_();
    let sniff;
    try {
      sniff = await sniffFile(item.file);
    } catch {
      this.finish_(item, {outcome: 'failed', message: 'The file could not be read', entries: []});
      return;
    }
    if (sniff.kind === 'unknown') {
      this.finish_(item, {outcome: 'skipped', message: sniff.reason, entries: []});
      return;
    }
    item.state = 'sending';
    try {
      let response;
      for (let attempt = 0;; attempt += 1) {
        response = await this.api_.sendFile(this.url_, item.file, {
          contentType: sniff.contentType,
          signal,
          onProgress: (sent) => {
            item.sent = Math.min(sent, item.size);
            this.changed_();
          },
        });
        if (response.status !== 0 || attempt >= this.retryDelays_.length) break;
        item.sent = 0;
        this.changed_();
        await delay(this.retryDelays_[attempt], signal);
      }
      this.finish_(item, interpretUpload(response));
    } catch (error) {
      if (isAbort(error)) {
        this.finish_(item, {outcome: 'cancelled', message: 'Cancelled', entries: []});
        return;
      }
      this.finish_(item, {outcome: 'failed', message: error.message || String(error),
        entries: []});
    }
  }

  finish_(item, result) {
    item.state = 'done';
    item.outcome = result.outcome;
    item.message = result.message;
    item.entries = result.entries;
    item.sent = 0;
    this.active_.delete(item);
    this.filesDone_ += 1;
    if (['skipped', 'cancelled', 'failed'].includes(result.outcome)) {
      // Not (or not wholly) received: the totals count what reached the server.
      this.bytesTotal_ -= item.size;
    } else {
      this.bytesFinished_ += item.size;
    }
    if (result.entries.length === 0) {
      this.counts_[result.outcome] += 1;
    } else {
      for (const entry of result.entries) {
        this.counts_[entry.outcome] += 1;
        if (entry.studyUid && entry.outcome !== 'refused') {
          this.studies_.set(entry.studyUid, (this.studies_.get(entry.studyUid) ?? 0) + 1);
        }
      }
    }
    this.dispatchEvent(new CustomEvent('result', {detail: item}));
    this.changed_();
  }

  bytesDone_() {
    let inFlight = 0;
    for (const item of this.active_) inFlight += item.sent;
    return this.bytesFinished_ + inFlight;
  }

  // Speed over the last 5 seconds, so a stall shows quickly and a burst of
  // tiny files doesn't swing the estimate.
  sample_(now, bytes) {
    const last = this.samples_[this.samples_.length - 1];
    if (!last || now - last.t >= 250) this.samples_.push({t: now, bytes});
    while (this.samples_.length > 2 && now - this.samples_[0].t > 5000) this.samples_.shift();
  }

  speed_() {
    if (this.samples_.length < 2) return 0;
    const first = this.samples_[0];
    const last = this.samples_[this.samples_.length - 1];
    const seconds = (last.t - first.t) / 1000;
    return seconds > 0 ? Math.max(0, (last.bytes - first.bytes) / seconds) : 0;
  }

  changed_() {
    this.dispatchEvent(new Event('progress'));
  }
}

// Resolves after `ms`; rejects with an AbortError when `signal` aborts first.
function delay(ms, signal) {
  return new Promise((resolve, reject) => {
    const abort = () => {
      clearTimeout(timer);
      reject(new DOMException('Upload cancelled', 'AbortError'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', abort);
      resolve();
    }, ms);
    if (signal?.aborted) {
      abort();
    } else {
      signal?.addEventListener('abort', abort, {once: true});
    }
  });
}
