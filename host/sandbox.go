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

	"github.com/sandcache/sandcache/internal/filecap"
	"github.com/sandcache/sandcache/internal/pgcap"
	"github.com/sandcache/sandcache/internal/sqlcap"
	"github.com/sandcache/sandcache/internal/testhooks"
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
		testHooks.Delete(sb)
	})
	return nil
}

// invoke runs one export on a pooled instance: params builds the core
// arguments (lowering strings into the guest), read lifts the result at ret.
func (sb *Sandbox) invoke(ctx context.Context, op string, e export,
	params func(ctx context.Context, in *instance) ([]uint64, error),
	read func(in *instance, ret uint32) error) error {
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
	p, err := params(cctx, in)
	if err != nil {
		return in.fault(cctx, op, err)
	}
	ret, err := in.call(cctx, e, p)
	if err != nil {
		return in.fault(cctx, op, err)
	}
	if err := read(in, ret); err != nil {
		if _, ok := err.(*Error); ok {
			if perr := in.post(cctx, e, ret); perr != nil {
				return in.fault(cctx, op, perr)
			}
			broken = false
			return err
		}
		return in.fault(cctx, op, err)
	}
	if err := in.post(cctx, e, ret); err != nil {
		return in.fault(cctx, op, err)
	}
	broken = false
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

// optionParams lowers an options record: backend, namespace, path, ttl, max.
func optionParams(dst []uint64, o Options, ns, path []uint64) []uint64 {
	return append(dst, uint64(o.Backend), ns[0], ns[1], path[0], path[1], o.TTLMillis, uint64(o.MaxEntries))
}

// keyOp runs an export whose arguments are (string..., options).
func (sb *Sandbox) keyOp(ctx context.Context, op string, e export, o Options, strs []string, read func(in *instance, ret uint32) error) error {
	return sb.invoke(ctx, op, e, func(ctx context.Context, in *instance) ([]uint64, error) {
		sp, err := in.lower(ctx, make([]uint64, 0, 12), append(strs, o.Namespace, o.Path)...)
		if err != nil {
			return nil, err
		}
		n := len(strs) * 2
		return optionParams(sp[:n:n], o, sp[n:n+2], sp[n+2:n+4]), nil
	}, read)
}

// Get looks key up; a hit refreshes its LRU position.
func (sb *Sandbox) Get(ctx context.Context, key string, o Options) (Lookup, error) {
	const op = "get"
	if err := sb.checkKey(op, key); err != nil {
		return Lookup{}, err
	}
	var l Lookup
	err := sb.keyOp(ctx, op, expGet, o, []string{key}, func(in *instance, ret uint32) error {
		if gerr, err := in.resultErr(op, ret, 4); gerr != nil || err != nil {
			return firstErr(gerr, err)
		}
		hit, err := in.flag(ret + 4)
		if err != nil {
			return err
		}
		if hit {
			if l.Value, err = in.bytesAt(ret + 8); err != nil {
				return err
			}
			if !utf8.Valid(l.Value) {
				return errUTF8
			}
			l.Hit = true
		}
		l.Expired, err = in.flag(ret + 16)
		return err
	})
	return l, err
}

// Put stores value (JSON text) under key, then evicts.
func (sb *Sandbox) Put(ctx context.Context, key string, value []byte, o Options) (PutOutcome, error) {
	const op = "put"
	if err := sb.checkKey(op, key); err != nil {
		return PutOutcome{}, err
	}
	if len(value) > sb.maxValue {
		return PutOutcome{}, newError(op, ErrInvalidArgument, fmt.Sprintf("value is %d bytes; the limit is %d", len(value), sb.maxValue), nil)
	}
	var out PutOutcome
	err := sb.keyOp(ctx, op, expPut, o, []string{key, string(value)}, func(in *instance, ret uint32) error {
		if gerr, err := in.resultErr(op, ret, 4); gerr != nil || err != nil {
			return firstErr(gerr, err)
		}
		var err error
		if out.Expired, err = in.u32(ret + 4); err != nil {
			return err
		}
		out.Evicted, err = in.u32(ret + 8)
		return err
	})
	return out, err
}

// Delete removes key and reports whether a live entry existed.
func (sb *Sandbox) Delete(ctx context.Context, key string, o Options) (bool, error) {
	const op = "delete"
	if err := sb.checkKey(op, key); err != nil {
		return false, err
	}
	var existed bool
	err := sb.keyOp(ctx, op, expDelete, o, []string{key}, func(in *instance, ret uint32) error {
		return in.boolResult(op, ret, &existed)
	})
	return existed, err
}

// Clear removes every entry of the namespace.
func (sb *Sandbox) Clear(ctx context.Context, o Options) error {
	const op = "clear"
	return sb.keyOp(ctx, op, expClear, o, nil, func(in *instance, ret uint32) error {
		return firstErr(in.resultErr(op, ret, 4))
	})
}

// Stats counts the namespace's entries.
func (sb *Sandbox) Stats(ctx context.Context, o Options) (StoreStats, error) {
	const op = "stats"
	var s StoreStats
	err := sb.keyOp(ctx, op, expStats, o, nil, func(in *instance, ret uint32) error {
		if gerr, err := in.resultErr(op, ret, 8); gerr != nil || err != nil {
			return firstErr(gerr, err)
		}
		var err error
		if s.Entries, err = in.u64(ret + 8); err != nil {
			return err
		}
		s.Expired, err = in.u64(ret + 16)
		return err
	})
	return s, err
}

// Purge removes expired entries of every namespace of the store.
func (sb *Sandbox) Purge(ctx context.Context, o Options) (uint64, error) {
	const op = "purge"
	var n uint64
	err := sb.keyOp(ctx, op, expPurge, o, nil, func(in *instance, ret uint32) error {
		return in.u64Result(op, ret, &n)
	})
	return n, err
}

// Keys lists the live keys of the namespace that start with prefix, sorted.
func (sb *Sandbox) Keys(ctx context.Context, prefix string, o Options) ([]string, error) {
	const op = "keys"
	if err := sb.checkKey(op, prefix); err != nil && prefix != "" {
		return nil, err
	}
	var keys []string
	err := sb.keyOp(ctx, op, expKeys, o, []string{prefix}, func(in *instance, ret uint32) error {
		if gerr, err := in.resultErr(op, ret, 4); gerr != nil || err != nil {
			return firstErr(gerr, err)
		}
		arr, err := in.u32(ret + 4)
		if err != nil {
			return err
		}
		n, err := in.u32(ret + 8)
		if err != nil {
			return err
		}
		// The array must lie in the guest's memory before anything is
		// allocated for it: a guest may claim 2^32-1 elements.
		if uint64(arr)+8*uint64(n) > uint64(in.mem.Size()) {
			return errRange
		}
		keys = make([]string, n)
		total := uint64(0)
		for i := range keys {
			if keys[i], err = in.stringAt(arr + 8*uint32(i)); err != nil {
				return err
			}
			// Elements may alias one buffer: bound what is copied, too.
			if total += uint64(len(keys[i])); total > uint64(in.mem.Size()) {
				return fmt.Errorf("guest result: keys total more bytes than the guest's memory")
			}
		}
		return nil
	})
	return keys, err
}

// LLMKey returns the canonical LLM cache key "sha256:<hex>" (SPEC section 7).
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
	var key string
	err := sb.invoke(ctx, op, expLLMKey, func(ctx context.Context, in *instance) ([]uint64, error) {
		sp, err := in.lower(ctx, make([]uint64, 0, 6), string(prompt), string(system), string(request))
		if err != nil {
			return nil, err
		}
		tag := uint64(0)
		if system != nil {
			tag = 1
		}
		return []uint64{sp[0], sp[1], tag, sp[2], sp[3], sp[4], sp[5]}, nil
	}, func(in *instance, ret uint32) error {
		return in.stringResult(op, ret, &key)
	})
	return key, err
}

