package host

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/sandcache/sandcache/internal/filecap"
	"github.com/sandcache/sandcache/internal/pgcap"
	"github.com/sandcache/sandcache/internal/sqlcap"
	"github.com/sandcache/sandcache/internal/testhooks"
	"github.com/sandcache/sandcache/internal/witabi"
)

// Sandbox is one granted folder with a pool of guest instances serving it.
// It is safe for concurrent use. Every cache file the guest touches lives
// under the folder; nothing outside it can be reached.
type Sandbox struct {
	dir      string
	grant    *sqlcap.Grant
	server   *pgcap.Capability // nil unless the Config lends a server
	files    *filecap.Files
	clock    func() time.Time
	maxKey   int
	maxValue int
	pool     *pool

	closeOnce sync.Once // a second Close waits for the first to finish
}

// Open grants dir (created if missing) to a new Sandbox configured by cfg.
// The guest module is compiled on the first Open of the process for a given
// compilation-cache folder and memory limit, and reused afterwards.
func Open(ctx context.Context, dir string, cfg Config) (*Sandbox, error) {
	if cfg.poolSize == 0 {
		return nil, newError("open", ErrInvalidArgument, "host.Config must come from host.NewConfig", nil)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, newError("open", ErrIO, fmt.Sprintf("cannot create the cache folder: %v", err), err)
	}
	e, err := engineFor(ctx, cfg, testhooks.Guest(ctx))
	if err != nil {
		return nil, newError("open", ErrInternal, err.Error(), err)
	}
	return openOn(e, dir, cfg)
}

// openOn opens a Sandbox on dir served by engine e.
func openOn(e *engine, dir string, cfg Config) (*Sandbox, error) {
	grant, err := sqlcap.NewGrant(dir, cfg.sqlLimits())
	if err != nil {
		return nil, newError("open", ErrIO, err.Error(), err)
	}
	files, err := filecap.Open(dir, filecap.WithSizeLimit(cfg.fileSizeLimit()))
	if err != nil {
		grant.Close()
		return nil, newError("open", ErrIO, err.Error(), err)
	}
	server, err := cfg.connectServer()
	if err != nil {
		files.Close()
		grant.Close()
		return nil, newError("open", ErrInvalidArgument, err.Error(), err)
	}
	sb := &Sandbox{
		dir:      dir,
		grant:    grant,
		server:   server,
		files:    files,
		clock:    cfg.clock,
		maxKey:   cfg.maxKeyBytes,
		maxValue: cfg.maxValueBytes,
	}
	sb.pool = newPool(cfg.poolSize, func(ctx context.Context) (*instance, error) {
		return newInstance(ctx, e, sb)
	})
	return sb, nil
}

// Dir returns the granted folder.
func (sb *Sandbox) Dir() string { return sb.dir }

// Close waits for calls in flight, then releases every instance, connection
// and the in-memory database. Calls after Close fail with ErrClosed. A call
// still running closeGrace (500 ms) after Close began is interrupted: it
// fails with ErrClosed once the guest reaches its next interrupt check or
// capability call (a looping guest: within a millisecond or so).
func (sb *Sandbox) Close() error {
	sb.closeOnce.Do(func() {
		sb.pool.close()
		sb.files.Close()
		sb.grant.Close()
		if sb.server != nil {
			sb.server.Close()
		}
		testhooks.SetCapabilities(sb, testhooks.Capabilities{})
	})
	return nil
}

