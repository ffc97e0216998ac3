import {ApiError, errorMessage, isAbort} from '../lib/api.js';
import {copyText} from '../lib/clipboard.js';
import {viewerUrl} from '../lib/config.js';
import {confirmDialog} from '../lib/confirm-dialog.js';
import {byId, h, icon, kIcons, replaceChildren} from '../lib/dom.js';
import {date, first, formatSex, number, personName, Tag, text, time, values} from '../lib/dicom-json.js';
import {formatCount, plural} from '../lib/format.js';
import {handOff} from '../lib/handoff.js';
import {createLimiter} from '../lib/limiter.js';
import {notify} from '../lib/notify.js';
import {FramePreview} from './viewer-preview.js';

const kSeriesInclude = [Tag.SeriesDescription, Tag.SeriesNumber, Tag.Modality, Tag.SeriesDate,
  Tag.SeriesTime, Tag.BodyPartExamined, Tag.NumberOfSeriesRelatedInstances];
const kStudyInclude = [Tag.PatientBirthDate, Tag.PatientSex, Tag.ReferringPhysicianName,
  Tag.StudyID, Tag.StudyTime, Tag.StudyDescription, Tag.ModalitiesInStudy,
  Tag.NumberOfStudyRelatedSeries, Tag.NumberOfStudyRelatedInstances, Tag.InstitutionName];

// One study: patient and study details, its series with thumbnails, a frame
// preview, and the actions (download, copy URL, open in viewer, delete).
export class StudyView {
  // `backHash()` is where to go after the study is deleted.
  constructor({api, config, session, backHash}) {
    this.api_ = api;
    this.config_ = config;
    this.session_ = session;
    this.backHash_ = backHash;
    this.controller_ = null;
    this.studyUid_ = '';
    this.series_ = [];
    this.selected_ = '';
    this.thumbUrls_ = [];
    this.thumbLimit_ = createLimiter(3);

    this.section = byId('view-study');
    this.error_ = byId('study-error');
    this.title_ = byId('study-title');
    this.crumb_ = byId('study-crumb');
    this.patientLine_ = byId('study-patient-line');
    this.details_ = byId('study-details');
    this.list_ = byId('series-list');
    this.seriesCount_ = byId('series-count');
    this.seriesEmpty_ = byId('series-empty');
    this.download_ = byId('study-download');
    this.copy_ = byId('study-copy-url');
    this.viewer_ = byId('study-viewer');
    this.delete_ = byId('study-delete');
    this.body_ = this.section.querySelector('.study-body');
    this.preview_ = new FramePreview({
      api,
      config,
      elements: {
        stage: byId('preview-stage'),
        image: byId('preview-image'),
        message: byId('preview-message'),
        slider: byId('preview-slider'),
        position: byId('preview-position'),
        caption: byId('preview-caption'),
      },
    });
    this.bind_();
  }

  heading() {
    return this.title_;
  }

  enter(route) {
    this.load_(route.studyUid);
  }

  leave() {
    this.controller_?.abort();
    this.preview_.clear();
    for (const url of this.thumbUrls_) URL.revokeObjectURL(url);
    this.thumbUrls_ = [];
  }

  bind_() {
    this.download_.addEventListener('click', (event) => {
      event.preventDefault();
      this.download();
    });
    this.copy_.addEventListener('click', async () => {
      const url = new URL(this.studyUrl_(), location.href).href;
      notify(await copyText(url) ? 'DICOMweb URL copied' : `Copy this URL: ${url}`,
          4000);
    });
    this.delete_.addEventListener('click', () => this.deleteStudy_());
    this.viewer_.addEventListener('click', () => this.handTokenToViewer_());
    this.viewer_.addEventListener('auxclick', (event) => {
      if (event.button === 1) this.handTokenToViewer_();
    });
  }

  // A viewer on our own origin (the one Tessera serves) is handed the access
  // token through localStorage (lib/handoff.js): the tab it opens (rel=noopener)
  // starts with an empty sessionStorage, and a token in its address would stay
  // in the browser's history. Viewers elsewhere get no token; the link itself
  // holds none once followed.
  handTokenToViewer_() {
    const plain = this.viewer_.getAttribute('href');
    const token = this.session_.accessToken();
    if (!plain || !token || new URL(plain, location.href).origin !== location.origin) return;
    const key = handOff(token);
    if (!key) return;
    this.viewer_.href = `${plain.split('#')[0]}#handoff=${key}`;
    setTimeout(() => this.viewer_.setAttribute('href', plain));
  }

