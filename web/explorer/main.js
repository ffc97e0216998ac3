import {Api} from '../lib/api.js';
import {createAuthGate} from '../lib/auth-gate.js';
import {loadConfig} from '../lib/config.js';
import {confirmDialog} from '../lib/confirm-dialog.js';
import {byId, h, replaceChildren} from '../lib/dom.js';
import {dropStaleHandOffs} from '../lib/handoff.js';
import {Session} from '../lib/session.js';
import {initTheme} from '../lib/theme.js';
import {FindView} from './find.js';
import {parseRoute} from './routes.js';
import {StudyView} from './study.js';
import {UploadView} from './upload.js';

// The explorer page: loads the settings, establishes the session (token from
// the address, stored tokens, or sign-in), then shows the view named by the
// address fragment (see routes.js).

const kTitles = {find: 'Studies', upload: 'Upload', study: 'Study'};

function showAppMessage(message, action) {
  const box = byId('app-message');
  const parts = [h('span', {text: message})];
  if (action) {
    const button = h('button', {type: 'button', class: 'small', text: action.label});
    button.addEventListener('click', action.run);
    parts.push(button);
  }
  replaceChildren(box, ...parts);
}

function renderIdentity(session) {
  const identity = session.identity();
  const box = byId('identity');
  const signIn = byId('sign-in-button');
  const signOut = byId('sign-out-button');
  const canEdit = session.canEdit();
  for (const element of document.querySelectorAll('[data-requires-edit]')) {
    if (element.id !== 'study-delete') element.hidden = !canEdit;
  }
  signIn.hidden = Boolean(identity);
  signOut.hidden = !identity || identity.open;
  box.hidden = !identity;
  if (!identity) return;
  const name = identity.open ? 'Open access' : identity.name || identity.username;
  replaceChildren(box,
      h('span', {class: 'identity-text'}, identity.open ? name :
        [h('strong', {text: name}), identity.name && identity.username ?
          h('span', {text: ` (${identity.username})`}) : null]),
      canEdit ? null : h('span', {class: 'badge warning', text: 'Read only'}));
}

class Explorer {
  constructor(config, session, api) {
    this.session_ = session;
    this.current_ = null;
    this.findHash_ = '#find-studies';
    const views = {
      find: new FindView({
        api,
        config,
        onStateChange: (hash) => this.rememberFind_(hash),
      }),
      upload: new UploadView({api, config, session}),
      study: new StudyView({api, config, session, backHash: () => this.findHash_}),
    };
    this.views_ = views;
  }

  isUploading() {
    return this.views_.upload.isUploading();
  }

  cancelUploads() {
    this.views_.upload.cancelUploads();
  }

  rememberFind_(hash) {
    this.findHash_ = hash;
    for (const link of document.querySelectorAll('[data-nav="find-studies"], #study-back')) {
      link.setAttribute('href', hash);
    }
  }

  start() {
    window.addEventListener('hashchange', () => this.show_(true));
    this.show_(false);
  }

  show_(moveFocus) {
    const route = parseRoute(location.hash);
    const view = this.views_[route.name];
    if (this.current_ && this.current_ !== view) this.current_.leave();
    for (const v of Object.values(this.views_)) v.section.hidden = v !== view;
    this.current_ = view;
    for (const link of document.querySelectorAll('[data-nav]')) {
      const active = (link.dataset.nav === 'find-studies' && route.name !== 'upload') ||
          (link.dataset.nav === 'upload' && route.name === 'upload');
      if (active) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
    document.title = `${kTitles[route.name]} · Tessera`;
    view.enter(route);
    if (moveFocus) {
      const heading = view.heading();
      heading.setAttribute('tabindex', '-1');
      heading.focus({preventScroll: false});
    }
  }
}

async function main() {
  initTheme(byId('theme-toggle'));
  const loading = byId('app-loading');
  let config;
  try {
    config = await loadConfig();
  } catch (error) {
    loading.hidden = true;
    showAppMessage(error.message, {label: 'Reload', run: () => location.reload()});
    return;
  }

  dropStaleHandOffs();  // tokens left for a viewer tab that never opened
  const session = new Session(config);
  const api = new Api(session);
  session.setPrompt(createAuthGate(session));
  session.onChange(() => renderIdentity(session));

  byId('sign-in-button').addEventListener('click', async () => {
    if (await session.signIn('')) location.reload();
  });
  let explorer = null;
  byId('sign-out-button').addEventListener('click', async () => {
    if (explorer?.isUploading()) {
      const ok = await confirmDialog({
        title: 'Sign out during the upload?',
        message: 'Files are still being uploaded. Signing out stops the upload; the files ' +
            'already stored stay in the archive.',
        confirmLabel: 'Stop and sign out',
      });
      if (!ok) return;
      explorer.cancelUploads();
    }
    await session.signOut();
    location.assign(location.pathname);
  });

  let identity = null;
  try {
    identity = await session.start();
  } catch (error) {
    loading.hidden = true;
    showAppMessage(`Could not sign in: ${error.message}`, {label: 'Reload', run: () => location.reload()});
    return;
  }
  if (!identity) {
    loading.hidden = true;
    renderIdentity(session);
    const reason = session.lastError();
    if (reason) showAppMessage(reason);
    if (!(await session.signIn(reason))) {
      showAppMessage(reason || 'Sign in to see the archive.',
          {label: 'Sign in', run: async () => (await session.signIn('')) && location.reload()});
      return;
    }
    byId('app-message').textContent = '';
  }
  loading.hidden = true;
  renderIdentity(session);
  explorer = new Explorer(config, session, api);
  explorer.start();
}

main();
