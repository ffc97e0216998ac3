import {postJson, tooManyAttemptsMessage} from '../lib/api.js';
import {copyText} from '../lib/clipboard.js';
import {explorerUrl, loadAuthPageConfig, viewerLoginUrl} from '../lib/config.js';
import {byId, h, replaceChildren} from '../lib/dom.js';
import {notify} from '../lib/notify.js';
import {checkPassword, isStrongPassword, kPasswordRules} from '../lib/password-policy.js';
import {bindRevealButtons} from '../lib/reveal.js';
import {initTheme} from '../lib/theme.js';
import {UsersPanel} from './users.js';

// The admin's token page ({authRoot}/token): issue a one-off token for a user
// (generate-token, zhiva-compatible), and manage users (#users).
//
// generate-token without createUserIfNotExists answers "User already exists" or
// "User doesn't exists"; both lead to a confirmation step that sets the user's
// new password and sends createUserIfNotExists: true.

const kUserExists = 'User already exists';
const kUserMissing = "User doesn't exists";

class IssueForm {
  constructor(config, admin) {
    this.config_ = config;
    this.admin_ = admin;
    this.request_ = null;
    this.form_ = byId('issue-form');
    this.error_ = byId('issue-error');
    this.submit_ = byId('issue-submit');
    this.confirm_ = byId('confirm-form');
    this.confirmError_ = byId('confirm-error');
    this.confirmSubmit_ = byId('confirm-submit');
    this.userPassword_ = byId('user-password');
    this.result_ = byId('token-result');
    this.rules_ = new Map(kPasswordRules.map((rule) => [rule.id, h('li', {text: rule.label})]));
    replaceChildren(byId('password-rules'), [...this.rules_.values()]);
    this.bind_();
  }

  bind_() {
    this.form_.addEventListener('submit', (event) => {
      event.preventDefault();
      this.issue_();
    });
    this.confirm_.addEventListener('submit', (event) => {
      event.preventDefault();
      this.confirmIssue_();
    });
    byId('confirm-back').addEventListener('click', () => this.show_('form'));
    byId('issue-another').addEventListener('click', () => {
      this.form_.reset();
      byId('admin-password').value = this.admin_.password();
      this.show_('form');
    });
    this.userPassword_.addEventListener('input', () => this.renderRules_());
    for (const button of document.querySelectorAll('[data-copy]')) {
      button.addEventListener('click', async () => {
        const field = byId(button.dataset.copy);
        const copied = await copyText(field.value);
        if (!copied) field.select();
        notify(copied ? 'Copied' : 'Press Ctrl+C (⌘C) to copy the selected text');
      });
    }
  }

  show_(step) {
    this.form_.hidden = step !== 'form';
    this.confirm_.hidden = step !== 'confirm';
    this.result_.hidden = step !== 'result';
  }

  renderRules_() {
    const checks = checkPassword(this.userPassword_.value);
    for (const [id, item] of this.rules_) {
      item.classList.toggle('met', checks[id]);
      item.setAttribute('aria-label', `${item.textContent}: ${checks[id] ? 'done' : 'missing'}`);
    }
    this.confirmSubmit_.disabled = !isStrongPassword(this.userPassword_.value);
  }

  // Reads and checks the first form; focuses the first problem.
  read_() {
    const name = byId('name');
    const username = byId('username');
    const password = byId('admin-password');
    for (const input of [name, username, password]) input.removeAttribute('aria-invalid');
    const problems = [
      [name, !name.value.trim(), 'Enter the name of the person who receives the token.'],
      [username, !username.value.trim(), 'Enter a username.'],
      [password, !password.value, 'Enter the admin password.'],
    ].filter(([, failed]) => failed);
    if (problems.length > 0) {
      const [input, , message] = problems[0];
      input.setAttribute('aria-invalid', 'true');
      input.focus();
      this.error_.textContent = message;
      return null;
    }
    return {
      name: name.value.trim(),
      username: username.value.trim(),
      canEditResource: byId('canEditResource').checked,
      password: password.value,
    };
  }

  async issue_() {
    this.error_.textContent = '';
    const request = this.read_();
    if (!request) return;
    this.request_ = request;
    this.busy_(this.submit_, true, 'Checking…');
    const result = await this.post_(request);
    this.busy_(this.submit_, false, 'Create token');
    if (result.ok) {
      this.showToken_(result.body);
      return;
    }
    if (result.message === kUserExists || result.message === kUserMissing) {
      this.admin_.remember(request.password);
      this.askConfirmation_(result.message === kUserExists);
      return;
    }
    this.error_.textContent = explain(result);
    if (/admin password/i.test(result.message)) {
      const password = byId('admin-password');
      password.setAttribute('aria-invalid', 'true');
      password.select();
      password.focus();
    }
  }

