package host

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

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
	stop    *atomic.Bool // the pool's interrupt flag
	// noLeave is set while the host runs cabi_realloc or cabi_post_*: the
	// canonical ABI forbids those to call imports (no re-entrant calls
	// into the host while it lowers or has lowered a value).
	noLeave bool
}

// errMayNotLeave ends a guest that calls an import from cabi_realloc or
// cabi_post_*.
var errMayNotLeave = errors.New("the guest called an import from cabi_realloc or cabi_post_*")

type instanceKey struct{}

// instanceFrom returns the instance a host function runs for. It is also
// where a call's deadline is enforced at the capability boundary: once the
// context is done (or the Sandbox is closing), the next capability call
// panics, wazero unwinds the guest with that error, and the instance is
// replaced. (SQLite waits are interrupted through the session; guest code
// that calls no capability is interrupted by the checks of interrupt.go.)
func instanceFrom(ctx context.Context) *instance {
	in := ctx.Value(instanceKey{}).(*instance)
	if err := in.interrupted(ctx, false); err != nil {
		panic(err)
	}
	if in.noLeave {
		panic(errMayNotLeave)
	}
	return in
}

func newInstance(ctx context.Context, e *engine, sb *Sandbox) (*instance, error) {
	session := sqlcap.NewSession(sb.grant)
	in := &instance{
		sql:    session,
		files:  sb.files,
		stderr: &tailBuffer{max: 4096},
		stop:   &sb.pool.interrupt,
	}
	if sb.server != nil {
		in.sql = newSQLRouter(session, sb.server)
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
	if err := in.bind(); err != nil {
		in.close(ctx)
		return nil, fmt.Errorf("%w: %v", errBadGuest, err)
	}
	return in, nil
}

// errBadGuest: the module lacks an export of the guest's ABI or has it with
// another signature.
var errBadGuest = errors.New("the module does not have the guest's ABI")

// Core signatures of the exports (see optionParams and the callers).
var (
	optionTypes  = []api.ValueType{i32, i32, i32, i32, i32, i64, i32}
	exportParams = [numExports][]api.ValueType{
		expGet:           append(types(i32, i32), optionTypes...),
		expPut:           append(types(i32, i32, i32, i32), optionTypes...),
		expDelete:        append(types(i32, i32), optionTypes...),
		expClear:         optionTypes,
		expStats:         optionTypes,
		expPurge:         optionTypes,
		expKeys:          append(types(i32, i32), optionTypes...),
		expLLMKey:        types(i32, i32, i32, i32, i32, i32, i32),
		expParseOptions:  types(i32, i32),
		expParseDuration: types(i32, i32),
	}
)

// bind looks the ABI's exports up and checks their signatures.
func (in *instance) bind() error {
	if in.mem == nil {
		return errors.New("no memory export")
	}
	if err := checkSignature("cabi_realloc", in.realloc, types(i32, i32, i32, i32), types(i32)); err != nil {
		return err
	}
	for i := range in.fns {
		name := cacheInterface + exportNames[i]
		in.fns[i] = in.mod.ExportedFunction(name)
		in.posts[i] = in.mod.ExportedFunction("cabi_post_" + name)
		if err := checkSignature(name, in.fns[i], exportParams[i], types(i32)); err != nil {
			return err
		}
		if err := checkSignature("cabi_post_"+name, in.posts[i], types(i32), nil); err != nil {
			return err
		}
	}
	return nil
}

func checkSignature(name string, f api.Function, params, results []api.ValueType) error {
	if f == nil {
		return fmt.Errorf("no export %q", name)
	}
	d := f.Definition()
	if !slices.Equal(d.ParamTypes(), params) || !slices.Equal(d.ResultTypes(), results) {
		return fmt.Errorf("export %q has params %v and results %v; want %v and %v",
			name, valueTypeNames(d.ParamTypes()), valueTypeNames(d.ResultTypes()), valueTypeNames(params), valueTypeNames(results))
	}
	return nil
}

func valueTypeNames(ts []api.ValueType) []string {
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = api.ValueTypeName(t)
	}
	return names
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

// alloc calls the guest's cabi_realloc and checks that the buffer it
// returns lies in its memory.
func (in *instance) alloc(ctx context.Context, size, align uint32) (uint32, error) {
	in.rstack = [4]uint64{0, 0, uint64(align), uint64(size)}
	in.noLeave = true
	err := in.realloc.CallWithStack(ctx, in.rstack[:])
	in.noLeave = false
	if err != nil {
		return 0, err
	}
	p := uint32(in.rstack[0])
	if uint64(p)+uint64(size) > uint64(in.mem.Size()) {
		return 0, fmt.Errorf("cabi_realloc returned %#x for %d bytes, outside the guest's memory", p, size)
	}
	return p, nil
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
	in.noLeave = true
	defer func() { in.noLeave = false }()
	return in.posts[e].CallWithStack(ctx, in.stack[:1])
}

// Reading results. Nothing the guest returns is trusted: a pointer or
// length out of range, a discriminant out of its type's range or a string
// that is not UTF-8 is a fault (the instance is replaced).

var (
	errRange = errors.New("guest result out of range")
	errUTF8  = errors.New("guest result: a string is not valid UTF-8")
)

// discriminant reads the u8 discriminant at p, which must be below n
// (2 for bool, option and result).
func (in *instance) discriminant(p uint32, n uint8) (uint8, error) {
	v, err := in.u8(p)
	if err == nil && v >= n {
		err = fmt.Errorf("guest result: discriminant %d at %#x is out of range (want < %d)", v, p, n)
	}
	return v, err
}

// flag reads a bool (or an option's discriminant) at p.
func (in *instance) flag(p uint32) (bool, error) {
	v, err := in.discriminant(p, 2)
	return v == 1, err
}

// stringAt copies the string stored as (ptr, len) at p.
func (in *instance) stringAt(p uint32) (string, error) {
	b, err := in.bytesAt(p)
	if err != nil {
		return "", err
	}
	if !utf8.Valid(b) {
		return "", errUTF8
	}
	return string(b), nil
}

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
	isErr, err := in.flag(ret)
	if err != nil || !isErr {
		return nil, err
	}
	code, err := in.discriminant(ret+off, uint8(len(kindByCode)))
	if err != nil {
		return nil, err
	}
	msg, err := in.stringAt(ret + off + 4)
	if err != nil {
		return nil, err
	}
	return guestError(op, code, msg), nil
}

// fault turns an error from a call into the guest into an *Error: ErrClosed
// when Close interrupted the call, else ErrGuestFault (wrapping the
// context's error when the call was interrupted by its context).
func (in *instance) fault(ctx context.Context, op string, err error) *Error {
	if in.stop.Load() || errors.Is(err, errSandboxClosing) {
		return newError(op, ErrClosed, errSandboxClosing.Error(), err)
	}
	cause := ctx.Err()
	if cause == nil && errors.Is(err, context.DeadlineExceeded) {
		cause = context.DeadlineExceeded // seen by the interrupt check's clock before the timer
	}
	if cause != nil {
		return newError(op, ErrGuestFault, "call interrupted: "+cause.Error(), cause)
	}
	msg, _, _ := strings.Cut(err.Error(), "\n") // not wazero's stack trace
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
