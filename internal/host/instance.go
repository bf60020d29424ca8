package host

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/sys"

	"github.com/sandcache/sandcache/internal/guest/capability"
	"github.com/sandcache/sandcache/internal/sqlcap"
	"github.com/sandcache/sandcache/internal/witabi"
)

// instance is one guest module instance with its capability sessions. It
// runs one call at a time (the pool guarantees it).
type instance struct {
	mod    api.Module
	x      *witabi.CacheExports // the generated glue of the exports
	abi    *witabi.Instance     // its ABI state, shared with the imports (nil until bound)
	sql    sqlSession           // a *sqlcap.Session, unless wrapped by test hooks
	files  capability.Files
	stderr *tailBuffer
	stop   *atomic.Bool     // the pool's interrupt flag
	clock  func() time.Time // Config.WithClock; nil: the wall clock

	// sql.run's lifted batch, reused (capabilities.go)
	runCalls  []capability.Call
	runParams []witabi.Value
}

type instanceKey struct{}

// instanceFrom returns the instance a host function runs for. It is also
// where a call's deadline is enforced at the capability boundary: once the
// context is done (or the Sandbox is closing), the next capability call
// panics, wazero unwinds the guest with that error, and the instance is
// replaced. (SQLite waits are interrupted through the session; guest code
// that calls no capability is interrupted by the checks of interrupt.go.
// An import called from cabi_realloc or cabi_post_* is refused by the
// generated glue.)
func instanceFrom(ctx context.Context) *instance {
	in := ctx.Value(instanceKey{}).(*instance)
	if err := in.interrupted(ctx, false); err != nil {
		panic(err)
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
		clock:  sb.clock,
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
		WithSysWalltime(). // the cache's timestamps come from import clock
		WithStderr(in.stderr).
		WithStdout(in.stderr)
	mod, err := e.rt.InstantiateModule(context.WithValue(ctx, instanceKey{}, in), e.compiled, mc)
	if err != nil {
		in.sql.CloseAll()
		return nil, fmt.Errorf("instantiate guest: %w", err)
	}
	in.mod = mod
	if in.x, err = witabi.BindCacheExports(mod); err != nil {
		in.close(ctx)
		return nil, fmt.Errorf("%w: %v", errBadGuest, err)
	}
	in.abi = in.x.Instance()
	return in, nil
}

// flushTimeout bounds the flush before an instance is closed.
const flushTimeout = 250 * time.Millisecond

// flush asks the guest to write what it deferred (the WIT's cache.flush)
// before the instance is closed. Errors are dropped: what is lost is only
// LRU stamps of hits, and the instance is going away.
func (in *instance) flush() {
	ctx, cancel := context.WithTimeout(context.Background(), flushTimeout)
	defer cancel()
	in.sql.SetContext(ctx)
	defer in.sql.SetContext(context.Background())
	_, _ = in.x.Flush(context.WithValue(ctx, instanceKey{}, in))
}

// errBadGuest: the module lacks an export of the guest's ABI or has it with
// another signature.
var errBadGuest = errors.New("the module does not have the guest's ABI")

func (in *instance) close(ctx context.Context) {
	if in.mod != nil {
		_ = in.mod.Close(ctx)
	}
	in.sql.CloseAll()
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
