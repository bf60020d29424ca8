// The `files` capability (WIT interface sandcache:cache/files@0.1.0) on
// node:fs, confined to one granted folder. Same rules and error codes as the
// Go host (internal/filecap):
//
// - paths are relative and "/"-separated; absolute paths, "." and ".."
//   components, backslashes and colons are not-permitted; empty paths or
//   components, control characters and over-long names are invalid-argument;
// - no symlink is followed, even one pointing inside the folder: every
//   component is lstat'ed on the way, and files are opened with O_NOFOLLOW;
// - every write (write-atomic, replace, remove, remove-dir) holds an
//   exclusive flock(2) on the folder it changes, the very lock the Go host
//   takes, so a Node and a Go process writing one folder exclude each other;
// - write-atomic writes `.<name>.<16 hex>.tmp` in the same folder, fsyncs
//   it, renames it over the target and fsyncs the folder;
// - every file touched must be plain (regular, one link): a FIFO, socket,
//   device or hard link is not-permitted, found without blocking (lstat, or
//   open with O_NONBLOCK then fstat); reads are bounded by MAX_RECORD_BYTES
//   before anything is allocated.
//
// Node has no openat(2): a symlink swapped in for a folder between the lstat
// check and the use is not detected here (the Go host's os.Root closes that
// race). Everything the guest asks for is still checked component by component.

import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { CapError } from './abi.mjs';


import { flockSync } from './native/host.mjs'; // flock(2): node:fs has none

const MAX_PATH_BYTES = 4096;
const MAX_NAME_BYTES = 255;
const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK, O_DIRECTORY, O_WRONLY, O_CREAT, O_EXCL } = fs.constants;

/**
 * The largest file `read` returns: the host's value limit (16 MiB) plus
 * room for the key (64 KiB) and the record's own fields. A larger file is
 * refused from its size (fstat) before anything is allocated.
 */
export const MAX_RECORD_BYTES = (16 << 20) + (64 << 10) + (64 << 10);
const TEMP_RE = /^\..*\.[0-9a-f]{16}\.tmp$/s;

const quoted = (rel) => (rel === '' ? 'the granted folder' : JSON.stringify(rel));
const ioErr = (op, rel, e) => new CapError('io', `files: cannot ${op} ${quoted(rel)}: ${e.code ?? e.message}`);
const symlinkErr = (rel) => new CapError('not-permitted', `files: ${quoted(rel)} is a symbolic link; links are not followed`);

/** Checks a guest path and returns its components (SplitPath in the Go host). */
export function splitPath(p) {
  const b = Buffer.byteLength(p);
  if (p === '') throw new CapError('invalid-argument', 'files: empty path');
  if (b > MAX_PATH_BYTES) throw new CapError('invalid-argument', `files: path is ${b} bytes; the limit is ${MAX_PATH_BYTES}`);
  if (p[0] === '/') throw new CapError('not-permitted', `files: absolute path ${JSON.stringify(p)} is not permitted`);
  for (const c of p) {
    if (c === '\\') throw new CapError('not-permitted', `files: backslash in path ${JSON.stringify(p)} is not permitted`);
    if (c === ':') throw new CapError('not-permitted', `files: colon in path ${JSON.stringify(p)} is not permitted`);
    const u = c.codePointAt(0);
    if (u < 0x20 || u === 0x7f) throw new CapError('invalid-argument', `files: control character in path ${JSON.stringify(p)}`);
  }
  const parts = p.split('/');
  for (const part of parts) {
    if (part === '') throw new CapError('invalid-argument', `files: empty component in path ${JSON.stringify(p)}`);
    if (part === '.' || part === '..') throw new CapError('not-permitted', `files: ${JSON.stringify(part)} component in path ${JSON.stringify(p)} is not permitted`);
    if (Buffer.byteLength(part) > MAX_NAME_BYTES) throw new CapError('invalid-argument', `files: a component of path ${JSON.stringify(p)} is too long`);
  }
  return parts;
}

