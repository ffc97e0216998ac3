import {inputToDicomDate, Tag, toDicomDate} from '../lib/dicom-json.js';

// The study search as state and as a QIDO-RS query. Pure functions, no DOM.
// The address (#find-studies?…) keeps the filters but not the typed terms
// (names, IDs, accession numbers, descriptions): browsers list addresses in
// their history, so the terms travel in the history entry's state instead.

export const kSortable = ['PatientName', 'PatientID', 'StudyDate', 'StudyDescription',
  'AccessionNumber'];
export const kPageSizes = [25, 50, 100, 200];
export const kModalities = ['CT', 'MR', 'CR', 'DX', 'US', 'MG', 'NM', 'PT', 'XA', 'RF', 'OT',
  'SC', 'SR', 'SEG', 'RTSTRUCT', 'RTPLAN', 'RTDOSE', 'IO', 'PX', 'ES', 'XC', 'ECG'];
export const kQuickRanges = ['any', 'today', 'yesterday', 'last7', 'last30'];

export const kTextFields = ['PatientName', 'PatientID', 'AccessionNumber', 'StudyDescription'];

export const kDefaultFindState = Object.freeze({
  PatientName: '',
  PatientID: '',
  AccessionNumber: '',
  StudyDescription: '',
  ModalitiesInStudy: '',
  from: '',  // YYYY-MM-DD, as <input type=date> holds it
  to: '',
  orderby: '-StudyDate',
  limit: 50,
  offset: 0,
});

// Attributes the study table shows beyond QIDO's default study set.
export const kStudyIncludeFields = [Tag.PatientBirthDate, Tag.PatientSex,
  Tag.NumberOfStudyRelatedSeries, Tag.NumberOfStudyRelatedInstances, Tag.ModalitiesInStudy,
  Tag.StudyDescription];

const kIsoDate = /^\d{4}-\d{2}-\d{2}$/;

// A YYYY-MM-DD that names a day of the calendar (not 2024-13-45).
function isCalendarDay(value) {
  if (!kIsoDate.test(value)) return false;
  const day = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(day.getTime()) && day.toISOString().slice(0, 10) === value;
}

// Reads the state from the hash's query (URLSearchParams) and the typed terms
// ({PatientName, …}, from the history entry); terms in the query (addresses
// from before they left it) win. Anything invalid falls back to the default, so
// that the form shows every filter applied (a shared address cannot filter by a
// value the form has no place for).
export function parseFindState(params, terms = {}) {
  const state = {...kDefaultFindState};
  for (const key of kTextFields) {
    const value = params.get(key) ?? terms?.[key] ?? '';
    state[key] = typeof value === 'string' ? value.slice(0, 200) : '';
  }
  const modality = params.get('ModalitiesInStudy') ?? '';
  if (kModalities.includes(modality)) state.ModalitiesInStudy = modality;
  for (const key of ['from', 'to']) {
    const value = params.get(key) ?? '';
    state[key] = isCalendarDay(value) ? value : '';
  }
  const orderby = params.get('orderby') ?? '';
  if (kSortable.includes(orderby.replace(/^-/, ''))) state.orderby = orderby;
  const limit = Number(params.get('limit'));
  if (kPageSizes.includes(limit)) state.limit = limit;
  const offset = Number(params.get('offset'));
  if (Number.isInteger(offset) && offset > 0) state.offset = offset;
  return state;
}

// The typed terms of `state` that are not empty, for the history entry.
export function findTerms(state) {
  const terms = {};
  for (const key of kTextFields) if (state[key]) terms[key] = state[key];
  return terms;
}

// The hash for `state`: what differs from the default, without the typed terms.
export function findStateToHash(state) {
  const params = new URLSearchParams();
  for (const [key, fallback] of Object.entries(kDefaultFindState)) {
    if (kTextFields.includes(key)) continue;
    const value = state[key];
    if (value !== undefined && value !== '' && value !== fallback) params.set(key, String(value));
  }
  const query = params.toString();
  return query ? `#find-studies?${query}` : '#find-studies';
}

