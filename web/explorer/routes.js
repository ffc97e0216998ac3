// The explorer's views as address fragments:
//   #find-studies[?from=…&limit=…]  study search (the default; typed terms are in history.state)
//   #upload                         upload
//   #study/<StudyInstanceUID>       one study
// Pure; main.js listens to hashchange and shows the matching view.

export function parseRoute(hash) {
  const fragment = String(hash ?? '').replace(/^#/, '');
  if (fragment === 'upload') return {name: 'upload'};
  if (fragment.startsWith('study/')) {
    const uid = safeDecode(fragment.slice('study/'.length));
    if (/^[\w.\-]{1,128}$/.test(uid)) return {name: 'study', studyUid: uid};
    return {name: 'find', params: new URLSearchParams(), invalid: true};
  }
  const [path, query = ''] = fragment.split(/\?(.*)/s);
  if (path === '' || path === 'find-studies') {
    return {name: 'find', params: new URLSearchParams(query)};
  }
  return {name: 'find', params: new URLSearchParams(), invalid: true};
}

export function studyHash(studyUid) {
  return `#study/${studyUid}`;
}

function safeDecode(text) {
  try {
    return decodeURIComponent(text);
  } catch {
    return '';
  }
}