const MISSING = Symbol('missing');

/** Why a file that is not a plain file (regular, one link) is refused; null when it is one. */
function notPlain(st) {
  if (st.isSymbolicLink()) return 'is a symbolic link; links are not followed';
  if (st.isDirectory()) return null; // reported by the caller (io: "is a folder")
  if (st.isFIFO()) return 'is a FIFO, not a regular file';
  if (st.isSocket()) return 'is a socket, not a regular file';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'is a device, not a regular file';
  if (!st.isFile()) return 'is not a regular file';
  if (st.nlink !== 1) return `has ${st.nlink} hard links; only a file with one link is used`;
  return null;
}

/**
 * Checks that the file at absolute path `p` is absent or a plain file
 * (regular, exactly one link); anything else (symlink, FIFO, socket, device,
 * hard link, folder) is not-permitted. lstat only: checking never blocks.
 */
export function checkPlainFile(p, rel, cap = 'files') {
  let st;
  try {
    st = lstatOrNull(p);
  } catch (e) {
    throw ioErr('inspect', rel, e);
  }
  if (!st) return;
  const why = st.isDirectory() ? 'is a folder' : notPlain(st);
  if (why) throw new CapError('not-permitted', `${cap}: ${quoted(rel)} ${why}`);
}

function lstatOrNull(p) {
  try {
    return fs.lstatSync(p);
  } catch (e) {
    if (e.code === 'ENOENT') return null;
    throw e;
  }
}

/**
 * Resolves the folder made of `parts` under `root`, checking each component
 * with lstat: a symlink is not-permitted; a missing folder (or a file where a
 * folder is expected) is MISSING, or with `create` is made (a file in the way
 * is then an io error). Returns the absolute path, or MISSING.
 */
export function resolveFolder(root, parts, create) {
  let cur = root;
  for (let i = 0; i < parts.length; i++) {
    const rel = parts.slice(0, i + 1).join('/');
    cur = path.join(cur, parts[i]);
    let st;
    try {
      st = lstatOrNull(cur);
      if (!st && create) {
        try { fs.mkdirSync(cur); } catch (e) { if (e.code !== 'EEXIST') throw e; }
        st = lstatOrNull(cur);
      }
    } catch (e) {
      throw ioErr(create ? 'create folder' : 'open folder', rel, e);
    }
    if (!st) return MISSING;
    if (st.isSymbolicLink()) throw symlinkErr(rel);
    if (!st.isDirectory()) {
      if (create) throw new CapError('io', `files: ${quoted(rel)} is not a folder`);
      return MISSING;
    }
  }
  return cur;
}

/**
 * Opens the folder and takes its write lock: flock(LOCK_EX) on the folder
 * itself, as the Go host does, then checks under the lock that the folder is
 * still the one linked at that path (a concurrent remove-dir may have
 * unlinked it: then it is looked up again). Returns {dir, release} or MISSING.
 */