  studyUrl_() {
    return `${this.config_.pacsRoot}/studies/${encodeURIComponent(this.studyUid_)}`;
  }

  // The zip comes from a plain link so the browser streams it to disk; a
  // short-lived link token travels as ?token= because a link can't carry headers.
  async download() {
    const token = await this.session_.linkToken();
    if (token === null) {
      this.error_.textContent = 'The download could not be prepared. Sign in again and retry.';
      return;
    }
    const url = `${this.studyUrl_()}/archive${token ? `?token=${encodeURIComponent(token)}` : ''}`;
    const link = h('a', {href: url, download: `${this.studyUid_}.zip`, hidden: true});
    document.body.append(link);
    link.click();
    link.remove();
  }

  async load_(studyUid) {
    this.leave();
    const controller = new AbortController();
    this.controller_ = controller;
    this.studyUid_ = studyUid;
    this.selected_ = '';
    this.error_.textContent = '';
    this.title_.textContent = 'Loading…';
    this.crumb_.textContent = 'Study';
    this.patientLine_.textContent = '';
    replaceChildren(this.details_);
    replaceChildren(this.list_);
    this.seriesCount_.textContent = '';
    this.seriesEmpty_.hidden = true;
    this.download_.href = `${this.studyUrl_()}/archive`;
    this.setStudyShown_(true);
    const viewer = viewerUrl(this.config_, studyUid);
    this.viewer_.hidden = !viewer;
    if (viewer) this.viewer_.href = viewer;
    this.delete_.hidden = !this.session_.canEdit();

    const studyQuery = new URLSearchParams({StudyInstanceUID: studyUid});
    for (const tag of kStudyInclude) studyQuery.append('includefield', tag);
    const seriesQuery = new URLSearchParams();
    for (const tag of kSeriesInclude) seriesQuery.append('includefield', tag);
    try {
      const [studies, series] = await Promise.all([
        this.getJson_(`${this.config_.pacsRoot}/studies?${studyQuery}`, controller.signal),
        this.getJson_(`${this.studyUrl_()}/series?${seriesQuery}`, controller.signal)
            .catch((error) => (error.status === 404 ? [] : Promise.reject(error))),
      ]);
      if (controller.signal.aborted) return;
      if (studies.length === 0) {
        this.showMissing_();
        return;
      }
      this.renderStudy_(studies[0]);
      this.renderSeries_(sortSeries(series));
    } catch (error) {
      if (isAbort(error) || controller.signal.aborted) return;
      this.title_.textContent = 'Study';
      this.showError_(`Could not load the study: ${error.message}`, () => this.load_(studyUid));
    }
  }

  async getJson_(url, signal) {
    const response = await this.api_.fetch(url, {headers: {Accept: 'application/dicom+json'}, signal});
    if (!response.ok) throw new ApiError(await errorMessage(response), response.status);
    return response.status === 204 ? [] : response.json();
  }

  // Nothing to act on: only the message and the way back to the studies.
  showMissing_() {
    this.title_.textContent = 'Study not found';
    this.crumb_.textContent = 'Study not found';
    this.showError_('This study is not in the archive. It may have been deleted.');
    this.setStudyShown_(false);
  }

  // The study's actions, details, series and preview (hidden for a missing one).
  setStudyShown_(shown) {
    this.download_.hidden = !shown;
    this.copy_.hidden = !shown;
    this.body_.hidden = !shown;
    this.details_.hidden = !shown;
    if (!shown) {
      this.viewer_.hidden = true;
      this.delete_.hidden = true;
    }
  }

  showError_(message, retry) {
    const parts = [h('span', {text: message})];
    if (retry) {
      const button = h('button', {type: 'button', class: 'small', text: 'Try again'});
      button.addEventListener('click', retry);
      parts.push(button);
    }
    replaceChildren(this.error_, ...parts);
  }

