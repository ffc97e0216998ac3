// What an upload response means, per PS3.18-ish STOW answers of Tessera's
// upload endpoint: a single file answers {"Status": "Success" | "Replaced" |
// "AlreadyStored", ...}; a ZIP answers an array of those plus {"File",
// "Status": "Failure", "Message"} entries; a refused file answers 4xx
// {"message"}. Pure functions.

import {kInvalidToken} from '../lib/api.js';

export const kOutcomes = ['stored', 'replaced', 'already', 'refused', 'failed', 'skipped',
  'cancelled'];

// The outcome of one stored-instance entry.
function entryOutcome(entry) {
  const status = String(entry?.Status ?? entry?.status ?? 'Success').toLowerCase();
  if (status === 'success' || status === 'stored') return 'stored';
  if (status === 'replaced') return 'replaced';
  if (status === 'alreadystored') return 'already';
  return 'refused';
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function messageOf(body, text) {
  const message = body?.message ?? body?.Message;
  if (typeof message === 'string' && message) return message;
  const trimmed = String(text ?? '').trim();
  return trimmed && !trimmed.startsWith('<') && trimmed.length <= 300 ? trimmed : '';
}

// Turns {status, text} of the upload into {outcome, message, entries}:
// `entries` lists every instance result [{outcome, message, file, studyUid}]
// (one for a single file, one per member for a ZIP).
export function interpretUpload({status, text}) {
  const body = parseJson(text);
  if (status >= 200 && status < 300) {
    const list = Array.isArray(body) ? body : body ? [body] : [];
    const entries = list.map((entry) => ({
      outcome: entryOutcome(entry),
      message: entryOutcome(entry) === 'refused' ? messageOf(entry, '') || 'Refused' : '',
      file: typeof entry?.File === 'string' ? entry.File : '',
      studyUid: typeof entry?.StudyInstanceUID === 'string' ? entry.StudyInstanceUID : '',
    }));
    if (!Array.isArray(body) && entries.length === 1) {
      return {outcome: entries[0].outcome, message: entries[0].message, entries};
    }
    return {outcome: summarizeZip(entries), message: zipMessage(entries), entries};
  }
  if (status === 0) return failed(text || 'Connection lost');
  if (status === 401) return failed('Not signed in');
  // The session's token was refused (revoked, its user deleted) and no new
  // sign-in followed: the file may be sent again once signed in.
  if (status === 403 && messageOf(body, text) === kInvalidToken) {
    return failed('Not signed in (the session was ended)');
  }
  if (status === 403) {
    return refused('Your account can view studies but not upload. Ask your administrator for ' +
        'editing rights.');
  }
  if (status === 413) return refused(messageOf(body, text) || 'File too large', 'Too large');
  if (status >= 400 && status < 500) return refused(messageOf(body, text) || `Refused (${status})`);
  return failed(messageOf(body, text) || `Server error (${status})`);
}

function failed(message) {
  return {outcome: 'failed', message, entries: []};
}

function refused(message, prefix = '') {
  const text = prefix && !message.toLowerCase().includes(prefix.toLowerCase()) ?
      `${prefix}: ${message}` : message;
  return {outcome: 'refused', message: text, entries: [{outcome: 'refused', message: text,
    file: '', studyUid: ''}]};
}

// A ZIP counts as stored when any member was; refused when none was.
function summarizeZip(entries) {
  if (entries.length === 0) return 'refused';
  if (entries.some((e) => e.outcome === 'stored')) return 'stored';
  if (entries.some((e) => e.outcome === 'replaced')) return 'replaced';
  if (entries.some((e) => e.outcome === 'already')) return 'already';
  return 'refused';
}

function zipMessage(entries) {
  if (entries.length === 0) return 'The archive holds no DICOM files';
  const counts = {};
  for (const entry of entries) counts[entry.outcome] = (counts[entry.outcome] ?? 0) + 1;
  const words = {stored: 'stored', replaced: 'replaced', already: 'already stored',
    refused: 'refused'};
  return Object.entries(counts).map(([outcome, n]) => `${n} ${words[outcome]}`).join(', ');
}
