// The `sql` capability (WIT interface sandcache:cache/sql@0.1.0) on
// better-sqlite3, which has no step API: prepare/bind/step/column/reset/
// finalize are emulated on statement objects.
//
// - bind-* collect the parameters by SQLite index (1-based; unbound ones are
//   NULL, as in SQLite). better-sqlite3 binds only positionally (`?`) or by
//   name (`?NNN`, `:name`, `@name`, `$name` through a plain object keyed
//   "NNN" / "name"), so prepare scans the SQL for its parameters and works
//   out SQLite's index of each (paramPlan) to pass every value the right way;
// - the first step runs the statement: a reader (SELECT, RETURNING, some
//   PRAGMAs) with `raw(true).all(params)` and the rows are then handed out
//   one per step; anything else with `run(params)`, whose `changes` is kept
//   for `changes(db)`. All rows are read at once rather than through
//   `iterate()`: an open better-sqlite3 iterator locks its connection ("This
//   database connection is busy executing a query"), and the guest may run
//   an UPDATE between two steps of a SELECT, as SQLite's step API allows;
// - reset drops the rows and the bindings (the WIT's reset clears them);
// - integers cross as BigInt both ways (safeIntegers), so every s64 survives;
//   floats are bound as JS numbers, which better-sqlite3 binds as REAL.
//
// Errors become the WIT `error` record (CapError); nothing is thrown into the guest.

import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { CapError } from './abi.mjs';
import { splitPath, resolveFolder, checkPlainFile } from './files.mjs';
import { unexpectedObject } from './schema.mjs';
import { sqlguardLibrary } from './native/build.mjs';

const require = createRequire(import.meta.url);
const Database = require('better-sqlite3');

// WIT enum `column-kind`, in declaration order.
export const KIND = { integer: 0, float: 1, text: 2, blob: 3, null: 4 };

/** Maps a better-sqlite3 error to a CapError (SQLite's primary result code decides). */
function sqlErr(e, what) {
  if (e instanceof CapError) return new CapError(e.code, `sql: ${what}: ${e.message}`);
  const code = String(e?.code ?? '');
  const msg = `sql: ${what}: ${e?.message ?? e}`;
  // A denied function comes back as SQLITE_ERROR "not authorized to use
  // function: f"; a write to sqlite_master (DEFENSIVE) as SQLITE_ERROR too.
  if (/^SQLITE_AUTH/.test(code) || (code.startsWith('SQLITE_') && /^not authorized|^table sqlite_master may not be modified/.test(e?.message))) return new CapError('not-permitted', `sql: ${what}: not permitted by the sandbox (${e.message})`);
  if (/^SQLITE_(NOTADB|CORRUPT)/.test(code)) return new CapError('corrupt', msg);
  if (/^SQLITE_(MISUSE|RANGE|INTERNAL)/.test(code)) return new CapError('internal', msg);
  if (code.startsWith('SQLITE_')) return new CapError('io', msg); // busy, ioerr, full, constraint, error...
  if (e instanceof RangeError || e instanceof TypeError) return new CapError('internal', msg);
  return new CapError('io', msg);
}

/** sqlite3_changes() of a connection, for statements better-sqlite3 does not report on. */
function lastChanges(d) {
  d.changesStmt ??= d.conn.prepare('SELECT changes()').pluck();
  return d.changesStmt.get();
}

/**
 * SQLite's parameter numbering for `sql`: {count, names}, names[i] being
 * better-sqlite3's key for index i ("NNN" for ?NNN, "x" for :x @x $x) or
 * undefined for an anonymous index (`?`, or a gap in ?NNN numbering), which
 * better-sqlite3 fills positionally in index order. Literals, quoted names
 * and comments are skipped.
 */
