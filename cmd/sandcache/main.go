// Command sandcache is the command-line face of the sandcache cache: a
// persistent key → JSON cache whose logic runs as a sandboxed WebAssembly
// guest confined to one folder. Run "sandcache help" for the commands.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"
)

// version is the sandcache release this binary belongs to.
const version = "0.1.0"

const usageText = `usage: sandcache [global flags] COMMAND [ARGS]

commands:
  get KEY                  print the value (JSON); exit 1 on a miss
  put KEY [VALUE_JSON|-]   store a value, from the argument or from stdin ("-" or absent)
  delete KEY               remove an entry; exit 1 when there was none
  clear                    remove every entry of the namespace
  purge                    remove the expired entries of every namespace; print how many
  keys [--prefix P]        list the namespace's live keys
  stats                    entries and counters of the namespace
  llm-key PROMPT_JSON [SYSTEM_JSON]
                           print the LLM cache key sha256:<hex>; the request comes from
                           --options and the flags --provider, --model, --max-tokens,
                           --temperature, --top-p, --extra JSON_OBJECT
  duration TEXT            print a duration ("1.5h", "500ms", "10") in whole seconds
  demo                     a short tour of the cache, with timings
  bench [--full | --quick] [--runs N] [--ops N | --duration D] [--backends sqlite,fs,mem,postgres]
        [--entries N,N] [--callers N,N] [--against harncache=PATH]
                           measure get, put, delete and llm-key sandboxed and natively (median
                           of N runs, default 5, one progress line per case on stderr; about a
                           minute; --full: every backend, size and 1/2/4 callers), start-up
                           and memory per guest instance; --against: 1000 puts then gets
                           through the SDK and through the original (harncache bench-put,
                           bench-get) on disk and tmpfs; --json for one JSON document;
                           postgres (server from --dsn): get-hit, get-miss and put with
                           1, 4 and 8 callers unless --callers, vs the same statements
                           run natively through pgx
  run MODULE.wasm [ARGS...]
                           run a WASI command plugin (_start) with wasi:keyvalue over --dir
                           (bucket names are namespaces), its ARGS (verbatim) and stdio, no
                           preopens, no environment; exit with its exit code (a trap: 2);
                           global flags go before MODULE.wasm (--backend, --max-entries per
                           bucket, --timeout for the whole run)
  version                  print the version

global flags (before or after the command):
  --dir DIR                folder granted to the cache (default $SANDCACHE_DIR, else the
                           user cache folder + /sandcache)
  --backend B              sqlite (default), fs (file, files), mem (memory, lru) or
                           postgres (the server --dsn names, shared by every machine
                           pointed at it)
  --dsn URL                PostgreSQL server of --backend postgres (postgres://... or
                           key=value; default $SANDCACHE_DSN)
  --path P                 SQLite file or fs root folder, relative to the working
                           directory; the cache is granted only the folder holding it
  --namespace NS           namespace (default "default")
  --ttl DURATION           time to live of a put (default 10m)
  --max-entries N          entries kept per namespace (default 256)
  --options JSON           a Harn option dictionary; the flags above override it
  --json                   print JSON envelopes: {"hit":...}, {"key":...,"stored":true},
                           errors as {"error":"..."} on stdout
  --timeout DURATION       deadline of the command (default 30s; 0 = none), e.g. 500ms,
                           2m; a command past it, or interrupted by SIGINT or SIGTERM,
                           stops with an error and exit status 2 (bench: none by default)

environment:
  SANDCACHE_DIR                the default --dir
  SANDCACHE_DSN                the default --dsn
  SANDCACHE_NOW_MS             fixes the clock (ms since the Unix epoch), for tests
  SANDCACHE_NO_COMPILE_CACHE=1 do not keep the compiled guest on disk

exit status: 0 success, 1 miss (get, delete), 2 error or bad usage.
`