// ParseOptions parses a Harn option dictionary (JSON text) into Options,
// with the original's error texts (SPEC section 2.1).
func (sb *Sandbox) ParseOptions(ctx context.Context, dict []byte) (Options, error) {
	const op = "parse-options"
	var o Options
	err := sb.invoke(ctx, op, expParseOptions, func(ctx context.Context, in *instance) ([]uint64, error) {
		return in.lower(ctx, make([]uint64, 0, 2), string(dict))
	}, func(in *instance, ret uint32) error {
		if gerr, err := in.resultErr(op, ret, 8); gerr != nil || err != nil {
			return firstErr(gerr, err)
		}
		b, err := in.discriminant(ret+8, uint8(Postgres)+1)
		if err != nil {
			return err
		}
		o.Backend = Backend(b)
		if o.Namespace, err = in.stringAt(ret + 12); err != nil {
			return err
		}
		if o.Path, err = in.stringAt(ret + 20); err != nil {
			return err
		}
		if o.TTLMillis, err = in.u64(ret + 32); err != nil {
			return err
		}
		o.MaxEntries, err = in.u32(ret + 40)
		return err
	})
	return o, err
}

// ParseDuration parses a duration ("1.5h", "500ms", "10") into whole
// seconds (SPEC section 3).
func (sb *Sandbox) ParseDuration(ctx context.Context, text string) (uint64, error) {
	const op = "parse-duration"
	var secs uint64
	err := sb.invoke(ctx, op, expParseDuration, func(ctx context.Context, in *instance) ([]uint64, error) {
		return in.lower(ctx, make([]uint64, 0, 2), text)
	}, func(in *instance, ret uint32) error {
		return in.u64Result(op, ret, &secs)
	})
	return secs, err
}

// firstErr returns the guest's error, else the read error.
func firstErr(gerr, err error) error {
	if gerr != nil {
		return gerr
	}
	return err
}

func (in *instance) boolResult(op string, ret uint32, dst *bool) error {
	if gerr, err := in.resultErr(op, ret, 4); gerr != nil || err != nil {
		return firstErr(gerr, err)
	}
	var err error
	*dst, err = in.flag(ret + 4)
	return err
}

func (in *instance) u64Result(op string, ret uint32, dst *uint64) error {
	if gerr, err := in.resultErr(op, ret, 8); gerr != nil || err != nil {
		return firstErr(gerr, err)
	}
	var err error
	*dst, err = in.u64(ret + 8)
	return err
}

func (in *instance) stringResult(op string, ret uint32, dst *string) error {
	if gerr, err := in.resultErr(op, ret, 4); gerr != nil || err != nil {
		return firstErr(gerr, err)
	}
	var err error
	*dst, err = in.stringAt(ret + 4)
	return err
}
