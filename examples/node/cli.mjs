#!/usr/bin/env node
// sandcache from Node: the same guest.wasm as the Go CLI, printing JSON.
//
//   node cli.mjs [flags] get KEY
//   node cli.mjs [flags] put KEY VALUE_JSON
//   node cli.mjs [flags] delete KEY | clear | keys [PREFIX] | stats | purge
//   node cli.mjs llm-key PROMPT_JSON [SYSTEM_JSON|null] [REQUEST_JSON]
//   node cli.mjs duration TEXT
//
// flags: --dir DIR (granted folder; default $SANDCACHE_DIR, else ./.sandcache)
//        --backend sqlite|fs|mem  --namespace NS  --path P (relative to --dir)
//        --ttl DURATION  --max-entries N  --options HARN_OPTIONS_JSON
//        --wasm PATH (default ../../host/guest.wasm)
//        --timeout DURATION (each call's deadline: 500ms, 30s, 2m, 1h; default 30s; 0 = none)
// environment: SANDCACHE_NOW_MS fixes the clock (ms since the epoch).
// Output: one JSON line. get prints {"hit":true,"value":V} or {"hit":false},
// put {"key":K,"stored":true}; an error prints {"error":"<message>"} and
// exits 1; a usage error, or a call past its deadline, exits 2.

import { SandCache, SandCacheError, DEFAULT_WASM } from './sandcache.mjs';

const USAGE = 'usage: cli.mjs [--dir DIR] [--backend B] [--namespace NS] [--path P] [--ttl D] [--max-entries N] [--options JSON] [--wasm PATH] [--timeout D] COMMAND ARGS...\n' +
  'commands: get KEY | put KEY VALUE_JSON | delete KEY | clear | keys [PREFIX] | stats | purge | llm-key PROMPT_JSON [SYSTEM_JSON] [REQUEST_JSON] | duration TEXT';

function parseArgs(argv) {
  const flags = {};
  const pos = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') { pos.push(...argv.slice(i + 1)); break; }
    if (/^--[a-z]/.test(a)) {
      const [name, inline] = a.slice(2).split(/=(.*)/s);
      if (!['dir', 'backend', 'namespace', 'path', 'ttl', 'max-entries', 'options', 'wasm', 'timeout'].includes(name)) throw new Error(`unknown flag --${name}`);
      const value = inline ?? argv[++i];
      if (value === undefined) throw new Error(`flag --${name} needs a value`);
      flags[name] = value;
    } else {
      pos.push(a);
    }
  }
  return { flags, pos };
}

/** --timeout: a number and a unit (ms, s, m, h; seconds when none) to ms; 0 is no deadline. */
function parseTimeout(text = '30s') {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text);
  if (!m) throw new Error(`--timeout: ${JSON.stringify(text)} is not a duration (500ms, 30s, 2m, 1h or 0)`);
  const ms = Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? 's'];
  return ms === 0 ? Infinity : ms;
}

function main(argv) {
  let flags, pos;
  try {
    ({ flags, pos } = parseArgs(argv));
    if (pos.length === 0) throw new Error('no command given');
    flags.timeoutMs = parseTimeout(flags.timeout);
  } catch (e) {
    process.stderr.write(`${e.message}\n${USAGE}\n`);
    return 2;
  }
  const now = process.env.SANDCACHE_NOW_MS;
  const cache = new SandCache(flags.dir ?? process.env.SANDCACHE_DIR ?? '.sandcache', {
    wasm: flags.wasm ?? DEFAULT_WASM,
    clock: now ? () => BigInt(now) : null,
    timeoutMs: flags.timeoutMs,
  });
  const [cmd, ...args] = pos;
  const need = (min, max) => {
    if (args.length < min || args.length > max) throw new SandCacheError('usage', `${cmd}: wrong number of arguments`);
  };
  const options = () => {
    // What the user gave: --options as the Harn dictionary (the guest parses
    // it, after the call's own arguments), the flags over it; the guest fills
    // the rest.
    const o = {};
    if (flags.options !== undefined) o.dict = flags.options;
    // Backend names and aliases are the guest's (parse-options), not a copy here.
    if (flags.backend) o.backend = cache.parseOptions(JSON.stringify({ backend: flags.backend })).backend;
    if (flags.namespace !== undefined) o.namespace = flags.namespace;
    if (flags.path !== undefined) o.path = flags.path;
    // the guest's conversion to milliseconds (exact, saturating), as for a dictionary's ttl
    if (flags.ttl !== undefined) o.ttlMs = cache.parseOptions(JSON.stringify({ ttl: flags.ttl })).ttlMs;
    if (flags['max-entries'] !== undefined) {
      const m = flags['max-entries'];
      o.maxEntries = /^-?\d+$/.test(m) ? BigInt(m) : m; // s64; the guest clamps it
    }
    return o;
  };
  try {
    let out;
    switch (cmd) {
      case 'get': {
        need(1, 1);
        const l = cache.get(args[0], options());
        out = l.value === null ? '{"hit":false}' : `{"hit":true,"value":${l.value}}`;
        break;
      }
      case 'put':
        need(2, 2);
        cache.put(args[0], args[1], options());
        out = `{"key":${JSON.stringify(args[0])},"stored":true}`;
        break;
      case 'delete':
        need(1, 1);
        out = `{"deleted":${cache.delete(args[0], options())}}`;
        break;
      case 'clear':
        need(0, 0);
        cache.clear(options());
        out = 'null';
        break;
      case 'keys':
        need(0, 1);
        out = JSON.stringify(cache.keys(args[0] ?? '', options()));
        break;
      case 'stats': {
        need(0, 0);
        const s = cache.stats(options());
        out = `{"entries":${s.entries},"expired":${s.expired}}`;
        break;
      }
      case 'purge':
        need(0, 0);
        out = String(cache.purge(options()));
        break;
      case 'llm-key':
        need(1, 3);
        out = JSON.stringify(cache.llmKey(args[0], args[1] ?? null, args[2] ?? null));
        break;
      case 'duration':
        need(1, 1);
        out = String(cache.parseDuration(args[0]));
        break;
      default:
        throw new SandCacheError('usage', `unknown command ${cmd}`);
    }
    process.stdout.write(out + '\n');
    return 0;
  } catch (e) {
    if (e.code === 'timeout') {
      process.stdout.write(`{"error":${JSON.stringify(e.message)}}\n`);
      return 2;
    }
    if (e.code === 'usage') {
      process.stderr.write(`${e.message}\n${USAGE}\n`);
      return 2;
    }
    if (!(e instanceof SandCacheError)) throw e;
    process.stdout.write(`{"error":${JSON.stringify(e.message)}}\n`);
    return 1;
  } finally {
    cache.close();
  }
}

process.exitCode = main(process.argv.slice(2));
