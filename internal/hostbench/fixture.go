package hostbench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/sandcache/sandcache/internal/guest/llmkey"
	"github.com/sandcache/sandcache/internal/guest/options"
	"github.com/sandcache/sandcache/internal/host"
)

// Op is one measured operation.
type Op string

// The operations.
const (
	// GetHit reads a present entry (and refreshes its LRU position).
	GetHit Op = "get-hit"
	// GetMiss reads an absent key.
	GetMiss Op = "get-miss"
	// Put writes a new key into a full namespace, so every put also evicts
	// the least recently used entry (max_entries = the namespace size; keys
	// cycle over twice as many).
	Put Op = "put"
	// Delete removes a present entry. Deleted entries are put back between
	// rounds of deletes, with the timer stopped.
	Delete Op = "delete"
	// LLMKey derives the LLM cache key of a ~1 KB chat prompt. It touches no
	// store, so it is measured once rather than per backend.
	LLMKey Op = "llm-key"
)

// Ops lists the operations in report order.
var Ops = []Op{GetHit, GetMiss, Put, Delete, LLMKey}

// StoreOps are the operations that run against a store.
var StoreOps = []Op{GetHit, GetMiss, Put, Delete}

// Namespaces of a fixture: one for gets and deletes, one for puts (whose
// evictions would otherwise remove the entries gets expect).
const (
	mainNS = "bench"
	putNS  = "bench-put"
)

// Value is the JSON value every put stores (a small LLM-style response).
var Value = []byte(`{"answer":"The quick brown fox jumps over the lazy dog.","tokens":[1,2,3,4,5],"score":0.75}`)

// Fixture is a pair of equal stores of one backend, one per side, each
// holding two namespaces of Entries entries (max_entries = Entries), and
// open with a pool of Pool instances (sandboxed) or engines (native).
//
// Runs on one Fixture must not overlap; each Run may use many goroutines.
type Fixture struct {
	Backend host.Backend
	Entries int
	Pool    int

	root  string
	sides [2]*fixtureSide
	clock barrier // the sandboxed side's guest clock
	main  nsOpts
	put   nsOpts

	mainKeys []string // Entries keys present in mainNS
	putKeys  []string // 2×Entries keys; the first Entries are present in putNS at first
	missKeys []string // keys never stored
	stride   int      // get-hit visits mainKeys in this stride (coprime with Entries)
	llmWant  string   // the key both sides must derive
}

type fixtureSide struct {
	t                              target
	dir                            string
	hit, miss, putAt, delAt, llmAt int64 // cursors, so runs continue where the last stopped
}

// NewFixture creates both sides' stores under a new folder in tmp ("" means
// the system's temporary folder) and fills them. entries may be 0 for a
// fixture that only runs LLMKey. logf, if not nil, reports slow steps.
//
// Filling uses the guest's cache engine compiled natively wherever the
// store is reachable from outside the sandbox (the file formats are the
// same on both sides): the sqlite file is filled in one transaction and
// copied for the sandboxed side; each side's fs folder is filled without
// fsync; the native mem database is filled in one transaction. The
// sandboxed mem database lives inside its Sandbox, so it is filled through
// the sandbox, with Pool callers. Then prewarm makes every instance exist.
func NewFixture(ctx context.Context, tmp string, backend host.Backend, entries, pool int, logf func(format string, args ...any)) (f *Fixture, err error) {
	return newFixture(ctx, tmp, backend, "", entries, pool, logf)
}

// newFixture is NewFixture; dsn is the server of the postgres backend
// (NewPostgresFixture).
func newFixture(ctx context.Context, tmp string, backend host.Backend, dsn string, entries, pool int, logf func(format string, args ...any)) (f *Fixture, err error) {
	if entries < 0 || entries > options.MaxMaxEntries {
		return nil, fmt.Errorf("hostbench: entries must be 0..%d; got %d", options.MaxMaxEntries, entries)
	}
	if backend != host.SQLite && backend != host.FS && backend != host.Mem && (backend != host.Postgres || dsn == "") {
		return nil, fmt.Errorf("hostbench: unknown backend %v", backend)
	}
	if logf == nil {
		logf = func(string, ...any) {}
	}
	start := time.Now()
	root, err := os.MkdirTemp(tmp, "sandcache-bench-")
	if err != nil {
		return nil, err
	}
	f = &Fixture{Backend: backend, Entries: entries, Pool: max(pool, 1), root: root}
	made := f // the returns below set f to nil on failure
	defer func() {
		if err != nil {
			made.Close()
		}
	}()
	f.makeKeys()
	f.main = makeOpts(backend, mainNS, max(entries, 1))
	f.put = makeOpts(backend, putNS, max(entries, 1))
	if backend == host.Postgres {
		// Both sides share the server: each gets namespaces of its own.
		f.main.n.Namespace += nativeNSSuffix
		f.put.n.Namespace += nativeNSSuffix
	}
	if f.llmWant, err = llmkey.Key(LLMPrompt, LLMSystem, LLMRequest); err != nil {
		return nil, fmt.Errorf("hostbench: llm-key: %w", err)
	}

	dirs := [2]string{filepath.Join(root, "sandboxed"), filepath.Join(root, "native")}
	for _, d := range dirs {
		if err := os.Mkdir(d, 0o755); err != nil {
			return nil, err
		}
	}
	switch {
	case entries == 0 || backend == host.Mem || backend == host.Postgres:
	case backend == host.SQLite:
		// Fill the native side's file, then copy it.
		if err := fillFolder(ctx, dirs[Native], f); err != nil {
			return nil, err
		}
		if err := copyTree(dirs[Native], dirs[Sandboxed]); err != nil {
			return nil, err
		}
	default:
		// Thousands of small files: filling is quicker than copying.
		for _, d := range dirs {
			if err := fillFolder(ctx, d, f); err != nil {
				return nil, err
			}
		}
	}
	sb, err := openSandbox(ctx, dirs[Sandboxed], f.Pool, f.clock.now, dsn)
	if err != nil {
		return nil, err
	}
	f.sides[Sandboxed] = &fixtureSide{t: sb, dir: dirs[Sandboxed]}
	nt, err := openNative(ctx, dirs[Native], f.Pool, dsn)
	if err != nil {
		return nil, err
	}
	f.sides[Native] = &fixtureSide{t: nt, dir: dirs[Native]}
	if entries > 0 && backend == host.Mem {
		if err := fillNative(ctx, nt, dirs[Native], f); err != nil {
			return nil, err
		}
		if err := f.fillParallel(sb); err != nil {
			return nil, fmt.Errorf("hostbench: fill sandboxed mem: %w", err)
		}
	}
	if entries > 0 && backend == host.Postgres {
		for _, s := range f.sides {
			if err := f.fillParallel(s.t); err != nil {
				return nil, fmt.Errorf("hostbench: fill postgres: %w", err)
			}
		}
	}
	if err := f.prewarm(ctx); err != nil {
		return nil, err
	}
	logf("%v, %d entries: stores filled in %v", backend, entries, time.Since(start).Round(time.Millisecond))
	return f, nil
}