function hasWildcard(value) {
  return /[*?]/.test(value);
}

// A person-name search: typed wildcards are kept; several words become a
// wildcard pattern ("doe jan" → "doe*jan*"); one word is sent as is with
// fuzzymatching, which matches any name component starting with it.
export function patientNameMatch(input) {
  const value = input.trim();
  if (!value) return null;
  if (hasWildcard(value)) return {value, fuzzy: false};
  const words = value.split(/[\s,^]+/).filter(Boolean);
  if (words.length > 1) return {value: `${words.join('*')}*`, fuzzy: false};
  return {value, fuzzy: true};
}

// "123" → "123*" (prefix); typed wildcards are kept.
function prefixMatch(input) {
  const value = input.trim();
  if (!value) return '';
  return hasWildcard(value) ? value : `${value}*`;
}

// "knee" → "*knee*" (contains); typed wildcards are kept.
function containsMatch(input) {
  const value = input.trim();
  if (!value) return '';
  return hasWildcard(value) ? value : `*${value}*`;
}

// DA range "20240101-20240131"; either bound may be open; '' when both are.
export function studyDateRange(from, to) {
  const low = inputToDicomDate(from);
  const high = inputToDicomDate(to);
  if (!low && !high) return '';
  if (low && high && low > high) return `${high}-${low}`;
  return `${low}-${high}`;
}

// The QIDO-RS query string for `state` (study level), with count=true for the total.
export function buildStudyQuery(state) {
  const params = new URLSearchParams();
  const name = patientNameMatch(state.PatientName ?? '');
  if (name) params.set('PatientName', name.value);
  const id = prefixMatch(state.PatientID ?? '');
  if (id) params.set('PatientID', id);
  const accession = prefixMatch(state.AccessionNumber ?? '');
  if (accession) params.set('AccessionNumber', accession);
  const description = containsMatch(state.StudyDescription ?? '');
  if (description) params.set('StudyDescription', description);
  if (state.ModalitiesInStudy) params.set('ModalitiesInStudy', state.ModalitiesInStudy);
  const dates = studyDateRange(state.from, state.to);
  if (dates) params.set('StudyDate', dates);
  // Fuzzy matching also makes the description match whatever its case ("knee"
  // finds "KNEE MRI"); the server widens only a one-value name with it, never
  // the wildcard pattern that several words make.
  if (name?.fuzzy || description) params.set('fuzzymatching', 'true');
  for (const tag of kStudyIncludeFields) params.append('includefield', tag);
  params.set('orderby', state.orderby || kDefaultFindState.orderby);
  params.set('limit', String(state.limit || kDefaultFindState.limit));
  params.set('offset', String(state.offset || 0));
  params.set('count', 'true');
  return params;
}

function isoDay(jsDate) {
  const da = toDicomDate(jsDate);
  return `${da.slice(0, 4)}-${da.slice(4, 6)}-${da.slice(6, 8)}`;
}

function daysBefore(today, days) {
  return new Date(today.getFullYear(), today.getMonth(), today.getDate() - days);
}

// The {from, to} of a quick range on the local calendar of `today`.
export function quickRange(name, today = new Date()) {
  switch (name) {
    case 'today':
      return {from: isoDay(today), to: isoDay(today)};
    case 'yesterday': {
      const day = isoDay(daysBefore(today, 1));
      return {from: day, to: day};
    }
    case 'last7':
      return {from: isoDay(daysBefore(today, 6)), to: isoDay(today)};
    case 'last30':
      return {from: isoDay(daysBefore(today, 29)), to: isoDay(today)};
    default:
      return {from: '', to: ''};
  }
}

// Which quick range `from`/`to` equal, or '' for a custom range.
export function activeQuickRange(from, to, today = new Date()) {
  return kQuickRanges.find((name) => {
    const range = quickRange(name, today);
    return range.from === from && range.to === to;
  }) ?? '';
}
