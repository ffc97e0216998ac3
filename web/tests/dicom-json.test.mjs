import assert from 'node:assert/strict';
import {test} from 'node:test';

import {date, dicomDateToInput, first, formatPersonName, formatTime, inputToDicomDate, number,
  personName, Tag, text, time, toDicomDate, values} from '../lib/dicom-json.js';

const kStudy = {
  '00100010': {vr: 'PN', Value: [{Alphabetic: 'DOE^JANE^M^DR^PHD'}]},
  '00100020': {vr: 'LO', Value: ['PID-1']},
  '00080020': {vr: 'DA', Value: ['20240131']},
  '00080030': {vr: 'TM', Value: ['143015.123']},
  '00080061': {vr: 'CS', Value: ['CT', 'SR']},
  '00201208': {vr: 'IS', Value: [42]},
  '00280008': {vr: 'IS', Value: ['3']},
  '0008103E': {vr: 'LO'},
};

test('values, first and text read present and missing attributes', () => {
  assert.deepEqual(values(kStudy, Tag.ModalitiesInStudy), ['CT', 'SR']);
  assert.equal(text(kStudy, Tag.ModalitiesInStudy), 'CT, SR');
  assert.equal(first(kStudy, Tag.PatientID), 'PID-1');
  assert.equal(text(kStudy, Tag.SeriesDescription), '');
  assert.equal(text(kStudy, Tag.AccessionNumber), '');
  assert.deepEqual(values(null, Tag.PatientID), []);
  assert.equal(first({'0020000d': {vr: 'UI', Value: ['1.2']}}, Tag.StudyInstanceUID), '1.2');
});

test('numbers come from IS strings or numbers', () => {
  assert.equal(number(kStudy, Tag.NumberOfStudyRelatedInstances), 42);
  assert.equal(number(kStudy, Tag.NumberOfFrames), 3);
  assert.equal(number(kStudy, Tag.Rows), undefined);
  assert.equal(number({'00280010': {vr: 'US', Value: ['x']}}, Tag.Rows), undefined);
});

test('person names read family, given, middle, prefix and suffix', () => {
  assert.equal(personName(kStudy, Tag.PatientName), 'DOE, DR JANE M PHD');
  assert.equal(text(kStudy, Tag.PatientName), 'DOE, DR JANE M PHD');
  assert.equal(formatPersonName('Anonymized'), 'Anonymized');
  assert.equal(formatPersonName({Ideographic: '山田^太郎'}), '山田, 太郎');
  assert.equal(formatPersonName({}), '');
  assert.equal(formatPersonName('^John'), 'John');
});

test('dates and times are shown unambiguously', () => {
  assert.equal(date(kStudy, Tag.StudyDate), '2024-01-31');
  assert.equal(date(kStudy, Tag.PatientBirthDate), '');
  assert.equal(time(kStudy, Tag.StudyTime), '14:30:15');
  assert.equal(formatTime('1430'), '14:30');
  assert.equal(formatTime(''), '');
  assert.equal(toDicomDate(new Date(2024, 0, 5)), '20240105');
  assert.equal(inputToDicomDate('2024-01-05'), '20240105');
  assert.equal(inputToDicomDate('05/01/2024'), '');
  assert.equal(dicomDateToInput('20240105'), '2024-01-05');
});