func main() {
	tuneGCForOneShot(os.Args[1:])
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// errHelp asks for the usage text.
var errHelp = errors.New("help")

// errMiss ends a command with exit status 1 and no message.
var errMiss = errors.New("miss")

// exitCode ends a command with that exit status and no further message.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// app is one invocation: the streams, the global flags and the command's
// own flags.
type app struct {
	ctx    context.Context
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	g      globals
	flags  *flagSet

	keysPrefix string    // keys --prefix
	llm        llmValues // llm-key's request flags
	bench      benchValues

	clockFn func() time.Time // replaces the clock (demo); nil: real or SANDCACHE_NOW_MS
	server  bool             // lend the server: the options name postgres by an alias or in --options
}

// command is one subcommand: it registers its flags, then runs on its
// positional arguments, from minArgs to maxArgs of them (dispatch checks).
type command struct {
	usage            string // the synopsis a usage error shows
	minArgs, maxArgs int
	flags            func(a *app, fs *flagSet)
	run              func(a *app, args []string) error
	// verbatim: flags end at the first positional argument; the rest
	// (run's MODULE.wasm [ARGS...]) is passed as it is.
	verbatim bool
}

var commands = map[string]command{
	"get":      {usage: "get KEY", minArgs: 1, maxArgs: 1, run: cmdGet},
	"put":      {usage: "put KEY [VALUE_JSON | -]", minArgs: 1, maxArgs: 2, run: cmdPut},
	"delete":   {usage: "delete KEY", minArgs: 1, maxArgs: 1, run: cmdDelete},
	"clear":    {usage: "clear", run: cmdClear},
	"purge":    {usage: "purge", run: cmdPurge},
	"keys":     {usage: "keys [--prefix P]", flags: keysFlags, run: cmdKeys},
	"stats":    {usage: "stats", run: cmdStats},
	"llm-key":  {usage: "llm-key PROMPT_JSON [SYSTEM_JSON]", minArgs: 1, maxArgs: 2, flags: llmFlags, run: cmdLLMKey},
	"duration": {usage: "duration TEXT", minArgs: 1, maxArgs: 1, run: cmdDuration},
	"demo":     {usage: "demo", run: cmdDemo},
	"bench":    {usage: benchUsage, flags: benchFlags, run: cmdBench},
	"version":  {usage: "version", run: cmdVersion},
	"run":      {usage: "run [global flags] MODULE.wasm [ARGS...]", minArgs: 1, maxArgs: math.MaxInt, run: cmdRun, verbatim: true},
}

// run executes the command line args and returns the exit status.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a := &app{ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr, flags: newFlagSet()}
	a.g.register(a.flags)
	return a.finish(a.dispatch(args))
}

func (a *app) dispatch(args []string) error {
	_, rest, err := a.flags.parse(args, true)
	if err != nil {
		return err
	}
	if len(rest) == 0 {
		return usagef("no command given")
	}
	name := rest[0]
	if name == "help" {
		return errHelp
	}
	cmd, ok := commands[name]
	if !ok {
		return usagef("unknown command %q", name)
	}
	if cmd.flags != nil {
		cmd.flags(a, a.flags)
	}
	pos, tail, err := a.flags.parse(rest[1:], cmd.verbatim)
	if err != nil {
		return err
	}
	if cmd.verbatim {
		pos = tail
	}
	if err := a.g.check(); err != nil {
		return err
	}
	timeout, err := parseTimeout(a.g.timeout, name)
	if err != nil {
		return err
	}
	if len(pos) < cmd.minArgs || len(pos) > cmd.maxArgs {
		return usagef("usage: sandcache %s", cmd.usage)
	}
	return a.runWithDeadline(cmd, pos, timeout)
}

// finish reports err and returns the exit status.
func (a *app) finish(err error) int {
	var ue *usageError
	var code exitCode
	switch {
	case err == nil:
		return 0
	case errors.As(err, &code):
		return int(code)
	case errors.Is(err, errMiss):
		return 1
	case errors.Is(err, errHelp):
		fmt.Fprint(a.stdout, usageText)
		return 0
	case errors.As(err, &ue):
		if a.g.json {
			a.writeJSON(errorEnvelope(ue.msg))
		}
		fmt.Fprintf(a.stderr, "sandcache: %s\n\n%s", ue.msg, usageText)
		return 2
	}
	msg := errorMessage(err)
	if a.g.json {
		a.writeJSON(errorEnvelope(msg))
	} else {
		fmt.Fprintf(a.stderr, "sandcache: %s\n", msg)
	}
	return 2
}

func cmdVersion(a *app, _ []string) error {
	if a.g.json {
		return a.writeJSON(jsonObject("version", jsonString(version), "go", jsonString(runtime.Version())))
	}
	_, err := fmt.Fprintf(a.stdout, "sandcache %s (%s)\n", version, runtime.Version())
	return err
}