  renderStudy_(study) {
    const name = personName(study, Tag.PatientName) || '(no name)';
    this.title_.textContent = name;
    this.crumb_.textContent = `${name}${date(study, Tag.StudyDate) ? ` · ${date(study, Tag.StudyDate)}` : ''}`;
    // The title stays "Study · Tessera": browsers keep page titles in their
    // history, and a shared workstation's history should not list patients.
    const patient = [
      text(study, Tag.PatientID) && `ID ${text(study, Tag.PatientID)}`,
      date(study, Tag.PatientBirthDate) && `Born ${date(study, Tag.PatientBirthDate)}`,
      formatSex(text(study, Tag.PatientSex)),
    ].filter(Boolean);
    this.patientLine_.textContent = patient.join(' · ');

    const studyDate = [date(study, Tag.StudyDate), time(study, Tag.StudyTime)].filter(Boolean).join(' ');
    const series = number(study, Tag.NumberOfStudyRelatedSeries);
    const images = number(study, Tag.NumberOfStudyRelatedInstances);
    const rows = [
      ['Study date', studyDate],
      ['Description', text(study, Tag.StudyDescription)],
      ['Accession number', text(study, Tag.AccessionNumber)],
      ['Study ID', text(study, Tag.StudyID)],
      ['Referring physician', personName(study, Tag.ReferringPhysicianName)],
      ['Institution', text(study, Tag.InstitutionName)],
      ['Modalities', values(study, Tag.ModalitiesInStudy).join(', ')],
      ['Series / images', series === undefined ? '' : `${formatCount(series)} / ${formatCount(images ?? 0)}`],
    ];
    replaceChildren(this.details_,
        rows.filter(([, value]) => value).map(([label, value]) =>
          h('div', {}, h('dt', {text: label}), h('dd', {text: value}))),
        h('div', {class: 'wide'}, h('dt', {text: 'Study Instance UID'}),
            h('dd', {class: 'uid', text: this.studyUid_})));
  }

  renderSeries_(series) {
    this.series_ = series;
    this.seriesCount_.textContent = series.length ? plural(series.length, 'series', 'series') : '';
    this.seriesEmpty_.hidden = series.length > 0;
    this.seriesEmpty_.textContent = 'This study has no series.';
    replaceChildren(this.list_, series.map((s) => this.seriesItem_(s)));
    if (series.length > 0) this.select_(first(series[0], Tag.SeriesInstanceUID));
    else this.preview_.clear();
  }

  seriesItem_(series) {
    const uid = first(series, Tag.SeriesInstanceUID);
    const seriesNumber = text(series, Tag.SeriesNumber);
    const description = text(series, Tag.SeriesDescription) || '(no description)';
    const count = number(series, Tag.NumberOfSeriesRelatedInstances);
    const thumb = h('span', {class: 'thumb', text: '…'});
    const select = h('button', {
      type: 'button',
      class: 'series-select',
      attrs: {'aria-pressed': 'false'},
    },
    thumb,
    h('span', {class: 'series-text'},
        h('strong', {text: description}),
        h('span', {class: 'series-meta'},
            text(series, Tag.Modality) ? h('span', {class: 'badge accent', text: text(series, Tag.Modality)}) : null,
            seriesNumber ? h('span', {text: `#${seriesNumber}`}) : null,
            count === undefined ? null : h('span', {text: plural(count, 'image')}),
            text(series, Tag.BodyPartExamined) ? h('span', {text: text(series, Tag.BodyPartExamined)}) : null)));
    select.addEventListener('click', () => this.select_(uid));

    const item = h('li', {class: 'series-item', dataset: {series: uid}}, select);
    if (this.session_.canEdit()) {
      const remove = h('button', {
        type: 'button',
        class: 'danger-subtle small series-delete',
        attrs: {'aria-label': `Delete series ${seriesNumber} ${description}`.replace(/\s+/g, ' ')},
        title: 'Delete series',
      }, icon(kIcons.trash));
      remove.addEventListener('click', () => this.deleteSeries_(series));
      item.append(remove);
    }
    this.loadThumbnail_(uid, thumb);
    return item;
  }

