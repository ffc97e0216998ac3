import {ApiError, errorMessage, isAbort} from '../lib/api.js';
import {byId, h, replaceChildren} from '../lib/dom.js';
import {date, first, number, personName, Tag, text, values} from '../lib/dicom-json.js';
import {formatCount, plural} from '../lib/format.js';
import {activeQuickRange, buildStudyQuery, findStateToHash, findTerms, kDefaultFindState,
  kModalities, kPageSizes, parseFindState, quickRange} from './qido-query.js';
import {studyHash} from './routes.js';

const kDebounceMs = 300;

// The study list: filters, sortable columns and server-side paging (QIDO-RS
// limit/offset with X-Total-Count). The filters are kept in the address and the
// typed terms in the history entry's state (qido-query.js), so Back, reload and
// the links back to the results keep the search; a shared link keeps its filters.
export class FindView {
  // `onStateChange(hash)` is told the hash of the current search (for links back here).
  constructor({api, config, onStateChange}) {
    this.api_ = api;
    this.config_ = config;
    this.onStateChange_ = onStateChange;
    this.state_ = {...kDefaultFindState};
    this.controller_ = null;
    this.timer_ = 0;
    this.rows_ = 0;

    this.section = byId('view-find');
    this.form_ = byId('find-form');
    this.summary_ = byId('find-summary');
    this.error_ = byId('find-error');
    this.tableWrap_ = byId('study-table-wrap');
    this.tbody_ = byId('study-rows');
    this.empty_ = byId('find-empty');
    this.range_ = byId('page-range');
    this.prev_ = byId('page-prev');
    this.next_ = byId('page-next');
    this.pageSize_ = byId('f-page-size');
    this.quickButtons_ = [...this.form_.querySelectorAll('[data-range]')];
    this.sortHeaders_ = [...byId('study-table').querySelectorAll('th[data-sort]')];

    for (const modality of kModalities) {
      byId('f-modality').append(h('option', {value: modality, text: modality}));
    }
    for (const size of kPageSizes) {
      this.pageSize_.append(h('option', {value: String(size), text: String(size)}));
    }
    this.bind_();
  }

  heading() {
    return byId('find-title');
  }

  enter(route) {
    // An entry without terms that the links back here made (a new entry with
    // the last search's address) returns to the last search.
    const returning = !history.state?.findTerms && location.hash === findStateToHash(this.state_);
    const terms = history.state?.findTerms ?? (returning ? findTerms(this.state_) : {});
    this.state_ = parseFindState(route.params, terms);
    this.writeForm_();
    this.commit_();  // also takes terms out of an address from before they left it
  }

  leave() {
    clearTimeout(this.timer_);
    this.controller_?.abort();
  }

  bind_() {
    // Typing waits for a pause; choices (selects, dates) search at once.
    this.form_.addEventListener('input', (event) => {
      if (event.target.type === 'date' || event.target.tagName === 'SELECT') return;
      clearTimeout(this.timer_);
      this.timer_ = setTimeout(() => this.update_({offset: 0}), kDebounceMs);
    });
    this.form_.addEventListener('change', (event) => {
      if (event.target.type !== 'date' && event.target.tagName !== 'SELECT') return;
      this.update_({offset: 0});
    });
    this.form_.addEventListener('submit', (event) => {
      event.preventDefault();
      clearTimeout(this.timer_);
      this.update_({offset: 0});
    });
    this.form_.addEventListener('reset', (event) => {
      event.preventDefault();
      clearTimeout(this.timer_);
      this.state_ = {...kDefaultFindState, limit: this.state_.limit};
      this.writeForm_();
      this.commit_();
    });
    for (const button of this.quickButtons_) {
      button.addEventListener('click', () => {
        const range = quickRange(button.dataset.range);
        byId('f-from').value = range.from;
        byId('f-to').value = range.to;
        this.update_({offset: 0});
      });
    }
    for (const th of this.sortHeaders_) {
      th.querySelector('button').addEventListener('click', () => {
        const key = th.dataset.sort;
        const current = this.state_.orderby;
        // A new column starts with its natural order: dates newest first, text A→Z.
        const orderby = current === key ? `-${key}` : current === `-${key}` ? key :
            key === 'StudyDate' ? `-${key}` : key;
        this.update_({orderby, offset: 0});
      });
    }
    this.pageSize_.addEventListener('change', () => {
      this.update_({limit: Number(this.pageSize_.value), offset: 0});
    });
    this.prev_.addEventListener('click', () => {
      this.update_({offset: Math.max(0, this.state_.offset - this.state_.limit)});
    });
    this.next_.addEventListener('click', () => {
      this.update_({offset: this.state_.offset + this.state_.limit});
    });
    // A click anywhere on a row opens the study; the name link serves keyboards.
    this.tbody_.addEventListener('click', (event) => {
      if (event.target.closest('a, button')) return;
      const link = event.target.closest('tr')?.querySelector('a[href]');
      if (link && !window.getSelection()?.toString()) location.hash = link.getAttribute('href');
    });
  }

  readForm_() {
    const data = new FormData(this.form_);
    const read = (name) => String(data.get(name) ?? '');
    return {
      PatientName: read('PatientName'),
      PatientID: read('PatientID'),
      AccessionNumber: read('AccessionNumber'),
      StudyDescription: read('StudyDescription'),
      ModalitiesInStudy: read('ModalitiesInStudy'),
      from: read('from'),
      to: read('to'),
    };
  }

  writeForm_() {
    const elements = this.form_.elements;
    for (const name of ['PatientName', 'PatientID', 'AccessionNumber', 'StudyDescription',
      'ModalitiesInStudy', 'from', 'to']) {
      elements.namedItem(name).value = this.state_[name];
    }
    this.pageSize_.value = String(this.state_.limit);
  }