  askConfirmation_(exists) {
    const {username} = this.request_;
    byId('confirm-title').textContent = exists ? 'This user already exists' : 'Create a new user?';
    byId('confirm-text').textContent = exists ?
        `“${username}” already exists. Continuing sets their new password and permission; ` +
            'tokens issued to them before stop working.' :
        `“${username}” doesn't exist yet. Choose their password to create them.`;
    byId('confirm-username').textContent = username;
    this.confirmSubmit_.textContent = exists ? 'Update user and create token' :
        'Create user and token';
    this.userPassword_.value = '';
    this.confirmError_.textContent = '';
    this.renderRules_();
    this.show_('confirm');
    this.userPassword_.focus();
  }

  async confirmIssue_() {
    this.confirmError_.textContent = '';
    if (!isStrongPassword(this.userPassword_.value)) {
      this.confirmError_.textContent = 'The password does not meet every requirement yet.';
      return;
    }
    const label = this.confirmSubmit_.textContent;
    this.busy_(this.confirmSubmit_, true, 'Creating…');
    const result = await this.post_({
      ...this.request_,
      userPassword: this.userPassword_.value,
      createUserIfNotExists: true,
    });
    this.busy_(this.confirmSubmit_, false, label);
    if (result.ok && result.body?.token) {
      this.showToken_(result.body);
      return;
    }
    this.confirmError_.textContent = explain(result);
  }

  async post_(body) {
    try {
      const result = await postJson(`${this.config_.authRoot}/generate-token`, body);
      if (result.ok && !result.body?.token) {
        return {...result, ok: false, message: 'The server answered without a token.'};
      }
      return result;
    } catch (error) {
      return {ok: false, status: 0, message: error.message};
    }
  }

  // `answer` is {token, loginUrl?}: the server builds the viewer login link when
  // it knows the viewer; else it comes from config.json.
  showToken_({token, loginUrl}) {
    this.admin_.remember(this.request_.password);
    const {name, username} = this.request_;
    byId('result-title').textContent = `Token for ${name} (${username})`;
    byId('token-output').value = token;
    const login = loginUrl || viewerLoginUrl(this.config_, token);
    byId('login-link-field').hidden = !login;
    byId('login-link').value = login;
    byId('explorer-link').value = `${explorerUrl(this.config_)}?token=${encodeURIComponent(token)}`;
    this.userPassword_.value = '';
    this.show_('result');
    byId('result-title').focus();
  }

  busy_(button, busy, label) {
    button.disabled = busy;
    button.textContent = label;
  }
}

function explain(result) {
  if (result.status === 429) return tooManyAttemptsMessage(result.retryAfter);
  if (result.status === 0) return result.message;
  const known = {
    'Invalid admin password': 'The admin password is not correct.',
    'Name not valid': 'The name is not valid.',
    'username not valid': 'The username is not valid.',
    'Invalid data': 'Some of the details are not valid.',
  };
  return known[result.message] ?? result.message;
}

// The admin password, kept in memory only, so that switching between issuing
// tokens and managing users doesn't ask for it again.
class AdminPassword {
  constructor() {
    this.value_ = '';
  }

  remember(password) {
    this.value_ = password;
    for (const id of ['admin-password', 'users-password']) {
      const input = byId(id);
      if (!input.value) input.value = password;
    }
  }

  password() {
    return this.value_;
  }
}

function showTab(tab) {
  const name = tab === 'users' ? 'users' : 'issue';
  byId('issue-view').hidden = name !== 'issue';
  byId('users-view').hidden = name !== 'users';
  for (const link of document.querySelectorAll('[data-tab]')) {
    if (link.dataset.tab === name) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  document.title = `${name === 'users' ? 'Users' : 'Issue a token'} · Tessera`;
  return name;
}

async function main() {
  initTheme(byId('theme-toggle'));
  bindRevealButtons();
  const config = await loadAuthPageConfig();
  byId('brand-link').href = explorerUrl(config);
  const admin = new AdminPassword();
  new IssueForm(config, admin);
  const users = new UsersPanel(config, admin);
  const route = () => {
    if (showTab(location.hash.slice(1)) === 'users') users.enter();
  };
  window.addEventListener('hashchange', route);
  route();
  if (!byId('issue-view').hidden) byId('name').focus();
}

main();
