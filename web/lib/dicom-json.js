// Reading values out of DICOM JSON (PS3.18 F.2): {"0010 0010" → "00100010":
// {"vr": "PN", "Value": [{"Alphabetic": "DOE^JANE"}]}}. Pure functions; every
// reader tolerates a missing attribute and returns '' / undefined.

export const Tag = Object.freeze({
  SpecificCharacterSet: '00080005',
  SOPClassUID: '00080016',
  SOPInstanceUID: '00080018',
  StudyDate: '00080020',
  SeriesDate: '00080021',
  StudyTime: '00080030',
  SeriesTime: '00080031',
  AccessionNumber: '00080050',
  Modality: '00080060',
  ModalitiesInStudy: '00080061',
  ReferringPhysicianName: '00080090',
  InstitutionName: '00080080',
  StudyDescription: '00081030',
  SeriesDescription: '0008103E',
  PatientName: '00100010',
  PatientID: '00100020',
  PatientBirthDate: '00100030',
  PatientSex: '00100040',
  BodyPartExamined: '00180015',
  StudyInstanceUID: '0020000D',
  SeriesInstanceUID: '0020000E',
  StudyID: '00200010',
  SeriesNumber: '00200011',
  InstanceNumber: '00200013',
  NumberOfStudyRelatedSeries: '00201206',
  NumberOfStudyRelatedInstances: '00201208',
  NumberOfSeriesRelatedInstances: '00201209',
  NumberOfFrames: '00280008',
  Rows: '00280010',
  Columns: '00280011',
});

// The attribute object for `tag`, case-insensitive on the hex digits.
function attribute(dataset, tag) {
  if (!dataset || typeof dataset !== 'object') return undefined;
  return dataset[tag] ?? dataset[tag.toUpperCase()] ?? dataset[tag.toLowerCase()];
}

// Every value of the attribute (empty array when absent).
export function values(dataset, tag) {
  const value = attribute(dataset, tag)?.Value;
  return Array.isArray(value) ? value : [];
}

export function first(dataset, tag) {
  return values(dataset, tag)[0];
}

// The values as display text: strings joined with ", ", person names formatted.
export function text(dataset, tag) {
  const item = attribute(dataset, tag);
  const list = values(dataset, tag);
  if (item?.vr === 'PN') return list.map(formatPersonName).filter(Boolean).join('; ');
  return list.filter((v) => v !== null && v !== undefined && typeof v !== 'object')
      .map(String)
      .join(', ');
}

// A number, or undefined when absent or not numeric (IS/DS arrive as numbers or strings).
export function number(dataset, tag) {
  const value = first(dataset, tag);
  if (value === undefined || value === null || value === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

// "DOE^JANE^M^DR^" → "DOE, JANE M"; accepts a PN object or a string.
export function formatPersonName(value) {
  const raw = typeof value === 'string' ? value :
      value?.Alphabetic ?? value?.Ideographic ?? value?.Phonetic ?? '';
  if (!raw) return '';
  const [family = '', given = '', middle = '', prefix = '', suffix = ''] = raw.split('^');
  const givenPart = [prefix, given, middle].filter(Boolean).join(' ');
  const name = [family, givenPart].filter(Boolean).join(', ');
  return [name, suffix].filter(Boolean).join(' ').trim();
}

export function personName(dataset, tag) {
  return formatPersonName(first(dataset, tag));
}

// DA "20240131" → "2024-01-31"; anything else is returned unchanged.
export function formatDate(da) {
  const match = /^(\d{4})(\d{2})(\d{2})$/.exec(String(da ?? '').trim());
  return match ? `${match[1]}-${match[2]}-${match[3]}` : String(da ?? '');
}

export function date(dataset, tag) {
  const value = first(dataset, tag);
  return value === undefined ? '' : formatDate(value);
}

// TM "143015.123" → "14:30:15"; "1430" → "14:30".
export function formatTime(tm) {
  const match = /^(\d{2})(\d{2})?(\d{2})?/.exec(String(tm ?? '').trim());
  if (!match) return '';
  return [match[1], match[2], match[3]].filter(Boolean).join(':');
}

export function time(dataset, tag) {
  return formatTime(first(dataset, tag));
}

// A JS Date (local calendar day) → DA "YYYYMMDD".
export function toDicomDate(jsDate) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${jsDate.getFullYear()}${pad(jsDate.getMonth() + 1)}${pad(jsDate.getDate())}`;
}

// An <input type=date> value "YYYY-MM-DD" → DA "YYYYMMDD" ('' when empty/invalid).
export function inputToDicomDate(value) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value ?? '');
  return match ? `${match[1]}${match[2]}${match[3]}` : '';
}

// DA "YYYYMMDD" → "YYYY-MM-DD" for an <input type=date> ('' when invalid).
export function dicomDateToInput(value) {
  const match = /^(\d{4})(\d{2})(\d{2})$/.exec(value ?? '');
  return match ? `${match[1]}-${match[2]}-${match[3]}` : '';
}

// "M" → "Male" etc., for PatientSex.
export function formatSex(value) {
  return {M: 'Male', F: 'Female', O: 'Other'}[value] ?? (value || '');
}