export function paramPlan(sql) {
  const names = [];
  const byName = new Map();
  let count = 0;
  const re = /'(?:[^']|'')*'|"(?:[^"]|"")*"|`(?:[^`]|``)*`|\[[^\]]*\]|--[^\n]*|\/\*[\s\S]*?(?:\*\/|$)|\?(\d*)|([:@$][\p{L}\p{N}_$]+)/gu;
  for (const m of sql.matchAll(re)) {
    if (m[1] !== undefined) {
      if (m[1] === '') {
        count++; // `?`: the next index, anonymous
      } else {
        const i = Number(m[1]);
        names[i] = m[1];
        count = Math.max(count, i);
      }
    } else if (m[2] !== undefined) {
      let i = byName.get(m[2]);
      if (i === undefined) {
        i = ++count;
        byName.set(m[2], i);
      }
      names[i] = m[2].slice(1);
    }
  }
  return { count, names };
}

/** The mem backend's database may hold this many bytes (SQLITE_FULL past it). */
export const MAX_MEMORY_DB_BYTES = 256 << 20;
/** Open databases and prepared statements one guest instance may hold at once. */
export const MAX_DATABASES = 128; // the guest keeps a store open per path: ~3 descriptors each in WAL
export const MAX_STATEMENTS = 4096;
export const MAX_RUN_BYTES = 64 << 20; // the rows one sql.run returns (as the Go host's capability.MaxRunBytes)

/** The companions SQLite may open next to a database file. */
export const COMPANIONS = ['', '-journal', '-wal', '-shm'];

/**
 * Opens a connection the way sandcache wants it (SPEC section 5), then, unless
 * `guard` is false, confines it: the schema must be sandcache's or Harn's
 * (else a `corrupt` CapError naming the object) and the sqlguard extension
 * (native/sqlguard.c) installs the authorizer, no attached databases,
 * DEFENSIVE, trusted_schema off and no further extension loading. Only the
 * host's own PRAGMAs run before the guard.
 */
export function openDatabase(file, { guard = true, maxMemoryBytes = MAX_MEMORY_DB_BYTES } = {}) {
  const db = new Database(file, { timeout: 10000 }); // busy_timeout = 10 s
  try {
    db.defaultSafeIntegers(true);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 10000');
    if (file === ':memory:') {
      // The mem backend's size cap: past it, writes fail with SQLITE_FULL (io).
      const pageSize = Number(db.pragma('page_size', { simple: true }));
      db.pragma(`max_page_count = ${Math.max(1, Math.floor(maxMemoryBytes / pageSize))}`);
    }
    if (guard) {
      const odd = unexpectedObject(db);
      if (odd) throw new CapError('corrupt', `unexpected schema object: ${odd}`);
      db.loadExtension(sqlguardLibrary());
    }
  } catch (e) {
    db.close();
    throw e;
  }
  return db;
}

/**
 * One capability session: the handles of one guest instance. `memoryDb()`
 * returns the host instance's shared in-memory database (the mem backend).
 */
export class SqlSession {
  constructor(root, memoryDb) {
    this.root = root;
    this.memoryDb = memoryDb;
    this.dbs = new Map(); // handle -> {conn, memory, changes, stmts:Set}
    this.stmts = new Map(); // handle -> statement state
    this.next = 1;
  }

  dialect() { return 'sqlite'; }

  open(name, memory) {
    if (this.dbs.size >= MAX_DATABASES) throw new CapError('io', `sql: ${MAX_DATABASES} databases are open; close one first`);
    let conn;
    if (memory) {
      conn = this.memoryDb();
    } else {
      const parts = splitPath(name); // confined like files: no "..", no absolute path, no symlink
      const dir = resolveFolder(this.root, parts.slice(0, -1), true);
      const file = path.join(dir, parts.at(-1));
      // The database and every companion SQLite may open must be a plain
      // file (regular, one link) or absent; lstat never blocks. A file
      // swapped in between this check and SQLite's open is not detected (no
      // openat or custom VFS here): see README, "Limits".
      for (const suffix of COMPANIONS) checkPlainFile(file + suffix, name + suffix, 'sql');
      try {
        conn = openDatabase(file);
      } catch (e) {
        throw this.#relative(sqlErr(e, `open ${JSON.stringify(name)}`));
      }
    }
    const h = this.next++;
    this.dbs.set(h, { conn, memory, changes: 0n, stmts: new Set() });
    return h;
  }

