// The host-only functions of native/sqlguard.c (sqlite3_sqlguard_host_init),
// through a private in-memory connection of the calling thread: never a
// connection the guest can reach. flock(2), which node:fs lacks (fs-ext
// cannot be loaded in more than one worker thread: it aborts the process),
// and the tags that let one thread interrupt another thread's guest
// connections (SQLite is built without a progress handler here).

import { createRequire } from 'node:module';
import { sqlguardLibrary } from './build.mjs';

let stmts = null;

function host() {
  if (!stmts) {
    const Database = createRequire(import.meta.url)('better-sqlite3');
    const db = new Database(':memory:');
    db.loadExtension(sqlguardLibrary(), 'sqlite3_sqlguard_host_init');
    stmts = {
      flock: db.prepare('SELECT sandcache_flock(?, ?)').pluck(),
      setTag: db.prepare('SELECT sandcache_set_tag(?)').pluck(),
      interrupt: db.prepare('SELECT sandcache_interrupt(?)').pluck(),
    };
  }
  return stmts;
}

/** flock(2) on fd: how 'ex' (LOCK_EX, blocking) or 'un' (LOCK_UN); throws on failure. */
export function flockSync(fd, how) {
  const errno = host().flock.get(fd, how === 'ex' ? 1 : 0);
  if (errno !== 0) throw Object.assign(new Error(`flock: errno ${errno}`), { code: `errno ${errno}` });
}

/** Tags every guest connection this thread opens from now on (a non-zero integer). */
export function setThreadTag(tag) {
  host().setTag.get(tag);
}

/** Interrupts every open guest connection tagged `tag`, in any thread; returns how many. */
export function interruptTagged(tag) {
  return host().interrupt.get(tag);
}