// invoke runs one export on a pooled instance through the generated glue:
// call returns the guest's error (an error value: the instance stays) and
// the glue's error (a trap, a broken ABI: the instance is replaced).
func (sb *Sandbox) invoke(ctx context.Context, op string, call func(ctx context.Context, x *witabi.CacheExports) (*witabi.Error, error)) error {
	if err := ctx.Err(); err != nil { // else the pool's select runs it or not, at random
		return newError(op, ErrGuestFault, "call interrupted: "+err.Error(), err)
	}
	in, err := sb.pool.get(ctx)
	if err != nil {
		if err == ErrClosed {
			return newError(op, ErrClosed, "sandbox is closed", nil)
		}
		if errors.Is(err, errSandboxClosing) {
			return newError(op, ErrClosed, "sandbox is closed", err)
		}
		if errors.Is(err, errBadGuest) {
			return newError(op, ErrGuestFault, err.Error(), err)
		}
		// A new instance's _initialize may be interrupted by the deadline
		// (seen by the interrupt check's clock before the context's timer).
		if ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			msg, _, _ := strings.Cut(err.Error(), "\n")
			return newError(op, ErrGuestFault, "no instance before the deadline: "+msg, err)
		}
		return newError(op, ErrInternal, err.Error(), err)
	}
	broken := true
	defer func() { sb.pool.put(in, broken) }()
	in.sql.SetContext(ctx)
	defer in.sql.SetContext(context.Background())
	cctx := context.WithValue(ctx, instanceKey{}, in)
	gerr, err := call(cctx, in.x)
	if err != nil {
		return in.fault(cctx, op, err)
	}
	broken = false
	if gerr != nil {
		return guestError(op, uint8(gerr.Code), gerr.Message)
	}
	return nil
}

// checkKey enforces the host's limits before anything crosses into the guest.
func (sb *Sandbox) checkKey(op, key string) error {
	if len(key) > sb.maxKey {
		return newError(op, ErrInvalidArgument, fmt.Sprintf("key is %d bytes; the limit is %d", len(key), sb.maxKey), nil)
	}
	if !utf8.ValidString(key) {
		return newError(op, ErrInvalidArgument, "key is not valid UTF-8", nil)
	}
	return nil
}

// checkValue enforces the host's value limit before a value crosses into
// the guest.
func (sb *Sandbox) checkValue(op string, value []byte) error {
	if len(value) > sb.maxValue {
		return newError(op, ErrInvalidArgument, fmt.Sprintf("value is %d bytes; the limit is %d", len(value), sb.maxValue), nil)
	}
	return nil
}

