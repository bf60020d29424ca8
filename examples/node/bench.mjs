#!/usr/bin/env node
// Per-call latency of the Node host (guest.wasm + better-sqlite3), sqlite
// backend: put and get-hit, each timed call by call, median (and p90, p99)
// of N calls after a warm-up. Usage: node bench.mjs [N] [--backend sqlite|fs|mem] [--in-thread]
// (--in-thread: GuestCache in this thread, no deadline; default: SandCache,
// the guest in a worker thread with a deadline per call)

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SandCache, GuestCache } from './sandcache.mjs';

const args = process.argv.slice(2);
const N = Number(args.find((a) => /^\d+$/.test(a)) ?? 2000);
const bi = args.indexOf('--backend');
const backend = bi >= 0 ? args[bi + 1] : 'sqlite';
const WARMUP = 200;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sandcache-bench-'));
const t0 = process.hrtime.bigint();
const inThread = args.includes('--in-thread');
const cache = inThread ? new GuestCache(dir) : new SandCache(dir);
const opts = { backend, namespace: 'bench', maxEntries: 100_000 }; // no eviction: every get hits
cache.get('warm', opts); // instantiate + open the store
const startMs = Number(process.hrtime.bigint() - t0) / 1e6;

function time(label, n, fn) {
  const us = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = process.hrtime.bigint();
    fn(i);
    us[i] = Number(process.hrtime.bigint() - s) / 1000;
  }
  us.sort();
  const q = (p) => us[Math.min(n - 1, Math.floor(p * n))];
  const mean = us.reduce((a, b) => a + b, 0) / n;
  return { op: label, n, median_us: +q(0.5).toFixed(1), p90_us: +q(0.9).toFixed(1), p99_us: +q(0.99).toFixed(1), mean_us: +mean.toFixed(1) };
}

const value = (i) => JSON.stringify({ i, payload: `value-${i}` });
// warm-up: JIT, SQLite page cache, the guest's prepared statements
for (let i = 0; i < WARMUP; i++) cache.put(`w${i}`, value(i), opts);
for (let i = 0; i < WARMUP; i++) cache.get(`w${i}`, opts);

const results = [
  time('put', N, (i) => cache.put(`k${i}`, value(i), opts)),
  time('get-hit', N, (i) => {
    if (cache.get(`k${i}`, opts).value === null) throw new Error(`miss on k${i}`);
  }),
];
cache.close();
fs.rmSync(dir, { recursive: true, force: true });

console.log(JSON.stringify({ runtime: `node ${process.version}`, backend, host: inThread ? 'in-thread' : 'worker', startup_ms: +startMs.toFixed(1), warmup: WARMUP, results }, null, 2));