function lockFolder(root, parts, create) {
  const rel = parts.join('/');
  for (let attempt = 0; attempt < 8; attempt++) {
    const dir = resolveFolder(root, parts, create);
    if (dir === MISSING) return MISSING;
    let fd;
    try {
      fd = fs.openSync(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    } catch (e) {
      if (e.code === 'ENOENT') continue;
      if (e.code === 'ELOOP') throw symlinkErr(rel);
      throw ioErr('open folder', rel, e);
    }
    try {
      flockSync(fd, 'ex'); // blocks until the folder is free (Go holds it for one write)
    } catch (e) {
      fs.closeSync(fd);
      throw ioErr('lock folder', rel, e);
    }
    const st = fs.fstatSync(fd);
    const now = lstatOrNull(dir);
    if (now && now.ino === st.ino && now.dev === st.dev) {
      return {
        dir,
        fd,
        release() {
          try { flockSync(fd, 'un'); } finally { fs.closeSync(fd); }
        },
      };
    }
    flockSync(fd, 'un');
    fs.closeSync(fd);
    if (!create && !now) return MISSING;
  }
  throw new CapError('io', `files: folder ${quoted(rel)} keeps changing`);
}

/**
 * Reads file `name` of folder `dir` (absolute); null when it does not exist.
 * Opened with O_NOFOLLOW|O_NONBLOCK (a FIFO never blocks the open), then
 * fstat'ed: only a plain file (regular, one link) of at most
 * MAX_RECORD_BYTES is read, and never more than that many bytes.
 */
function readIn(dir, name, rel) {
  const p = path.join(dir, name);
  let fd;
  try {
    fd = fs.openSync(p, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch (e) {
    if (e.code === 'ENOENT') return null;
    if (e.code === 'ELOOP') throw symlinkErr(rel);
    if (e.code === 'EISDIR') throw new CapError('io', `files: ${quoted(rel)} is a folder`);
    if (e.code === 'ENXIO') throw new CapError('not-permitted', `files: ${quoted(rel)} is a socket, not a regular file`);
    throw ioErr('read', rel, e);
  }
  try {
    const st = fs.fstatSync(fd);
    if (st.isDirectory()) throw new CapError('io', `files: ${quoted(rel)} is a folder`);
    const why = notPlain(st);
    if (why) throw new CapError('not-permitted', `files: ${quoted(rel)} ${why}`);
    if (st.size > MAX_RECORD_BYTES) throw new CapError('io', `files: ${quoted(rel)} is ${st.size} bytes; the limit is ${MAX_RECORD_BYTES}`);
    // The file may grow after fstat: read at most the limit plus one byte.
    const buf = Buffer.allocUnsafe(Math.min(st.size, MAX_RECORD_BYTES) + 1);
    let n = 0;
    for (let r; n < buf.length && (r = fs.readSync(fd, buf, n, buf.length - n, n)) > 0;) n += r;
    if (n > MAX_RECORD_BYTES) throw new CapError('io', `files: ${quoted(rel)} grew past the limit of ${MAX_RECORD_BYTES} bytes`);
    return buf.subarray(0, n);
  } catch (e) {
    if (e instanceof CapError) throw e;
    throw ioErr('read', rel, e);
  } finally {
    fs.closeSync(fd);
  }
}

/** Atomically replaces `name` in the locked folder with data. */
function writeIn(folder, name, rel, data) {
  const target = path.join(folder.dir, name);
  const st = lstatOrNull(target);
  if (st?.isSymbolicLink()) throw symlinkErr(rel);
  if (st?.isDirectory()) throw new CapError('io', `files: ${quoted(rel)} is a folder`);
  // Renaming over a planted FIFO or hard link would be harmless, but every
  // file the capability touches must be plain, as in the Go host.
  const why = st && notPlain(st);
  if (why) throw new CapError('not-permitted', `files: ${quoted(rel)} ${why}`);
  // Same temp name as the Go host: ".<name>.<16 hex>.tmp" (name shortened
  // so the whole stays within 255 bytes), created with O_EXCL, which never
  // follows a symlink.
  let short = Buffer.from(name);
  if (short.length > MAX_NAME_BYTES - 22) short = short.subarray(0, MAX_NAME_BYTES - 22);
  const tmp = path.join(folder.dir, `.${short.toString()}.${crypto.randomBytes(8).toString('hex')}.tmp`);
  try {
    const fd = fs.openSync(tmp, O_WRONLY | O_CREAT | O_EXCL, 0o666);
    try {
      fs.writeSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, target);
  } catch (e) {
    try { fs.unlinkSync(tmp); } catch {}
    throw ioErr('write', rel, e);
  }
  try {
    fs.fsyncSync(folder.fd); // the rename is durable once the folder is synced
  } catch (e) {
    throw ioErr('sync the folder of', rel, e);
  }
}

/** Removes file `name` of the locked folder; false when there was none. */
function removeIn(folder, name, rel) {
  const p = path.join(folder.dir, name);
  const st = lstatOrNull(p);
  if (!st) return false;
  if (st.isSymbolicLink()) throw symlinkErr(rel);
  if (st.isDirectory()) throw new CapError('io', `files: ${quoted(rel)} is a folder; remove-dir removes folders`);
  const why = notPlain(st);
  if (why) throw new CapError('not-permitted', `files: ${quoted(rel)} ${why}`);
  try {
    fs.unlinkSync(p);
  } catch (e) {
    if (e.code === 'ENOENT') return false;
    throw ioErr('remove', rel, e);
  }
  return true;
}

/** The `files` capability over one granted folder. Every method throws CapError. */
export class Files {
  /** @param {string} root the granted folder (created if missing) */
  constructor(root) {
    fs.mkdirSync(root, { recursive: true });
    this.root = fs.realpathSync(root);
  }

  // withLock runs fn(folder) holding the write lock of the folder `parts`.
  #withLock(parts, create, fn, missing) {
    const folder = lockFolder(this.root, parts, create);
    if (folder === MISSING) return missing;
    try {
      return fn(folder);
    } finally {
      folder.release();
    }
  }

  /** read: the file's bytes, or null when it (or a folder on the way) does not exist. */
  read(p) {
    const parts = splitPath(p);
    const dir = resolveFolder(this.root, parts.slice(0, -1), false);
    if (dir === MISSING) return null;
    return readIn(dir, parts.at(-1), p);
  }

  /** write-atomic: temp file, fsync, rename, fsync folder; creates parent folders. */
  writeAtomic(p, data) {
    const parts = splitPath(p);
    this.#withLock(parts.slice(0, -1), true, (folder) => writeIn(folder, parts.at(-1), p, data));
  }

  /** remove: false when the file did not exist. */
  remove(p) {
    const parts = splitPath(p);
    return this.#withLock(parts.slice(0, -1), false, (folder) => removeIn(folder, parts.at(-1), p), false);
  }

  /**
   * replace: compare-and-swap under the folder lock. If the file holds
   * exactly `expected`, replaces it with `data` (or removes it when data is
   * null) and returns true; false when it differs or is gone. Never creates folders.
   */
  replace(p, expected, data) {
    const parts = splitPath(p);
    const name = parts.at(-1);
    return this.#withLock(parts.slice(0, -1), false, (folder) => {
      const current = readIn(folder.dir, name, p);
      if (current === null || !current.equals(expected)) return false;
      if (data === null) return removeIn(folder, name, p);
      writeIn(folder, name, p, data);
      return true;
    }, false);
  }

  /**
   * list: names (raw UTF-8 bytes) of the regular files and folders in a
   * folder, folders with a trailing "/"; symlinks, other kinds and
   * write-atomic's temp files are left out. [] when the folder does not exist.
   * "" is the granted folder.
   */
  list(p) {
    const parts = p === '' ? [] : splitPath(p);
    const dir = resolveFolder(this.root, parts, false);
    if (dir === MISSING) return [];
    let entries;
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true, encoding: 'buffer' });
    } catch (e) {
      if (e.code === 'ENOENT') return [];
      throw ioErr('list', p, e);
    }
    const names = [];
    for (const e of entries) {
      const name = e.name; // a Buffer: file names need not be valid UTF-8
      if (e.isFile() && !TEMP_RE.test(name.toString('latin1'))) names.push(name);
      else if (e.isDirectory()) names.push(Buffer.concat([name, Buffer.from('/')]));
    }
    return names;
  }

  /** remove-dir: removes a folder and everything in it (links as links); false when there was none. */
  removeDir(p) {
    const parts = splitPath(p);
    return this.#withLock(parts, false, (folder) => {
      try {
        fs.rmSync(folder.dir, { recursive: true }); // rm never follows symlinks inside
      } catch (e) {
        throw ioErr('remove folder', p, e);
      }
      return true;
    }, false);
  }
}
