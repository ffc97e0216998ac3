import {postJson, tooManyAttemptsMessage} from '../lib/api.js';
import {confirmDialog} from '../lib/confirm-dialog.js';
import {byId, h, replaceChildren} from '../lib/dom.js';
import {formatTimestamp} from '../lib/format.js';
import {notify} from '../lib/notify.js';

// The admin's user list (auth admin API: users, set-permission, revoke-user,
// delete-user; every call carries the admin password).
export class UsersPanel {
  // `admin` keeps the admin password in memory (remember(), password()).
  constructor(config, admin) {
    this.config_ = config;
    this.admin_ = admin;
    this.loaded_ = false;
    this.form_ = byId('users-form');
    this.password_ = byId('users-password');
    this.submit_ = byId('users-submit');
    this.error_ = byId('users-error');
    this.wrap_ = byId('users-table-wrap');
    this.rows_ = byId('users-rows');
    this.empty_ = byId('users-empty');
    this.form_.addEventListener('submit', (event) => {
      event.preventDefault();
      this.load_();
    });
  }

  // Shows the list at once when the admin password is already known.
  enter() {
    if (this.admin_.password() && !this.loaded_) {
      this.password_.value = this.admin_.password();
      this.load_();
      return;
    }
    if (!this.loaded_) this.password_.focus();
  }

  async call_(path, body) {
    try {
      return await postJson(`${this.config_.authRoot}/admin/${path}`,
          {password: this.password_.value, ...body});
    } catch (error) {
      return {ok: false, status: 0, message: error.message};
    }
  }

  async load_() {
    this.error_.textContent = '';
    this.password_.removeAttribute('aria-invalid');
    if (!this.password_.value) {
      this.error_.textContent = 'Enter the admin password.';
      this.password_.setAttribute('aria-invalid', 'true');
      this.password_.focus();
      return;
    }
    this.submit_.disabled = true;
    this.submit_.textContent = 'Loading…';
    const result = await this.call_('users', {});
    this.submit_.disabled = false;
    this.submit_.textContent = 'Refresh';
    if (!result.ok || !Array.isArray(result.body)) {
      this.fail_(result);
      if (/admin password/i.test(result.message)) {
        this.password_.setAttribute('aria-invalid', 'true');
        this.password_.select();
      }
      return;
    }
    this.admin_.remember(this.password_.value);
    this.loaded_ = true;
    this.render_(result.body);
  }

  render_(users) {
    const sorted = [...users].sort((a, b) => String(a.username).localeCompare(String(b.username)));
    this.wrap_.hidden = false;
    this.empty_.hidden = sorted.length > 0;
    replaceChildren(this.rows_, sorted.map((user) => this.row_(user)));
  }

  row_(user) {
    const username = String(user.username ?? '');
    const id = `perm-${username.replace(/[^\w-]/g, '_')}`;
    const permission = h('select', {id},
        h('option', {value: 'read', text: 'View only'}),
        h('option', {value: 'edit', text: 'Can edit'}));
    permission.value = user.canEditResource ? 'edit' : 'read';
    permission.addEventListener('change', () => this.setPermission_(username, permission));

    const revoke = h('button', {type: 'button', class: 'small', text: 'Revoke tokens',
      attrs: {'aria-label': `Revoke all tokens of ${username}`}});
    revoke.addEventListener('click', () => this.revoke_(username));
    const remove = h('button', {type: 'button', class: 'small danger-subtle', text: 'Delete',
      attrs: {'aria-label': `Delete user ${username}`}});
    const row = h('tr', {dataset: {username}},
        h('td', {text: String(user.name ?? '')}),
        h('td', {class: 'mono', text: username}),
        h('td', {}, h('label', {htmlFor: id, class: 'visually-hidden',
          text: `Permission of ${username}`}), permission),
        h('td', {class: 'nowrap', text: formatTimestamp(user.lastLogin) || 'Never'}),
        h('td', {class: 'nowrap', text: formatTimestamp(user.createdAt)}),
        h('td', {class: 'row-actions'}, h('div', {class: 'actions'}, revoke, remove)));
    remove.addEventListener('click', () => this.delete_(username, row));
    return row;
  }

  async setPermission_(username, select) {
    const canEditResource = select.value === 'edit';
    select.disabled = true;
    const result = await this.call_('set-permission', {username, canEditResource});
    select.disabled = false;
    if (!result.ok) {
      select.value = canEditResource ? 'read' : 'edit';
      this.fail_(result);
      return;
    }
    // Tokens carry the permission, so the change ends the sessions they had.
    notify(`${username} ${canEditResource ? 'can now edit' : 'can now only view'}. ` +
        'They need to sign in again.');
  }

  async revoke_(username) {
    const ok = await confirmDialog({
      title: `Revoke ${username}'s tokens?`,
      message: `Every token issued to ${username} stops working at once. They need a new ` +
          'token or to sign in again.',
      confirmLabel: 'Revoke tokens',
    });
    if (!ok) return;
    const result = await this.call_('revoke-user', {username});
    if (!result.ok) {
      this.fail_(result);
      return;
    }
    notify(`Tokens of ${username} revoked`);
  }

  async delete_(username, row) {
    const ok = await confirmDialog({
      title: `Delete ${username}?`,
      message: `${username} will no longer be able to sign in, and their tokens stop working.`,
      detail: 'Their uploads stay in the archive.',
      confirmLabel: 'Delete user',
    });
    if (!ok) return;
    const result = await this.call_('delete-user', {username});
    if (!result.ok) {
      this.fail_(result);
      return;
    }
    row.remove();
    this.empty_.hidden = this.rows_.children.length > 0;
    notify(`${username} deleted`);
  }

  fail_(result) {
    this.error_.textContent = result.status === 429 ? tooManyAttemptsMessage(result.retryAfter) :
        result.status === 0 ? result.message :
        result.message === 'Invalid admin password' ? 'The admin password is not correct.' :
        result.message;
  }
}
