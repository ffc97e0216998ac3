import assert from 'node:assert/strict';
import {test} from 'node:test';

import {tooManyAttemptsMessage} from '../lib/api.js';
import {dropStaleHandOffs, handOff} from '../lib/handoff.js';

// localStorage's interface over a Map.
class MemoryStorage {
  constructor() {
    this.items = new Map();
  }
  get length() {
    return this.items.size;
  }
  key(i) {
    return [...this.items.keys()][i] ?? null;
  }
  getItem(name) {
    return this.items.get(name) ?? null;
  }
  setItem(name, value) {
    this.items.set(name, String(value));
  }
  removeItem(name) {
    this.items.delete(name);
  }
}

test('a hand-off leaves the token under a random key, not in the address', () => {
  const storage = new MemoryStorage();
  const key = handOff('the.access.token', storage);
  assert.match(key, /^[0-9a-f]{32}$/);
  assert.notEqual(handOff('the.access.token', storage), key);
  const entry = JSON.parse(storage.getItem(`tessera.handoff.${key}`));
  assert.equal(entry.token, 'the.access.token');
  assert.ok(Math.abs(Date.now() - entry.at) < 5000);
});

test('hand-offs older than a minute are dropped, others and unrelated keys kept', () => {
  const storage = new MemoryStorage();
  storage.setItem('tessera.handoff.old', JSON.stringify({token: 't', at: Date.now() - 61000}));
  storage.setItem('tessera.handoff.junk', 'not json');
  storage.setItem('tessera.handoff.future', JSON.stringify({token: 't', at: Date.now() + 600000}));
  storage.setItem('tessera.handoff.new', JSON.stringify({token: 't', at: Date.now()}));
  storage.setItem('tessera.theme', 'dark');
  dropStaleHandOffs(storage);
  assert.deepEqual([...storage.items.keys()].sort(), ['tessera.handoff.new', 'tessera.theme']);
});

test('signing out drops every hand-off, fresh or not', () => {
  const storage = new MemoryStorage();
  handOff('t', storage);
  storage.setItem('tessera.theme', 'dark');
  dropStaleHandOffs(storage, {all: true});
  assert.deepEqual([...storage.items.keys()], ['tessera.theme']);
});

test('no local storage: no hand-off', () => {
  const broken = {get length() { throw new Error('denied'); }};
  assert.equal(handOff('t', broken), '');
  assert.doesNotThrow(() => dropStaleHandOffs(broken));
});

test('a long wait for another attempt is given in minutes', () => {
  assert.equal(tooManyAttemptsMessage(0), 'Too many attempts. Try again in a minute.');
  assert.equal(tooManyAttemptsMessage(30), 'Too many attempts. Try again in 30 seconds.');
  assert.equal(tooManyAttemptsMessage(490), 'Too many attempts. Try again in 9 minutes.');
});
