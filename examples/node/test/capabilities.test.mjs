// The two capabilities on their own (no guest needed): the files
// confinement and CAS rules, and the step-API emulation over better-sqlite3.

import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Files } from '../files.mjs';
import { SqlSession, KIND } from '../sql.mjs';
import { CapError } from '../abi.mjs';
import { SCHEMA_DDL } from '../schema.mjs';
import { tempDir } from '../testing.mjs';

const code = (fn) => {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof CapError, `expected a CapError, got ${e}`);
    return e.code;
  }
  assert.fail('expected an error');
};

test('files: paths are confined', (t) => {
  const root = tempDir(t);
  const f = new Files(path.join(root, 'grant'));
  fs.writeFileSync(path.join(root, 'secret'), 'outside');
  for (const p of ['../secret', 'a/../../secret', '/etc/passwd', 'a\\b', 'c:x', './a', 'a/./b']) {
    assert.equal(code(() => f.read(p)), 'not-permitted', p);
  }
  for (const p of ['', 'a//b', 'a/', 'a\0b', 'a\nb']) assert.equal(code(() => f.writeAtomic(p, Buffer.from('x'))), 'invalid-argument', JSON.stringify(p));
  // symlinks are refused wherever they are, even pointing inside
  fs.mkdirSync(path.join(f.root, 'real'));
  fs.writeFileSync(path.join(f.root, 'real/file'), 'data');
  fs.symlinkSync(path.join(root), path.join(f.root, 'out'));
  fs.symlinkSync('real', path.join(f.root, 'in'));
  fs.symlinkSync('real/file', path.join(f.root, 'link'));
  assert.equal(code(() => f.read('out/secret')), 'not-permitted');
  assert.equal(code(() => f.read('in/file')), 'not-permitted');
  assert.equal(code(() => f.read('link')), 'not-permitted');
  assert.equal(code(() => f.writeAtomic('out/new', Buffer.from('x'))), 'not-permitted');
  assert.equal(code(() => f.writeAtomic('link', Buffer.from('x'))), 'not-permitted');
  assert.equal(code(() => f.removeDir('in')), 'not-permitted');
  assert.equal(code(() => f.list('out')), 'not-permitted');
  assert.equal(fs.readFileSync(path.join(root, 'secret'), 'utf8'), 'outside');
  assert.equal(fs.existsSync(path.join(root, 'new')), false);
});

test('files: read, write-atomic, remove, list, remove-dir', (t) => {
  const f = new Files(tempDir(t));
  assert.equal(f.read('a/b/c.json'), null);
  f.writeAtomic('a/b/c.json', Buffer.from('{"x":1}'));
  assert.equal(f.read('a/b/c.json').toString(), '{"x":1}');
  f.writeAtomic('a/b/c.json', Buffer.from('2'));
  assert.equal(f.read('a/b/c.json').toString(), '2');
  fs.writeFileSync(path.join(f.root, 'a/b/.c.json.0123456789abcdef.tmp'), 'left by a crash');
  fs.symlinkSync('c.json', path.join(f.root, 'a/b/sym'));
  fs.mkdirSync(path.join(f.root, 'a/b/sub'));
  const names = f.list('a/b').map((b) => b.toString()).sort();
  assert.deepEqual(names, ['c.json', 'sub/']); // no temp files, no symlinks
  assert.deepEqual(f.list('nope'), []);
  assert.deepEqual(f.list('').map(String), ['a/']);
  assert.equal(code(() => f.read('a/b')), 'io'); // a folder
  assert.equal(code(() => f.remove('a/b')), 'io');
  assert.equal(f.remove('a/b/c.json'), true);
  assert.equal(f.remove('a/b/c.json'), false);
  assert.equal(f.removeDir('a'), true);
  assert.equal(f.removeDir('a'), false);
  assert.equal(fs.existsSync(path.join(f.root, 'a')), false);
});

