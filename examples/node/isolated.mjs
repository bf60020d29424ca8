// SandCache: the guest and both capabilities in a worker thread, so that a
// call past its deadline can end. The API stays synchronous: the calling
// thread posts the request on a MessagePort and blocks in Atomics.wait on a
// shared state word (with the deadline as its timeout); the worker
// (guest-worker.mjs) takes the request with receiveMessageOnPort, runs it on
// its GuestCache and posts the reply the same way. When the deadline passes
// first, the worker's SQLite statements are interrupted (sqlite3_interrupt,
// through native/sqlguard.c) and the worker is terminated (V8 stops a looping
// guest at its next loop or call check): the instance and its connections
// are discarded, the call throws code 'timeout', and the next call starts a
// fresh worker.
//
// The injected clock is a function of the calling thread: the worker asks
// for it through the same channel (state CLOCK), which the waiting caller
// answers.

import fs from 'node:fs';
import crypto from 'node:crypto';
import { Worker, MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { SandCacheError } from './abi.mjs';
import { compile, DEFAULT_WASM } from './sandcache.mjs';
import { interruptTagged } from './native/host.mjs';
import { DEFAULT_MEMORY_PAGES } from './memlimit.mjs';

/** A call's default deadline (ms): as the Go CLI's --timeout default. */
export const DEFAULT_TIMEOUT_MS = 30_000;
/** How long a fresh worker may take to load the host modules and instantiate (ms). */
const STARTUP_MS = 30_000;

// The shared words: SLOT.STATE holds one of STATE; SLOT.ABANDONED is set by
// the owner when it gives the instance up; SLOT.IN_NATIVE by the worker
// while a capability call runs (see gate in guest-worker.mjs).
export const SLOT = { STATE: 0, ABANDONED: 1, IN_NATIVE: 2 };
export const STATE = { IDLE: 0, REQUEST: 1, REPLY: 2, CLOCK: 3, CLOCK_ANSWER: 4 };
/** The worker's JS heap limit (MB); guest linear memory is outside it (at most 4 GiB). */
const WORKER_HEAP_MB = 1024;
/** How long close() keeps interrupting before it leaves the worker to a reaper (ms). */
const DRAIN_MS = 1_000;

const WORKER = new URL('./guest-worker.mjs', import.meta.url);

/**
 * A cache over one granted folder, served by one guest instance in a worker
 * thread. Methods are synchronous and mirror the WIT `cache` interface (see
 * GuestCache); errors are SandCacheError with `code` a WIT error-code name,
 * 'guest-fault' (the guest trapped), or 'timeout' (the call passed its
 * deadline: the instance was discarded, the mem backend's data with it).
 */
export class SandCache {
  /**
   * @param {string} dir the granted folder (created if missing)
   * @param {object} [cfg]
   * @param {string|Uint8Array} [cfg.wasm] guest module path or bytes (default: host/guest.wasm)
   * @param {() => number|bigint} [cfg.clock] wall clock in ms since the epoch (default: real)
   * @param {number} [cfg.timeoutMs] each call's deadline in ms (default 30 000; Infinity: none)
   * @param {number} [cfg.memoryLimitPages] the guest's linear memory cap in 64 KiB pages (default 2048: 128 MiB)
   */
  constructor(dir, { wasm = DEFAULT_WASM, clock = null, timeoutMs = DEFAULT_TIMEOUT_MS, memoryLimitPages = DEFAULT_MEMORY_PAGES } = {}) {
    if (typeof timeoutMs !== 'number' || !(timeoutMs > 0)) throw new SandCacheError('invalid-argument', 'timeoutMs must be a positive number of milliseconds (Infinity: no deadline)');
    this.module = compile(wasm, memoryLimitPages); // compiled once here, shared with every worker
    fs.mkdirSync(dir, { recursive: true });
    this.dir = fs.realpathSync(dir);
    this.clock = clock;
    this.timeoutMs = timeoutMs;
    this.w = null;
    /** Settles when the last worker ended by close() or a deadline has exited. */
    this.discarded = Promise.resolve();
  }

  /** Ends the worker (and its connections). The cache can be used again after. */
  close() {
    if (!this.w) return;
    const { worker, tag, state } = this.w;
    this.w = null;
    // A statement running in the worker holds its thread in native code,
    // where terminate() cannot reach, and better-sqlite3 aborts the process
    // if its error surfaces while the worker terminates. So: refuse further
    // capability calls, interrupt the running statement (again, in case it
    // had not started yet), and terminate once no capability call runs.
    Atomics.store(state, SLOT.ABANDONED, 1);
    const until = performance.now() + DRAIN_MS;
    for (;;) {
      interruptTagged(tag);
      if (Atomics.load(state, SLOT.IN_NATIVE) === 0 || performance.now() > until) break;
      Atomics.wait(state, SLOT.IN_NATIVE, 1, 5);
    }
    if (Atomics.load(state, SLOT.IN_NATIVE) === 0) {
      this.discarded = worker.terminate();
      return;
    }
    // Still in native code (a blocking system call): reap it when it returns.
    this.discarded = new Promise((resolve) => {
      const reaper = setInterval(() => {
        interruptTagged(tag);
        if (Atomics.load(state, SLOT.IN_NATIVE) === 0) {
          clearInterval(reaper);
          worker.terminate().then(resolve, resolve);
        }
      }, 50);
      reaper.unref();
    });
  }

  #start() {
    const state = new Int32Array(new SharedArrayBuffer(12));
    const { port1, port2 } = new MessageChannel();
    const tag = crypto.randomInt(1, 2 ** 47); // names the worker's connections for interruptTagged
    const worker = new Worker(WORKER, {
      workerData: { dir: this.dir, module: this.module, clock: this.clock !== null, state, port: port2, tag },
      transferList: [port2],
      // A guest that makes the host side allocate without bound kills this
      // worker (ERR_WORKER_OUT_OF_MEMORY), never the process: the call then
      // ends at its deadline.
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
      stdout: false,
      stderr: false,
    });
    worker.unref(); // an idle cache never keeps the process alive
    worker.on('error', () => {}); // reported through the state word (or its absence)
    this.w = { worker, state, port: port1, tag };
    const ready = this.#await(STARTUP_MS, 'start');
    if (!ready.ok) throw new SandCacheError(ready.code, ready.message, 'start');
  }

  /** Waits for the worker's reply, serving clock requests, until timeoutMs. */
  #await(timeoutMs, op) {
    const { state, port } = this.w;
    const end = performance.now() + timeoutMs;
    for (;;) {
      const s = Atomics.load(state, SLOT.STATE);
      if (s === STATE.REPLY) {
        Atomics.store(state, SLOT.STATE, STATE.IDLE);
        return receiveMessageOnPort(port).message;
      }
      if (s === STATE.CLOCK) {
        let v;
        try { v = { ok: true, value: BigInt(this.clock()) }; } catch (e) { v = { ok: false, message: String(e?.message ?? e) }; }
        port.postMessage(v);
        Atomics.store(state, SLOT.STATE, STATE.CLOCK_ANSWER);
        Atomics.notify(state, SLOT.STATE);
        continue;
      }
      const left = end - performance.now();
      if (left <= 0 || Atomics.wait(state, SLOT.STATE, s, left) === 'timed-out' && Atomics.load(state, SLOT.STATE) === s) {
        this.close();
        throw new SandCacheError('timeout', `sandcache: ${op} did not end within ${timeoutMs} ms; the guest instance was discarded`, op);
      }
    }
  }

  #call(op, args) {
    if (!this.w) this.#start();
    const { state, port } = this.w;
    port.postMessage({ op, args });
    Atomics.store(state, SLOT.STATE, STATE.REQUEST);
    Atomics.notify(state, SLOT.STATE);
    const r = this.#await(this.timeoutMs, op);
    if (r.ok) return r.value;
    if (r.fatal) this.close();
    throw new SandCacheError(r.code, r.message, r.op);
  }

  get(key, opts) { return this.#call('get', [key, opts]); }
  put(key, valueJson, opts) { return this.#call('put', [key, valueJson, opts]); }
  delete(key, opts) { return this.#call('delete', [key, opts]); }
  clear(opts) { return this.#call('clear', [opts]); }
  stats(opts) { return this.#call('stats', [opts]); }
  purge(opts) { return this.#call('purge', [opts]); }
  keys(prefix, opts) { return this.#call('keys', [prefix, opts]); }
  llmKey(prompt, system, request) { return this.#call('llmKey', [prompt, system, request]); }
  parseOptions(dictJson) { return this.#call('parseOptions', [dictJson]); }
  parseDuration(text) { return this.#call('parseDuration', [text]); }
}
