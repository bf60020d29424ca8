// Builds native/sqlguard.c (the sql sandbox, a SQLite loadable extension)
// into build/sqlguard.so with the system C compiler, against the sqlite3ext.h
// of the very SQLite that better-sqlite3 bundles. Done on first use (and by
// `npm run build:native`); rebuilt when the source is newer than the library.

import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const SOURCE = path.join(here, 'sqlguard.c');
/** The compiled extension: SQLite appends nothing to a name with an extension. */
export const LIBRARY = path.join(here, '..', 'build', 'sqlguard.so');

/** The folder of better-sqlite3's bundled sqlite3.h and sqlite3ext.h. */
function sqliteHeaders() {
  const pkg = createRequire(import.meta.url).resolve('better-sqlite3/package.json');
  return path.join(path.dirname(pkg), 'deps', 'sqlite3');
}

/** Returns LIBRARY, compiling it first when it is missing or older than its source. */
export function sqlguardLibrary() {
  const lib = fs.statSync(LIBRARY, { throwIfNoEntry: false });
  if (lib && lib.mtimeMs >= fs.statSync(SOURCE).mtimeMs) return LIBRARY;
  fs.mkdirSync(path.dirname(LIBRARY), { recursive: true });
  // Test files run in parallel processes: build to a private name, rename into place.
  const tmp = `${LIBRARY}.${process.pid}.tmp`;
  const cc = process.env.CC || 'cc';
  try {
    execFileSync(cc, ['-O2', '-shared', '-fPIC', '-Wall', '-Werror', '-I', sqliteHeaders(), SOURCE, '-o', tmp], { stdio: ['ignore', 'ignore', 'pipe'] });
    fs.renameSync(tmp, LIBRARY);
  } catch (e) {
    try { fs.unlinkSync(tmp); } catch {}
    throw new Error(`sandcache: cannot build the sql sandbox (${cc} native/sqlguard.c): ${e.stderr?.toString().trim() || e.message}`);
  }
  return LIBRARY;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(sqlguardLibrary());
