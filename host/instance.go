package host

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/sys"

	"github.com/sandcache/sandcache/guest/capability"
	"github.com/sandcache/sandcache/internal/sqlcap"
)

// export names one function of the guest's `cache` interface.
type export int

const (
	expGet export = iota
	expPut
	expDelete
	expClear
	expStats
	expPurge
	expKeys
	expLLMKey
	expParseOptions
	expParseDuration
	numExports
)

const cacheInterface = "sandcache:cache/cache@0.1.0#"

var exportNames = [numExports]string{
	expGet: "get", expPut: "put", expDelete: "delete", expClear: "clear",
	expStats: "stats", expPurge: "purge", expKeys: "keys", expLLMKey: "llm-key",
	expParseOptions: "parse-options", expParseDuration: "parse-duration",
}

// instance is one guest module instance with its capability sessions. It
// runs one call at a time (the pool guarantees it).
type instance struct {
	mod     api.Module
	mem     api.Memory
	realloc api.Function
	fns     [numExports]api.Function
	posts   [numExports]api.Function
	stack   [16]uint64 // reused for export calls
	rstack  [4]uint64  // reused for cabi_realloc calls from imports
	sql     sqlSession // a *sqlcap.Session, unless wrapped by test hooks
	files   capability.Files
	stderr  *tailBuffer
}

type instanceKey struct{}

// instanceFrom returns the instance a host function runs for. It is also
// where a call's deadline is enforced: once the context is done, the next
// capability call panics, wazero unwinds the guest with that error, and the
// instance is replaced. (SQLite waits are interrupted through the session.)
func instanceFrom(ctx context.Context) *instance {
	if err := ctx.Err(); err != nil {
		panic(err)
	}
	return ctx.Value(instanceKey{}).(*instance)
}

func newInstance(ctx context.Context, e *engine, sb *Sandbox) (*instance, error) {
	session := sqlcap.NewSession(sb.grant)
	in := &instance{
		sql:    session,
		files:  sb.files,
		stderr: &tailBuffer{max: 4096},
	}
	sb.applyTestHooks(in, session)
	mc := wazero.NewModuleConfig().
		WithName("").
		WithStartFunctions("_initialize").
		WithRandSource(rand.Reader).
		WithSysNanotime().
		WithStderr(in.stderr).
		WithStdout(in.stderr)
	if sb.clock != nil {
		clock := sb.clock
		mc = mc.WithWalltime(func() (int64, int32) {
			t := clock()
			return t.Unix(), int32(t.Nanosecond())
		}, sys.ClockResolution(time.Millisecond))
	} else {
		mc = mc.WithSysWalltime()
	}
	mod, err := e.rt.InstantiateModule(context.WithValue(ctx, instanceKey{}, in), e.compiled, mc)
	if err != nil {
		in.sql.CloseAll()
		return nil, fmt.Errorf("instantiate guest: %w", err)
	}
	in.mod = mod
	in.mem = mod.Memory()
	in.realloc = mod.ExportedFunction("cabi_realloc")
	for i := range in.fns {
		name := cacheInterface + exportNames[i]
		in.fns[i] = mod.ExportedFunction(name)
		in.posts[i] = mod.ExportedFunction("cabi_post_" + name)
		if in.fns[i] == nil || in.posts[i] == nil {
			in.close(ctx)
			return nil, fmt.Errorf("guest lacks export %q or its cabi_post", name)
		}
	}
	if in.realloc == nil || in.mem == nil {
		in.close(ctx)
		return nil, errors.New("guest lacks cabi_realloc or memory")
	}
	return in, nil
}

func (in *instance) close(ctx context.Context) {
	if in.mod != nil {
		_ = in.mod.Close(ctx)
	}
	in.sql.CloseAll()
}