  update_(changes) {
    this.state_ = {...this.state_, ...this.readForm_(), ...changes};
    this.commit_();
  }

  // Puts the state in the address and the history entry (without an entry per
  // keystroke) and searches.
  commit_() {
    history.replaceState({...history.state, findTerms: findTerms(this.state_)}, '',
        findStateToHash(this.state_));
    this.search_();
  }

  renderControls_() {
    const active = activeQuickRange(this.state_.from, this.state_.to);
    for (const button of this.quickButtons_) {
      button.setAttribute('aria-pressed', String(button.dataset.range === active));
    }
    const key = this.state_.orderby.replace(/^-/, '');
    const direction = this.state_.orderby.startsWith('-') ? 'descending' : 'ascending';
    for (const th of this.sortHeaders_) {
      th.setAttribute('aria-sort', th.dataset.sort === key ? direction : 'none');
    }
  }

  async search_() {
    this.onStateChange_?.(findStateToHash(this.state_));
    this.renderControls_();
    this.controller_?.abort();
    const controller = new AbortController();
    this.controller_ = controller;
    this.error_.textContent = '';
    this.tableWrap_.setAttribute('aria-busy', 'true');
    this.summary_.textContent = 'Searching…';
    const url = `${this.config_.pacsRoot}/studies?${buildStudyQuery(this.state_)}`;
    try {
      const response = await this.api_.fetch(url, {
        headers: {Accept: 'application/dicom+json'},
        signal: controller.signal,
      });
      if (!response.ok) throw new ApiError(await errorMessage(response), response.status);
      const studies = response.status === 204 ? [] : await response.json();
      if (controller.signal.aborted) return;
      const totalHeader = response.headers.get('X-Total-Count');
      const total = totalHeader === null ? null : Number(totalHeader);
      this.render_(Array.isArray(studies) ? studies : [], Number.isFinite(total) ? total : null);
    } catch (error) {
      if (isAbort(error) || controller.signal.aborted) return;
      this.renderError_(error);
    } finally {
      if (this.controller_ === controller) this.tableWrap_.setAttribute('aria-busy', 'false');
    }
  }

  render_(studies, total) {
    const {offset, limit} = this.state_;
    // Paged past the end (e.g. after deletions): go back to the last page.
    if (studies.length === 0 && offset > 0 && total !== null && total > 0) {
      this.update_({offset: Math.max(0, Math.floor((total - 1) / limit) * limit)});
      return;
    }
    replaceChildren(this.tbody_, studies.map((study) => this.row_(study)));
    this.rows_ = studies.length;
    const filtered = this.isFiltered_();
    this.empty_.hidden = studies.length > 0;
    this.empty_.textContent = filtered ? 'No studies match this search.' :
        'The archive holds no studies yet. Upload some to get started.';

    const firstRow = studies.length ? offset + 1 : 0;
    const lastRow = offset + studies.length;
    if (total !== null) {
      this.summary_.textContent = filtered ? `${plural(total, 'study', 'studies')} found` :
          `${plural(total, 'study', 'studies')} in the archive`;
      this.range_.textContent = studies.length ?
          `${formatCount(firstRow)}–${formatCount(lastRow)} of ${formatCount(total)}` : '';
      this.next_.disabled = lastRow >= total;
    } else {
      this.summary_.textContent = studies.length ? '' : 'No studies';
      this.range_.textContent = studies.length ?
          `${formatCount(firstRow)}–${formatCount(lastRow)}` : '';
      this.next_.disabled = studies.length < limit;
    }
    this.prev_.disabled = offset === 0;
  }

  row_(study) {
    const uid = first(study, Tag.StudyInstanceUID) ?? '';
    const name = personName(study, Tag.PatientName);
    const modalities = values(study, Tag.ModalitiesInStudy);
    const link = h('a', {href: studyHash(uid)}, name || h('span', {class: 'muted', text: '(no name)'}));
    return h('tr', {},
        h('td', {class: 'clip'}, link),
        h('td', {class: 'nowrap', text: text(study, Tag.PatientID)}),
        h('td', {class: 'nowrap', text: date(study, Tag.PatientBirthDate)}),
        h('td', {class: 'nowrap', text: date(study, Tag.StudyDate)}),
        h('td', {}, h('span', {class: 'modalities'},
            modalities.map((m) => h('span', {class: 'badge', text: String(m)})))),
        h('td', {class: 'clip', text: text(study, Tag.StudyDescription)}),
        h('td', {class: 'nowrap', text: text(study, Tag.AccessionNumber)}),
        h('td', {class: 'num', text: formatOptional(number(study, Tag.NumberOfStudyRelatedSeries))}),
        h('td', {class: 'num',
          text: formatOptional(number(study, Tag.NumberOfStudyRelatedInstances))}));
  }

  renderError_(error) {
    replaceChildren(this.tbody_);
    this.empty_.hidden = true;
    this.summary_.textContent = '';
    this.range_.textContent = '';
    this.prev_.disabled = true;
    this.next_.disabled = true;
    const retry = h('button', {type: 'button', class: 'small', text: 'Try again'});
    retry.addEventListener('click', () => this.search_());
    const message = error.status === 403 ?
        `You are not allowed to search this archive (${error.message}).` :
        `Could not load the studies: ${error.message}`;
    replaceChildren(this.error_, h('span', {text: message}), retry);
  }

  isFiltered_() {
    return ['PatientName', 'PatientID', 'AccessionNumber', 'StudyDescription', 'ModalitiesInStudy',
      'from', 'to'].some((key) => this.state_[key]);
  }
}

function formatOptional(n) {
  return n === undefined ? '' : formatCount(n);
}
