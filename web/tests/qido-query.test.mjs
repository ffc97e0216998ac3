import assert from 'node:assert/strict';
import {test} from 'node:test';

import {activeQuickRange, buildStudyQuery, findStateToHash, findTerms, kDefaultFindState,
  parseFindState, patientNameMatch, quickRange, studyDateRange} from '../explorer/qido-query.js';

const kToday = new Date(2024, 2, 1);  // 1 March 2024 (leap year), local time

test('patient names: one word is fuzzy, several words become a wildcard pattern', () => {
  assert.deepEqual(patientNameMatch('doe'), {value: 'doe', fuzzy: true});
  assert.deepEqual(patientNameMatch('  Doe, Jane '), {value: 'Doe*Jane*', fuzzy: false});
  assert.deepEqual(patientNameMatch('DOE^J*'), {value: 'DOE^J*', fuzzy: false});
  assert.equal(patientNameMatch('   '), null);
});

test('date ranges are DICOM DA ranges with open ends and swapped bounds fixed', () => {
  assert.equal(studyDateRange('2024-01-01', '2024-01-31'), '20240101-20240131');
  assert.equal(studyDateRange('2024-01-01', ''), '20240101-');
  assert.equal(studyDateRange('', '2024-01-31'), '-20240131');
  assert.equal(studyDateRange('2024-02-01', '2024-01-01'), '20240101-20240201');
  assert.equal(studyDateRange('', ''), '');
});

test('the QIDO query carries filters, paging, order, count and include fields', () => {
  const params = buildStudyQuery({
    ...kDefaultFindState,
    PatientName: 'doe',
    PatientID: '123',
    AccessionNumber: 'A*',
    StudyDescription: 'knee',
    ModalitiesInStudy: 'MR',
    from: '2024-01-01',
    to: '2024-01-31',
    orderby: 'PatientName',
    limit: 25,
    offset: 50,
  });
  assert.equal(params.get('PatientName'), 'doe');
  assert.equal(params.get('fuzzymatching'), 'true');
  assert.equal(params.get('PatientID'), '123*');
  assert.equal(params.get('AccessionNumber'), 'A*');
  assert.equal(params.get('StudyDescription'), '*knee*');
  assert.equal(params.get('ModalitiesInStudy'), 'MR');
  assert.equal(params.get('StudyDate'), '20240101-20240131');
  assert.equal(params.get('orderby'), 'PatientName');
  assert.equal(params.get('limit'), '25');
  assert.equal(params.get('offset'), '50');
  assert.equal(params.get('count'), 'true');
  assert.ok(params.getAll('includefield').includes('00201208'));
});

test('a description search asks for fuzzy matching, which ignores its case', () => {
  const params = buildStudyQuery({...kDefaultFindState, PatientName: 'Doe Ann',
    StudyDescription: 'knee'});
  assert.equal(params.get('PatientName'), 'Doe*Ann*');
  assert.equal(params.get('StudyDescription'), '*knee*');
  assert.equal(params.get('fuzzymatching'), 'true');
  assert.equal(buildStudyQuery({...kDefaultFindState, PatientName: 'Doe Ann'}).has('fuzzymatching'),
      false);
});

test('an empty search asks for the newest studies first and nothing else', () => {
  const params = buildStudyQuery(kDefaultFindState);
  assert.equal(params.get('orderby'), '-StudyDate');
  for (const key of ['PatientName', 'PatientID', 'StudyDate', 'fuzzymatching']) {
    assert.equal(params.has(key), false, key);
  }
});

test('state survives the address and history round trip and bad values fall back', () => {
  const state = {...kDefaultFindState, PatientName: 'Doe ^ Ann', AccessionNumber: 'A1',
    from: '2024-01-05', orderby: '-PatientID', limit: 100, offset: 200};
  const hash = findStateToHash(state);
  assert.equal(hash, '#find-studies?from=2024-01-05&orderby=-PatientID&limit=100&offset=200',
      'the typed terms stay out of the address');
  const terms = findTerms(state);
  assert.deepEqual(terms, {PatientName: 'Doe ^ Ann', AccessionNumber: 'A1'});
  const parsed = parseFindState(new URLSearchParams(hash.split('?')[1]), terms);
  assert.deepEqual(parsed, state);
  assert.equal(findStateToHash(kDefaultFindState), '#find-studies');
  assert.equal(parseFindState(new URLSearchParams('PatientName=Roe'), terms).PatientName, 'Roe',
      'an older address with its terms still searches for them');
  assert.equal(parseFindState(new URLSearchParams(''), {PatientName: 7}).PatientName, '');

  const bad = parseFindState(new URLSearchParams(
      'from=yesterday&to=2024-13-45&orderby=DROP&limit=7&offset=-5&PatientID=x&' +
      'ModalitiesInStudy=CT%5CMR'));
  assert.equal(bad.from, '');
  assert.equal(bad.to, '');
  assert.equal(bad.ModalitiesInStudy, '');  // the form's list has no such choice
  assert.equal(parseFindState(new URLSearchParams('ModalitiesInStudy=MR&to=2024-02-29')).to,
      '2024-02-29');
  assert.equal(bad.orderby, '-StudyDate');
  assert.equal(bad.limit, 50);
  assert.equal(bad.offset, 0);
  assert.equal(bad.PatientID, 'x');
});

test('quick ranges follow the local calendar across month ends', () => {
  assert.deepEqual(quickRange('today', kToday), {from: '2024-03-01', to: '2024-03-01'});
  assert.deepEqual(quickRange('yesterday', kToday), {from: '2024-02-29', to: '2024-02-29'});
  assert.deepEqual(quickRange('last7', kToday), {from: '2024-02-24', to: '2024-03-01'});
  assert.deepEqual(quickRange('last30', kToday), {from: '2024-02-01', to: '2024-03-01'});
  assert.deepEqual(quickRange('any', kToday), {from: '', to: ''});
  assert.equal(activeQuickRange('2024-02-24', '2024-03-01', kToday), 'last7');
  assert.equal(activeQuickRange('', '', kToday), 'any');
  assert.equal(activeQuickRange('2024-02-20', '2024-03-01', kToday), '');
});