  async loadThumbnail_(seriesUid, holder) {
    const signal = this.controller_?.signal;
    const url = `${this.studyUrl_()}/series/${encodeURIComponent(seriesUid)}/thumbnail?viewport=128,128`;
    try {
      const blobUrl = await this.thumbLimit_(async () => {
        const response = await this.api_.fetch(url, {headers: {Accept: 'image/jpeg'}, signal});
        if (!response.ok) throw new ApiError(await errorMessage(response), response.status);
        return URL.createObjectURL(await response.blob());
      }, signal);
      if (signal?.aborted) {
        URL.revokeObjectURL(blobUrl);
        return;
      }
      this.thumbUrls_.push(blobUrl);
      // The button's text names the series; the picture adds nothing to read out.
      replaceChildren(holder, h('img', {src: blobUrl, alt: '', decoding: 'async'}));
    } catch (error) {
      if (isAbort(error)) return;
      holder.textContent = 'No preview';
      holder.title = error.message;
    }
  }

  select_(seriesUid) {
    if (!seriesUid) return;
    this.selected_ = seriesUid;
    for (const item of this.list_.children) {
      const selected = item.dataset.series === seriesUid;
      item.classList.toggle('selected', selected);
      item.querySelector('.series-select').setAttribute('aria-pressed', String(selected));
    }
    const series = this.series_.find((s) => first(s, Tag.SeriesInstanceUID) === seriesUid);
    if (!series) return;
    const label = [text(series, Tag.SeriesNumber) && `#${text(series, Tag.SeriesNumber)}`,
      text(series, Tag.SeriesDescription)].filter(Boolean).join(' ');
    this.preview_.setCaption(label);
    this.preview_.show(this.studyUid_, series);
  }

  async deleteStudy_() {
    const ok = await confirmDialog({
      title: 'Delete this study?',
      message: `${this.title_.textContent}: every series and image of this study will be ` +
          'removed from the archive.',
      detail: 'This cannot be undone.',
      confirmLabel: 'Delete study',
    });
    if (!ok) return;
    if (await this.sendDelete_(this.studyUrl_())) {
      notify('Study deleted');
      location.hash = this.backHash_();
    }
  }

  async deleteSeries_(series) {
    const uid = first(series, Tag.SeriesInstanceUID);
    const description = text(series, Tag.SeriesDescription) || '(no description)';
    const count = number(series, Tag.NumberOfSeriesRelatedInstances);
    const ok = await confirmDialog({
      title: 'Delete this series?',
      message: `${description}${count === undefined ? '' : ` (${plural(count, 'image')})`} will ` +
          'be removed from the archive.',
      detail: 'This cannot be undone.',
      confirmLabel: 'Delete series',
    });
    if (!ok) return;
    if (!(await this.sendDelete_(`${this.studyUrl_()}/series/${encodeURIComponent(uid)}`))) return;
    notify('Series deleted');
    const remaining = this.series_.filter((s) => first(s, Tag.SeriesInstanceUID) !== uid);
    if (remaining.length === 0) {
      location.hash = this.backHash_();
      return;
    }
    this.load_(this.studyUid_);
  }

  // Resolves with true when the server deleted it; shows why not otherwise.
  async sendDelete_(url) {
    this.error_.textContent = '';
    try {
      const response = await this.api_.fetch(url, {method: 'DELETE'});
      if (response.ok || response.status === 404) return true;
      const reason = await errorMessage(response);
      this.showError_(response.status === 403 ?
          `Your account is not allowed to delete (${reason}).` : `Could not delete: ${reason}`);
    } catch (error) {
      this.showError_(`Could not delete: ${error.message}`);
    }
    return false;
  }
}

function sortSeries(series) {
  return [...series].sort((a, b) => {
    const na = number(a, Tag.SeriesNumber) ?? Infinity;
    const nb = number(b, Tag.SeriesNumber) ?? Infinity;
    if (na !== nb) return na < nb ? -1 : 1;
    return `${text(a, Tag.SeriesDate)}${text(a, Tag.SeriesTime)}`
        .localeCompare(`${text(b, Tag.SeriesDate)}${text(b, Tag.SeriesTime)}`);
  });
}