test('files: replace is a compare-and-swap', (t) => {
  const f = new Files(tempDir(t));
  assert.equal(f.replace('ns/k.json', Buffer.from('old'), Buffer.from('new')), false); // gone
  f.writeAtomic('ns/k.json', Buffer.from('old'));
  assert.equal(f.replace('ns/k.json', Buffer.from('other'), Buffer.from('new')), false);
  assert.equal(f.read('ns/k.json').toString(), 'old');
  assert.equal(f.replace('ns/k.json', Buffer.from('old'), Buffer.from('new')), true);
  assert.equal(f.read('ns/k.json').toString(), 'new');
  assert.equal(f.replace('ns/k.json', Buffer.from('new'), null), true); // remove
  assert.equal(f.read('ns/k.json'), null);
  assert.deepEqual(fs.readdirSync(path.join(f.root, 'ns')), []); // no temp file left
});

test('sql: step-API emulation over better-sqlite3', (t) => {
  const root = tempDir(t);
  let mem = null;
  const s = new SqlSession(root, () => (mem ??= null));
  assert.equal(s.dialect(), 'sqlite');
  const db = s.open('sub/test.sqlite', false);
  assert.ok(fs.existsSync(path.join(root, 'sub/test.sqlite')));
  s.exec(db, SCHEMA_DDL[0]); // the sandbox allows sandcache's own tables only
  const ins = s.prepare(db, 'INSERT INTO cache_entries (namespace, cache_key, last_accessed_ms, created_at_ms, value_json, expires_at_ms) VALUES (?1, \'key\', ?2, ?3, ?4, ?5)');
  const big = 9223372036854775807n;
  for (const [k, i] of [['a', big], ['b', -1n], ['c', 2n]]) {
    s.bind(ins, 1, k);
    s.bind(ins, 2, i);
    s.bind(ins, 3, 1.5);
    s.bind(ins, 4, Buffer.from([0, 1, 2]));
    // ?5 left unbound: NULL, as in SQLite
    assert.equal(s.step(ins), false);
    assert.equal(s.changes(db), 1n);
    s.reset(ins);
  }
  const sel = s.prepare(db, 'SELECT namespace, last_accessed_ms, created_at_ms, value_json, expires_at_ms FROM cache_entries ORDER BY namespace');
  assert.equal(s.columnCount(sel), 5);
  const upd = s.prepare(db, 'UPDATE cache_entries SET last_accessed_ms = last_accessed_ms WHERE namespace = ?1');
  const rows = [];
  while (s.step(sel)) {
    rows.push([s.columnText(sel, 0), s.columnInt(sel, 1), s.columnFloat(sel, 2), [...s.columnBlob(sel, 3)], s.columnKind(sel, 4)]);
    assert.deepEqual([0, 1, 2, 3, 4].map((i) => s.columnKind(sel, i)), [KIND.text, KIND.integer, KIND.float, KIND.blob, KIND.null]);
    // an UPDATE between two steps of a SELECT on the same connection, as SQLite allows
    s.bind(upd, 1, s.columnText(sel, 0));
    assert.equal(s.step(upd), false);
    s.reset(upd);
  }
  assert.deepEqual(rows, [['a', big, 1.5, [0, 1, 2], KIND.null], ['b', -1n, 1.5, [0, 1, 2], KIND.null], ['c', 2n, 1.5, [0, 1, 2], KIND.null]]);
  s.exec(db, 'DELETE FROM cache_entries');
  assert.equal(s.changes(db), 3n);
  assert.equal(code(() => s.prepare(db, 'SELEC nonsense')), 'io');
  const dup = s.prepare(db, 'INSERT INTO cache_entries (namespace, cache_key, value_json, created_at_ms, last_accessed_ms) VALUES (?1, \'k\', \'v\', 0, 0)');
  s.bind(dup, 1, 'x');
  s.step(dup);
  s.reset(dup);
  s.bind(dup, 1, 'x');
  assert.equal(code(() => s.step(dup)), 'io'); // constraint
  s.finalize(dup);
  s.close(db);
  fs.writeFileSync(path.join(root, 'junk.sqlite'), 'this is not a database, it is a text file of some length '.repeat(20));
  assert.equal(code(() => s.open('junk.sqlite', false)), 'corrupt');
  assert.equal(code(() => s.open('../x.sqlite', false)), 'not-permitted');
});