// Close closes both sides and removes the fixture's folder.
func (f *Fixture) Close() error {
	var errs []error
	for _, s := range f.sides {
		if s != nil {
			errs = append(errs, s.t.close())
		}
	}
	errs = append(errs, os.RemoveAll(f.root))
	return errors.Join(errs...)
}

// Dir returns the folder of a side's store.
func (f *Fixture) Dir(side Side) string { return f.sides[side].dir }

func (f *Fixture) makeKeys() {
	n := f.Entries
	f.mainKeys = make([]string, n)
	for i := range f.mainKeys {
		f.mainKeys[i] = fmt.Sprintf("bench:entry:%08d", i)
	}
	f.putKeys = make([]string, 2*n)
	for i := range f.putKeys {
		f.putKeys[i] = fmt.Sprintf("bench:put:%08d", i)
	}
	f.missKeys = make([]string, 4096)
	for i := range f.missKeys {
		f.missKeys[i] = fmt.Sprintf("bench:missing:%08d", i)
	}
	f.stride = 1
	for _, p := range []int{7919, 104729, 1299709, 15485863} {
		if n == 0 || gcd(p, n) == 1 {
			f.stride = p
			break
		}
	}
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// prewarm makes each side's pool hold Pool instances (engines), each with
// its store open and, for fs, its namespace index built by a put, so that
// no measurement pays for creating one. The sandbox's pool makes an
// instance only when every other is busy: the guest clock holds Pool calls
// until all are inside the guest.
func (f *Fixture) prewarm(ctx context.Context) error {
	sb := f.sides[Sandboxed]
	err := f.clock.together(f.Pool, func(int) error {
		_, err := sb.t.get(f.missKeys[0], &f.main)
		return err
	})
	if err == nil && f.Entries > 0 {
		base := sb.putAt
		sb.putAt += int64(f.Pool)
		err = f.clock.together(f.Pool, func(i int) error {
			_, err := sb.t.put(f.putKeys[(int64(f.Entries)+base+int64(i))%int64(2*f.Entries)], Value, &f.put)
			return err
		})
	}
	if err != nil {
		return fmt.Errorf("hostbench: prewarm sandboxed %v: %w", f.Backend, err)
	}
	nt := f.sides[Native]
	n := nt.t.(*nativeTarget)
	var engines []*nativeEngine
	defer func() {
		for _, e := range engines {
			n.release(e)
		}
	}()
	for range f.Pool {
		e, err := n.acquire()
		if err != nil {
			return err
		}
		engines = append(engines, e)
		if _, err := e.e.Get(f.missKeys[0], &f.main.n); err != nil {
			return fmt.Errorf("hostbench: prewarm native %v: %w", f.Backend, err)
		}
		if f.Entries > 0 {
			k := f.putKeys[(int64(f.Entries)+nt.putAt)%int64(2*f.Entries)]
			nt.putAt++
			if _, err := e.e.Put(k, Value, &f.put.n); err != nil {
				return fmt.Errorf("hostbench: prewarm native %v: %w", f.Backend, err)
			}
		}
	}
	return nil
}

// fillParallel fills both namespaces through t, from Pool goroutines.
func (f *Fixture) fillParallel(t target) error {
	_, _, err := parallel(f.Pool, int64(f.Entries), time.Time{}, func(i int64) error {
		if _, err := t.put(f.mainKeys[i], Value, &f.main); err != nil {
			return err
		}
		_, err := t.put(f.putKeys[i], Value, &f.put)
		return err
	})
	return err
}

// fill puts both namespaces' initial entries; it stops when ctx ends (a
// fill of 100 000 entries takes seconds).
func (f *Fixture) fill(ctx context.Context, put func(key string, value []byte, o *nsOpts) (uint32, error)) error {
	for i := range f.Entries {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if _, err := put(f.mainKeys[i], Value, &f.main); err != nil {
			return err
		}
		if _, err := put(f.putKeys[i], Value, &f.put); err != nil {
			return err
		}
	}
	return nil
}
