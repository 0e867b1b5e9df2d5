import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Journal } from './journal.js';
import type { JournalRecord } from './records.js';

const user = (id: number, name: string): JournalRecord => ({
  k: 'user',
  id,
  name,
  type: 'rodsuser',
  pw: 'pw',
  ct: 1,
  members: [],
});

describe('catalog journal', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'emulator-journal-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('replays upserts and deletions in order', () => {
    const { journal } = Journal.open(dir);
    journal.append(user(1, 'alice'), 1000);
    journal.append(user(2, 'bob'), 1000);
    journal.append({ ...user(1, 'alice2') }, 1000);
    journal.append({ k: 'user', id: 2, deleted: true }, 1000);
    journal.close();
    const { journal: reopened, records } = Journal.open(dir);
    reopened.close();
    assert.deepEqual([...records.values()], [user(1, 'alice2')]);
  });

  it('ignores a torn last line and cuts it off before the next append', () => {
    const { journal } = Journal.open(dir);
    journal.append(user(1, 'alice'), 1000);
    journal.close();
    appendFileSync(join(dir, 'catalog.journal.jsonl'), '{"k":"user","id":2,"na');
    const second = Journal.open(dir);
    assert.deepEqual([...second.records.keys()], ['user:1']);
    second.journal.append(user(3, 'carol'), 1000);
    second.journal.close();
    const third = Journal.open(dir);
    third.journal.close();
    assert.deepEqual([...third.records.keys()], ['user:1', 'user:3']);
  });

  it('treats a complete final line that lost only its newline as torn', () => {
    writeFileSync(
      join(dir, 'catalog.journal.jsonl'),
      `${JSON.stringify(user(1, 'a'))}\n${JSON.stringify(user(2, 'b'))}`,
    );
    const { journal, records } = Journal.open(dir);
    journal.close();
    assert.deepEqual([...records.keys()], ['user:1']);
  });

  it('refuses a corrupt line in the middle', () => {
    writeFileSync(join(dir, 'catalog.journal.jsonl'), `garbage\n${JSON.stringify(user(1, 'a'))}\n`);
    assert.throws(() => Journal.open(dir), { code: 'EMULATOR_JOURNAL_CORRUPT' });
  });

  it('compacts into a snapshot and empties the journal', () => {
    const { journal } = Journal.open(dir);
    assert.equal(journal.append(user(1, 'a'), 2), false);
    assert.equal(journal.append(user(2, 'b'), 2), true);
    journal.compact([user(1, 'a'), user(2, 'b')]);
    journal.append(user(3, 'c'), 2);
    journal.close();
    assert.equal(readFileSync(join(dir, 'catalog.journal.jsonl'), 'utf8').split('\n').length, 2);
    const { journal: reopened, records } = Journal.open(dir);
    reopened.close();
    assert.deepEqual([...records.keys()], ['user:1', 'user:2', 'user:3']);
  });
});