// ownedBytes views s as a byte slice without a copy, for a string nothing
// else may write through: one the glue has just copied out of the guest
// (and that nothing else holds), or read-only data such as the embedded
// guest.
func ownedBytes(s string) []byte {
	if s == "" {
		return []byte{}
	}
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// invokeValue is invoke for an export that returns a value: the value, or
// the zero T with the error.
func invokeValue[T any](ctx context.Context, sb *Sandbox, op string, call func(ctx context.Context, x *witabi.CacheExports) (T, *witabi.Error, error)) (T, error) {
	var v T
	err := sb.invoke(ctx, op, func(ctx context.Context, x *witabi.CacheExports) (gerr *witabi.Error, err error) {
		v, gerr, err = call(ctx, x)
		return gerr, err
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return v, nil
}

// Get looks key up; a hit refreshes its LRU position.
func (sb *Sandbox) Get(ctx context.Context, key string, o Options) (Lookup, error) {
	const op = "get"
	if err := sb.checkKey(op, key); err != nil {
		return Lookup{}, err
	}
	v, err := invokeValue(ctx, sb, op, func(ctx context.Context, x *witabi.CacheExports) (witabi.Lookup, *witabi.Error, error) {
		return x.Get(ctx, key, o.abi())
	})
	if err != nil {
		return Lookup{}, err
	}
	l := Lookup{Expired: v.Expired}
	if v.Value.Some {
		l.Value, l.Hit = ownedBytes(v.Value.Value), true
	}
	return l, nil
}

// Put stores value (JSON text) under key, then evicts.
func (sb *Sandbox) Put(ctx context.Context, key string, value []byte, o Options) (PutOutcome, error) {
	const op = "put"
	if err := sb.checkKey(op, key); err != nil {
		return PutOutcome{}, err
	}
	if err := sb.checkValue(op, value); err != nil {
		return PutOutcome{}, err
	}
	return invokeValue(ctx, sb, op, func(ctx context.Context, x *witabi.CacheExports) (PutOutcome, *witabi.Error, error) {
		// The glue copies value into the guest before returning: a view.
		return x.Put(ctx, key, unsafe.String(unsafe.SliceData(value), len(value)), o.abi())
	})
}

// Delete removes key and reports whether a live entry existed.
func (sb *Sandbox) Delete(ctx context.Context, key string, o Options) (bool, error) {
	const op = "delete"
	if err := sb.checkKey(op, key); err != nil {
		return false, err
	}
	return invokeValue(ctx, sb, op, func(ctx context.Context, x *witabi.CacheExports) (bool, *witabi.Error, error) {
		return x.Delete(ctx, key, o.abi())
	})
}

// Clear removes every entry of the namespace.
func (sb *Sandbox) Clear(ctx context.Context, o Options) error {
	return sb.invoke(ctx, "clear", func(ctx context.Context, x *witabi.CacheExports) (*witabi.Error, error) {
		return x.Clear(ctx, o.abi())
	})
}

// Stats counts the namespace's entries.
func (sb *Sandbox) Stats(ctx context.Context, o Options) (StoreStats, error) {
	return invokeValue(ctx, sb, "stats", func(ctx context.Context, x *witabi.CacheExports) (StoreStats, *witabi.Error, error) {
		return x.Stats(ctx, o.abi())
	})
}

// Purge removes expired entries of every namespace of the store.
func (sb *Sandbox) Purge(ctx context.Context, o Options) (uint64, error) {
	return invokeValue(ctx, sb, "purge", func(ctx context.Context, x *witabi.CacheExports) (uint64, *witabi.Error, error) {
		return x.Purge(ctx, o.abi())
	})
}

// Keys lists the live keys of the namespace that start with prefix, sorted.
func (sb *Sandbox) Keys(ctx context.Context, prefix string, o Options) ([]string, error) {
	const op = "keys"
	if err := sb.checkKey(op, prefix); err != nil && prefix != "" {
		return nil, err
	}
	return invokeValue(ctx, sb, op, func(ctx context.Context, x *witabi.CacheExports) ([]string, *witabi.Error, error) {
		return x.Keys(ctx, prefix, o.abi())
	})
}

// LLMKey returns the canonical LLM cache key "sha256:<hex>" (docs/SPEC.md §7).
// prompt and system are JSON (system nil when absent); request is a JSON
// object of provider, model, max_tokens, temperature, top_p and further
// response-changing fields, or nil.
func (sb *Sandbox) LLMKey(ctx context.Context, prompt, system, request []byte) (string, error) {
	const op = "llm-key"
	if len(prompt)+len(system)+len(request) > sb.maxValue {
		return "", newError(op, ErrInvalidArgument, fmt.Sprintf("request is larger than the limit of %d bytes", sb.maxValue), nil)
	}
	if request == nil {
		request = []byte("null")
	}
	return invokeValue(ctx, sb, op, func(ctx context.Context, x *witabi.CacheExports) (string, *witabi.Error, error) {
		return x.LLMKey(ctx, string(prompt), witabi.Option[string]{Some: system != nil, Value: string(system)}, string(request))
	})
}

// ParseOptions parses a Harn option dictionary (JSON text) into Options,
// with the original's error texts (docs/SPEC.md §2.1).
func (sb *Sandbox) ParseOptions(ctx context.Context, dict []byte) (Options, error) {
	v, err := invokeValue(ctx, sb, "parse-options", func(ctx context.Context, x *witabi.CacheExports) (witabi.Options, *witabi.Error, error) {
		return x.ParseOptions(ctx, string(dict))
	})
	if err != nil {
		return Options{}, err
	}
	return liftOptions(v), nil
}

// ParseDuration parses a duration ("1.5h", "500ms", "10") into whole
// seconds (docs/SPEC.md §3).
func (sb *Sandbox) ParseDuration(ctx context.Context, text string) (uint64, error) {
	return invokeValue(ctx, sb, "parse-duration", func(ctx context.Context, x *witabi.CacheExports) (uint64, *witabi.Error, error) {
		return x.ParseDuration(ctx, text)
	})
}

// CanonicalJSON returns the canonical compact form of the JSON text: what
// a put stores for it (docs/SPEC.md §7). Text that is not JSON (not valid
// UTF-8 included: the guest's parser decides, as for a put), or over the
// value limit, is ErrInvalidArgument.
func (sb *Sandbox) CanonicalJSON(ctx context.Context, text []byte) ([]byte, error) {
	const op = "canonical-json"
	if err := sb.checkValue(op, text); err != nil {
		return nil, err
	}
	c, err := invokeValue(ctx, sb, op, func(ctx context.Context, x *witabi.CacheExports) (string, *witabi.Error, error) {
		return x.CanonicalJSON(ctx, unsafe.String(unsafe.SliceData(text), len(text)))
	})
	return ownedBytes(c), err
}
