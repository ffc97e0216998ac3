import {byId, h, replaceChildren} from '../lib/dom.js';
import {date, first, personName, Tag, values} from '../lib/dicom-json.js';
import {formatBytes, formatCount, formatDuration, formatRate, plural} from '../lib/format.js';
import {collectDropped, takeDropped} from './drop-collector.js';
import {studyHash} from './routes.js';
import {UploadQueue} from './upload-queue.js';

const kConcurrency = 3;
const kMaxProblemRows = 1000;
const kOutcomeLabels = {
  stored: 'Stored',
  replaced: 'Replaced',
  already: 'Already stored',
  refused: 'Refused',
  failed: 'Failed',
  skipped: 'Not DICOM',
  cancelled: 'Cancelled',
};

// The upload page: files, folders or drag and drop (ZIPs too) go to an
// UploadQueue; this view only renders its progress, throttled to one paint
// per animation frame so thousands of files don't slow the page.
export class UploadView {
  constructor({api, config, session}) {
    this.api_ = api;
    this.config_ = config;
    this.session_ = session;
    this.described_ = new Map();  // StudyInstanceUID → "DOE, JANE · 2004-01-19 · CT"
    this.queue_ = new UploadQueue({api, url: config.uploadUrl, concurrency: kConcurrency});
    this.frame_ = 0;
    this.problemRows_ = 0;
    this.problemsHidden_ = 0;

    this.section = byId('view-upload');
    this.dropzone_ = byId('dropzone');
    this.dropStatus_ = byId('dropzone-status');
    this.panel_ = byId('upload-panel');
    this.title_ = byId('upload-panel-title');
    this.total_ = byId('upload-total');
    this.stats_ = byId('upload-stats');
    this.active_ = byId('upload-active');
    this.counts_ = byId('upload-counts');
    this.cancel_ = byId('upload-cancel');
    this.retry_ = byId('upload-retry');
    this.studies_ = byId('upload-studies');
    this.studyLinks_ = byId('upload-study-links');
    this.problems_ = byId('upload-problems');
    this.problemBody_ = byId('upload-problem-rows');
    this.problemsMore_ = byId('upload-problems-more');
    this.bind_();
  }

  heading() {
    return byId('upload-title');
  }

  enter() {
    const canEdit = this.session_.canEdit();
    byId('upload-readonly').hidden = canEdit;
    this.dropzone_.hidden = !canEdit;
  }

  leave() {
    // Uploads continue in the background while other views are open.
  }

  bind_() {
    for (const id of ['pick-files', 'pick-folder']) {
      const input = byId(id);
      input.addEventListener('change', () => {
        const files = [...input.files].map((file) => ({file, path: file.webkitRelativePath || file.name}));
        input.value = '';  // choosing the same files again must fire change again
        this.add_(files);
      });
    }
    const zone = this.dropzone_;
    let depth = 0;  // dragenter/leave fire for every child: count them
    zone.addEventListener('dragenter', (event) => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      depth += 1;
      zone.classList.add('dragging');
    });
    zone.addEventListener('dragover', (event) => {
      if (!hasFiles(event)) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = 'copy';
    });
    zone.addEventListener('dragleave', () => {
      depth = Math.max(0, depth - 1);
      if (depth === 0) zone.classList.remove('dragging');
    });
    zone.addEventListener('drop', (event) => {
      event.preventDefault();
      depth = 0;
      zone.classList.remove('dragging');
      const dropped = takeDropped(event.dataTransfer);  // synchronously, before awaiting
      this.collect_(dropped);
    });
    // A file dropped beside the zone must not navigate away from the page.
    window.addEventListener('dragover', (event) => hasFiles(event) && event.preventDefault());
    window.addEventListener('drop', (event) => hasFiles(event) && event.preventDefault());