  // No absolute host path reaches the guest: the granted folder's path in a
  // message (SQLite rarely puts one there) becomes ".".
  #relative(e) {
    if (e instanceof CapError && e.message.includes(this.root)) e.message = e.message.split(this.root).join('.');
    return e;
  }

  #db(h) {
    const d = this.dbs.get(h);
    if (!d) throw new CapError('internal', `sql: database handle ${h} is not open`);
    return d;
  }

  #stmt(h) {
    const s = this.stmts.get(h);
    if (!s) throw new CapError('internal', `sql: statement handle ${h} is not prepared`);
    return s;
  }

  close(h) {
    const d = this.dbs.get(h);
    if (!d) return;
    for (const s of d.stmts) this.stmts.delete(s);
    this.dbs.delete(h);
    if (!d.memory) d.conn.close(); // the in-memory database lives as long as the host instance
  }

  closeAll() {
    for (const h of [...this.dbs.keys()]) this.close(h);
  }

  exec(h, sql) {
    const d = this.#db(h);
    try {
      d.conn.exec(sql);
      d.changes = lastChanges(d);
    } catch (e) {
      throw this.#relative(sqlErr(e, 'exec'));
    }
  }

  prepare(h, sql) {
    const d = this.#db(h);
    if (this.stmts.size >= MAX_STATEMENTS) throw new CapError('io', `sql: ${MAX_STATEMENTS} statements are prepared; finalize one first`);
    let stmt;
    try {
      stmt = d.conn.prepare(sql);
      if (stmt.reader) stmt.raw(true); // rows as arrays, in column order
    } catch (e) {
      throw this.#relative(sqlErr(e, 'prepare'));
    }
    const s = this.next++;
    this.stmts.set(s, {
      db: d,
      stmt,
      columns: stmt.reader ? stmt.columns().length : 0,
      plan: paramPlan(sql),
      params: [],
      rows: null, // null until the first step
      pos: 0,
      row: null, // the current row
    });
    d.stmts.add(s);
    return s;
  }

  bind(h, index, value) {
    const s = this.#stmt(h);
    if (index < 1 || index > s.plan.count) throw new CapError('invalid-argument', `sql: parameter index ${index} is out of range 1..${s.plan.count}`);
    if (s.rows !== null) throw new CapError('internal', 'sql: bind after step without reset');
    s.params[index - 1] = value;
  }

  step(h) {
    const s = this.#stmt(h);
    if (s.rows === null) {
      // Anonymous indexes positionally, in order; named ones in one object.
      const params = [];
      const named = {};
      for (let i = 1; i <= s.plan.count; i++) {
        const v = s.params[i - 1] ?? null; // unbound: NULL
        if (s.plan.names[i] === undefined) params.push(v);
        else named[s.plan.names[i]] = v;
      }
      if (Object.keys(named).length > 0) params.push(named);
      try {
        if (s.stmt.reader) {
          s.rows = s.stmt.all(...params);
          if (!s.stmt.readonly) s.db.changes = lastChanges(s.db);
        } else {
          s.db.changes = BigInt(s.stmt.run(...params).changes);
          s.rows = [];
        }
      } catch (e) {
        s.rows = [];
        throw this.#relative(sqlErr(e, 'step'));
      }
      s.pos = 0;
    }
    s.row = s.pos < s.rows.length ? s.rows[s.pos++] : null;
    return s.row !== null;
  }

  columnCount(h) { return this.#stmt(h).columns; }

  #value(h, i) {
    const row = this.#stmt(h).row;
    return row && i < row.length ? row[i] : null;
  }

  columnKind(h, i) {
    const v = this.#value(h, i);
    if (v === null) return KIND.null;
    if (typeof v === 'bigint') return KIND.integer;
    if (typeof v === 'number') return KIND.float;
    if (typeof v === 'string') return KIND.text;
    return KIND.blob;
  }

  // The column-* conversions follow SQLite's sqlite3_column_* where they matter.
  columnInt(h, i) {
    const v = this.#value(h, i);
    if (typeof v === 'bigint') return v;
    if (typeof v === 'number') return Number.isFinite(v) ? BigInt(Math.trunc(v)) : 0n;
    if (typeof v === 'string') {
      const m = /^\s*[+-]?\d+/.exec(v);
      return m ? BigInt.asIntN(64, BigInt(m[0].trim())) : 0n;
    }
    return 0n;
  }

  columnFloat(h, i) {
    const v = this.#value(h, i);
    if (typeof v === 'number') return v;
    if (typeof v === 'bigint') return Number(v);
    if (typeof v === 'string') return Number.parseFloat(v) || 0;
    return 0;
  }

  columnText(h, i) {
    const v = this.#value(h, i);
    if (v === null) return '';
    if (typeof v === 'string') return v;
    if (Buffer.isBuffer(v)) return v.toString('utf8');
    return String(v);
  }

  columnBlob(h, i) {
    const v = this.#value(h, i);
    if (v === null) return new Uint8Array(0);
    if (Buffer.isBuffer(v)) return v;
    return Buffer.from(String(v), 'utf8');
  }

  changes(h) { return this.#db(h).changes; }

  reset(h) {
    const s = this.#stmt(h);
    s.rows = null;
    s.row = null;
    s.params = [];
  }

  /**
   * Runs a batch (WIT `sql.run`): calls are {statement, params, rows, ifRow,
   * wait} with params as bind values; returns {values, ran}, values being
   * {kind, integer, float, text, blob} in row order. A call that may not
   * wait still waits here, up to the busy timeout (the guard's authorizer
   * denies the PRAGMA that would change it, better-sqlite3 has no API for
   * it), and a busy error then ends the batch without error. Statements
   * run to completion on their first step here, so none stays open across
   * the batch.
   */
  run(calls) {
    const values = [];
    let ran = 0;
    let row = false;
    let bytes = 0;
    for (const c of calls) {
      if (c.ifRow && !row) {
        ran++;
        continue;
      }
      const s = this.#stmt(c.statement);
      this.reset(c.statement);
      c.params.forEach((v, i) => this.bind(c.statement, i + 1, v));
      try {
        row = this.step(c.statement);
      } catch (e) {
        this.reset(c.statement);
        if (!c.wait && e instanceof CapError && /busy|locked/i.test(e.message)) return { values, ran };
        throw e;
      }
      for (let n = 0, more = row; more && n < c.rows; n++) {
        for (let i = 0; i < s.columns; i++) {
          const v = this.#columnValue(c.statement, i);
          bytes += 64 + (v.text?.length ?? 0) + (v.blob?.length ?? 0);
          if (bytes > MAX_RUN_BYTES) {
            this.reset(c.statement);
            throw new CapError('io', `sql: the rows of the batch total more than ${MAX_RUN_BYTES} bytes`);
          }
          values.push(v);
        }
        if (n + 1 < c.rows) more = this.step(c.statement);
      }
      this.reset(c.statement);
      ran++;
    }
    return { values, ran };
  }

  #columnValue(h, i) {
    const kind = this.columnKind(h, i);
    const v = { kind, integer: 0n, float: 0, text: '', blob: null };
    if (kind === KIND.integer) v.integer = this.columnInt(h, i);
    else if (kind === KIND.float) v.float = this.columnFloat(h, i);
    else if (kind === KIND.text) v.text = this.columnText(h, i);
    else if (kind === KIND.blob) v.blob = this.columnBlob(h, i);
    return v;
  }

  finalize(h) {
    const s = this.stmts.get(h);
    if (!s) return;
    s.db.stmts.delete(h);
    this.stmts.delete(h);
  }
}