// lower copies strings into one guest buffer and returns their (ptr, len)
// pairs appended to dst (one cabi_realloc call for all of them).
func (in *instance) lower(ctx context.Context, dst []uint64, strs ...string) ([]uint64, error) {
	total := 0
	for _, s := range strs {
		total += len(s)
	}
	var base uint32
	if total > 0 {
		p, err := in.alloc(ctx, uint32(total), 1)
		if err != nil {
			return nil, err
		}
		base = p
	}
	off := base
	for _, s := range strs {
		if len(s) > 0 && !in.mem.WriteString(off, s) {
			return nil, errors.New("guest buffer out of range")
		}
		dst = append(dst, uint64(off), uint64(len(s)))
		off += uint32(len(s))
	}
	return dst, nil
}

// alloc calls the guest's cabi_realloc.
func (in *instance) alloc(ctx context.Context, size, align uint32) (uint32, error) {
	in.rstack = [4]uint64{0, 0, uint64(align), uint64(size)}
	if err := in.realloc.CallWithStack(ctx, in.rstack[:]); err != nil {
		return 0, err
	}
	return uint32(in.rstack[0]), nil
}

// call runs export e with params and returns the address of its result.
// Any error here is a fault: the instance must not be used again.
func (in *instance) call(ctx context.Context, e export, params []uint64) (uint32, error) {
	copy(in.stack[:], params)
	if err := in.fns[e].CallWithStack(ctx, in.stack[:max(len(params), 1)]); err != nil {
		return 0, err
	}
	return uint32(in.stack[0]), nil
}

// post calls the export's cabi_post function once its result has been read.
func (in *instance) post(ctx context.Context, e export, ret uint32) error {
	in.stack[0] = uint64(ret)
	return in.posts[e].CallWithStack(ctx, in.stack[:1])
}

// Reading results. The guest's memory is trusted only to be in range:
// anything out of range is a fault.

var errRange = errors.New("guest result out of range")

func (in *instance) u8(p uint32) (uint8, error) {
	v, ok := in.mem.ReadByte(p)
	if !ok {
		return 0, errRange
	}
	return v, nil
}

func (in *instance) u32(p uint32) (uint32, error) {
	v, ok := in.mem.ReadUint32Le(p)
	if !ok {
		return 0, errRange
	}
	return v, nil
}

func (in *instance) u64(p uint32) (uint64, error) {
	v, ok := in.mem.ReadUint64Le(p)
	if !ok {
		return 0, errRange
	}
	return v, nil
}

// bytesAt copies the (ptr, len) pair stored at p.
func (in *instance) bytesAt(p uint32) ([]byte, error) {
	ptr, err := in.u32(p)
	if err != nil {
		return nil, err
	}
	n, err := in.u32(p + 4)
	if err != nil {
		return nil, err
	}
	b, ok := in.mem.Read(ptr, n)
	if !ok {
		return nil, errRange
	}
	return bytes.Clone(b), nil
}

// resultErr reads the error of a `result<T, error>` at ret whose payload is
// at offset off; it returns nil when the result is ok.
func (in *instance) resultErr(op string, ret, off uint32) (error, error) {
	tag, err := in.u8(ret)
	if err != nil || tag == 0 {
		return nil, err
	}
	code, err := in.u8(ret + off)
	if err != nil {
		return nil, err
	}
	msg, err := in.bytesAt(ret + off + 4)
	if err != nil {
		return nil, err
	}
	return guestError(op, code, string(msg)), nil
}

// fault turns an error from a call into the guest into an *Error.
func (in *instance) fault(ctx context.Context, op string, err error) *Error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return newError(op, ErrGuestFault, "call interrupted: "+ctxErr.Error(), ctxErr)
	}
	msg := err.Error()
	var exit *sys.ExitError
	if errors.As(err, &exit) {
		msg = fmt.Sprintf("guest exited with code %d", exit.ExitCode())
	}
	if tail := strings.TrimSpace(in.stderr.String()); tail != "" {
		if i := strings.IndexByte(tail, '\n'); i > 0 {
			tail = tail[:i]
		}
		msg += " (" + tail + ")"
	}
	return newError(op, ErrGuestFault, msg, err)
}

// tailBuffer keeps the first bytes the guest writes to stdout/stderr (a Go
// panic or fatal error message), for fault reports.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
	max int
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if room := t.max - len(t.buf); room > 0 {
		t.buf = append(t.buf, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
