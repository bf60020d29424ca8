// The worker side of SandCache (isolated.mjs): one GuestCache, served
// synchronously. The thread blocks in Atomics.wait until the state word says
// REQUEST, takes the request from its port, runs it, posts the reply and
// sets REPLY. It never returns to its event loop, so a terminate() from the
// owner is its only way out (or a loop in the guest, which terminate() stops).

import { workerData, receiveMessageOnPort } from 'node:worker_threads';
import { GuestCache } from './sandcache.mjs';
import { STATE, SLOT } from './isolated.mjs';
import { setThreadTag } from './native/host.mjs';
import { CapError } from './abi.mjs';

const { dir, module, clock, state, port, tag } = workerData;

function reply(msg) {
  port.postMessage(msg);
  Atomics.store(state, SLOT.STATE, STATE.REPLY);
  Atomics.notify(state, SLOT.STATE);
}

/** The owner's injected clock, asked for through the state word. */
function ownerClock() {
  Atomics.store(state, SLOT.STATE, STATE.CLOCK);
  Atomics.notify(state, SLOT.STATE);
  while (Atomics.load(state, SLOT.STATE) === STATE.CLOCK) Atomics.wait(state, SLOT.STATE, STATE.CLOCK);
  const a = receiveMessageOnPort(port).message;
  Atomics.store(state, SLOT.STATE, STATE.REQUEST);
  if (!a.ok) throw new Error(`clock: ${a.message}`);
  return a.value;
}

/**
 * Every capability call that reaches native code: marked in state[IN_NATIVE]
 * for the owner, refused once the owner set state[ABANDONED] (better-sqlite3
 * aborts the process if it must throw while the worker is being terminated,
 * so the owner terminates only between such calls).
 */
function gate(fn) {
  Atomics.store(state, SLOT.IN_NATIVE, 1);
  try {
    if (Atomics.load(state, SLOT.ABANDONED)) throw new CapError('internal', 'sandcache: the call passed its deadline');
    return fn();
  } finally {
    Atomics.store(state, SLOT.IN_NATIVE, 0);
    Atomics.notify(state, SLOT.IN_NATIVE);
  }
}

let cache;
try {
  setThreadTag(tag); // the owner interrupts this thread's guest connections by this tag
  cache = new GuestCache(dir, { wasm: module, clock: clock ? ownerClock : null, gate });
  reply({ ok: true });
} catch (e) {
  reply({ ok: false, fatal: true, code: e.code ?? 'internal', message: String(e?.message ?? e) });
}

for (;;) {
  for (let s; (s = Atomics.load(state, SLOT.STATE)) !== STATE.REQUEST;) Atomics.wait(state, SLOT.STATE, s);
  const { op, args } = receiveMessageOnPort(port).message;
  try {
    reply({ ok: true, value: cache[op](...args) });
  } catch (e) {
    reply({ ok: false, code: e.code ?? 'internal', message: String(e?.message ?? e), op: e.op ?? op });
  }
}