    this.cancel_.addEventListener('click', () => this.queue_.cancel());
    this.retry_.addEventListener('click', () => {
      this.resetResults_();
      this.queue_.retryFailed();
    });
    this.queue_.addEventListener('progress', () => this.schedule_());
    this.queue_.addEventListener('result', (event) => this.addResult_(event.detail));
    this.queue_.addEventListener('idle', () => {
      this.render_();
      this.describeStudies_();
    });
    window.addEventListener('beforeunload', (event) => {
      if (!this.queue_.running) return;
      event.preventDefault();
      event.returnValue = '';
    });
  }

  // True while files are being sent.
  isUploading() {
    return this.queue_.running;
  }

  // Stops sending; the files already stored stay stored. The aborted requests
  // settle at once, so leaving the page afterwards does not warn again.
  cancelUploads() {
    this.queue_.cancel();
  }

  async collect_(dropped) {
    this.dropStatus_.textContent = 'Reading folders…';
    try {
      const files = await collectDropped(dropped, (count) => {
        this.dropStatus_.textContent = `Reading folders… ${plural(count, 'file')} found`;
      });
      this.dropStatus_.textContent = 'or';
      this.add_(files);
    } catch (error) {
      this.dropStatus_.textContent = `Could not read the dropped items: ${error.message}`;
    }
  }

  add_(files) {
    if (files.length === 0) return;
    if (!this.queue_.running) this.resetResults_();
    this.panel_.hidden = false;
    this.queue_.add(files);
  }

  resetResults_() {
    replaceChildren(this.problemBody_);
    replaceChildren(this.studyLinks_);
    this.problemRows_ = 0;
    this.problemsHidden_ = 0;
    this.problems_.hidden = true;
    this.problemsMore_.hidden = true;
    this.studies_.hidden = true;
    this.described_.clear();
  }

  schedule_() {
    if (this.frame_) return;
    this.frame_ = requestAnimationFrame(() => {
      this.frame_ = 0;
      this.render_();
    });
  }

  addResult_(item) {
    const problems = item.entries.length ?
        item.entries.filter((e) => e.outcome === 'refused')
            .map((e) => ({path: e.file ? `${item.path} › ${e.file}` : item.path, outcome: 'refused',
              message: e.message})) :
        ['failed', 'skipped', 'cancelled', 'refused'].includes(item.outcome) ?
            [{path: item.path, outcome: item.outcome, message: item.message}] : [];
    for (const problem of problems) {
      if (this.problemRows_ >= kMaxProblemRows) {
        this.problemsHidden_ += 1;
        continue;
      }
      this.problemRows_ += 1;
      this.problemBody_.append(h('tr', {dataset: {outcome: problem.outcome}},
          h('td', {text: problem.path}),
          h('td', {}, h('span', {class: `badge ${badgeClass(problem.outcome)}`,
            text: kOutcomeLabels[problem.outcome]})),
          h('td', {text: problem.message})));
    }
    this.problems_.hidden = this.problemRows_ === 0;
    this.problemsMore_.hidden = this.problemsHidden_ === 0;
    this.problemsMore_.textContent = `…and ${formatCount(this.problemsHidden_)} more.`;
  }

  render_() {
    const s = this.queue_.snapshot();
    this.title_.textContent = s.running ? 'Uploading' : 'Upload finished';
    this.cancel_.hidden = !s.running;
    this.retry_.hidden = s.running || !s.hasFailed;
    this.total_.max = Math.max(1, s.bytesTotal);
    this.total_.value = s.running ? s.bytesDone : this.total_.max;

    const parts = [
      `${formatCount(s.filesDone)} of ${plural(s.files, 'file')}`,
      `${formatBytes(s.bytesDone)} of ${formatBytes(s.bytesTotal)}`,
    ];
    if (s.running) {
      if (s.speed > 0) parts.push(formatRate(s.speed));
      if (!Number.isFinite(s.secondsLeft)) parts.push('estimating time left…');
      else if (s.secondsLeft < 0.5) parts.push('almost done');
      else parts.push(`about ${formatDuration(s.secondsLeft)} left`);
    } else {
      parts.push(`took ${formatDuration(s.elapsed)}`);
    }
    this.stats_.textContent = parts.join(' · ');

    replaceChildren(this.active_, s.active.map((item) => {
      const percent = item.size ? Math.floor((item.sent / item.size) * 100) : 0;
      return h('li', {},
          h('span', {class: 'name', text: item.path, title: item.path}),
          h('progress', {max: 100, value: percent, attrs: {'aria-label': `${item.path}`}}),
          h('span', {class: 'percent', text: item.state === 'checking' ? 'checking' : `${percent}%`}));
    }));

    replaceChildren(this.counts_,
        Object.entries(s.counts).filter(([, n]) => n > 0).map(([outcome, n]) =>
          h('span', {class: `count ${outcome}`, dataset: {outcome}},
              h('strong', {text: formatCount(n)}), kOutcomeLabels[outcome])),
        s.running ? null : h('span', {class: 'visually-hidden', text: 'Upload finished.'}));

    if (s.studies.size > 0) {
      this.studies_.hidden = false;
      if (this.studyLinks_.children.length !== s.studies.size || !s.running) {
        replaceChildren(this.studyLinks_, [...s.studies].map(([uid, n]) =>
          h('li', {}, h('a', {href: studyHash(uid), text: this.described_.get(uid) ?? `Study ${uid}`}),
              h('span', {class: 'muted', text: ` (${plural(n, 'image')})`}))));
      }
    }
  }

  // Names the studies that received files (patient, date, modalities) with one
  // QIDO query by UID list, once the upload is over.
  async describeStudies_() {
    const uids = [...this.queue_.snapshot().studies.keys()].filter((uid) => !this.described_.has(uid))
        .slice(0, 100);
    if (uids.length === 0) return;
    const query = new URLSearchParams({StudyInstanceUID: uids.join(','), limit: String(uids.length)});
    query.append('includefield', Tag.ModalitiesInStudy);
    try {
      const studies = await this.api_.json(`${this.config_.pacsRoot}/studies?${query}`,
          {headers: {Accept: 'application/dicom+json'}});
      for (const study of studies ?? []) {
        const label = [personName(study, Tag.PatientName) || '(no name)', date(study, Tag.StudyDate),
          values(study, Tag.ModalitiesInStudy).join('/')].filter(Boolean).join(' · ');
        this.described_.set(first(study, Tag.StudyInstanceUID), label);
      }
      this.render_();
    } catch {
      // The links still work with the bare UIDs.
    }
  }
}

function hasFiles(event) {
  return [...(event.dataTransfer?.types ?? [])].includes('Files');
}

function badgeClass(outcome) {
  if (outcome === 'skipped' || outcome === 'cancelled') return 'warning';
  if (outcome === 'refused' || outcome === 'failed') return 'danger';
  return 'success';
}
