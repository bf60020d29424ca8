package host

import (
	"bytes"
	"context"
	"strings"
	"time"
	"unsafe"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/sandcache/sandcache/internal/cabi/hostrt"
	"github.com/sandcache/sandcache/internal/guest/capability"
	"github.com/sandcache/sandcache/internal/sqlcap"
	"github.com/sandcache/sandcache/internal/witabi"
)

// The host side of the imports sql, files and clock: the generated glue
// (internal/witabi) lifts the guest's arguments and lowers the
// results; these adapters call the instance's capabilities. Strings and
// lists from the guest are views of its memory: what a capability keeps is
// copied here.

// sqlLimits returns the sql capability's caps configured on c (defaults
// for what was not set). The Sandbox grants its folder with them:
// sqlcap.NewGrant(dir, cfg.sqlLimits()).
func (c Config) sqlLimits() sqlcap.Limits { return c.sqlCaps.Normalized() }

// instantiateCapabilities registers the sql, files, clock and digest imports in rt.
func instantiateCapabilities(ctx context.Context, rt wazero.Runtime) error {
	if _, err := witabi.RegisterSQL(rt.NewHostModuleBuilder(witabi.SQLModule), func(ctx context.Context, _ api.Module) (witabi.SQL, *witabi.Instance) {
		in := instanceFrom(ctx)
		return sqlImpl{in}, in.abi
	}).Instantiate(ctx); err != nil {
		return err
	}
	if _, err := witabi.RegisterFiles(rt.NewHostModuleBuilder(witabi.FilesModule), func(ctx context.Context, _ api.Module) (witabi.Files, *witabi.Instance) {
		in := instanceFrom(ctx)
		return filesImpl{in}, in.abi
	}).Instantiate(ctx); err != nil {
		return err
	}
	if _, err := witabi.RegisterClock(rt.NewHostModuleBuilder(witabi.ClockModule), func(ctx context.Context, _ api.Module) (witabi.Clock, *witabi.Instance) {
		in := instanceFrom(ctx)
		return clockImpl{in}, in.abi
	}).Instantiate(ctx); err != nil {
		return err
	}
	_, err := witabi.RegisterDigest(rt.NewHostModuleBuilder(witabi.DigestModule), func(ctx context.Context, _ api.Module) (witabi.Digest, *witabi.Instance) {
		return digestImpl{}, instanceFrom(ctx).abi
	}).Instantiate(ctx)
	return err
}

// clockImpl serves interface clock: the Sandbox's clock (Config.WithClock)
// or the wall clock, in milliseconds since the Unix epoch. A time.Time
// holds every int64 of milliseconds, so a fixed clock covers the WIT's
// whole s64 range.
type clockImpl struct{ in *instance }

func (c clockImpl) NowMs(context.Context) int64 {
	if c.in.clock != nil {
		return c.in.clock().UnixMilli()
	}
	return time.Now().UnixMilli()
}

// abiError is a capability's error as the WIT's error record.
func abiError(err error) *witabi.Error {
	if err == nil {
		return nil
	}
	return &witabi.Error{Code: witabi.ErrorCode(capability.CodeOf(err)), Message: err.Error()}
}

// sqlImpl serves interface sql for one instance (one pointer: converting
// it to the interface allocates nothing).
type sqlImpl struct{ in *instance }

func (s sqlImpl) Dialect(context.Context) string { return s.in.sql.Dialect() }

func (s sqlImpl) Open(_ context.Context, name string, memory bool) (uint32, *witabi.Error) {
	db, err := s.in.sql.Open(strings.Clone(name), memory)
	return uint32(db), abiError(err)
}

func (s sqlImpl) OpenServer(_ context.Context, name string) (uint32, *witabi.Error) {
	db, err := openServer(s.in.sql, strings.Clone(name))
	return uint32(db), abiError(err)
}

func (s sqlImpl) Close(_ context.Context, d uint32) { s.in.sql.Close(capability.DB(d)) }

func (s sqlImpl) Exec(_ context.Context, d uint32, sql string) *witabi.Error {
	return abiError(s.in.sql.Exec(capability.DB(d), strings.Clone(sql)))
}

func (s sqlImpl) Prepare(_ context.Context, d uint32, sql string) (uint32, *witabi.Error) {
	st, err := s.in.sql.Prepare(capability.DB(d), strings.Clone(sql))
	return uint32(st), abiError(err)
}

func (s sqlImpl) BindNull(_ context.Context, st, index uint32) *witabi.Error {
	return abiError(s.in.sql.BindNull(capability.Stmt(st), index))
}

func (s sqlImpl) BindInt(_ context.Context, st, index uint32, v int64) *witabi.Error {
	return abiError(s.in.sql.BindInt(capability.Stmt(st), index, v))
}

func (s sqlImpl) BindFloat(_ context.Context, st, index uint32, v float64) *witabi.Error {
	return abiError(s.in.sql.BindFloat(capability.Stmt(st), index, v))
}

// BindText: the session copies the text into SQLite at once, so the view
// suffices.
func (s sqlImpl) BindText(_ context.Context, st, index uint32, v string) *witabi.Error {
	return abiError(s.in.sql.BindText(capability.Stmt(st), index, v))
}

// BindBlob: as BindText.
func (s sqlImpl) BindBlob(_ context.Context, st, index uint32, v []byte) *witabi.Error {
	return abiError(s.in.sql.BindBlob(capability.Stmt(st), index, v))
}

func (s sqlImpl) Step(_ context.Context, st uint32) (bool, *witabi.Error) {
	row, err := s.in.sql.Step(capability.Stmt(st))
	return row, abiError(err)
}

func (s sqlImpl) ColumnCount(_ context.Context, st uint32) uint32 {
	return s.in.sql.ColumnCount(capability.Stmt(st))
}

func (s sqlImpl) ColumnKind(_ context.Context, st, index uint32) witabi.StorageClass {
	return witabi.StorageClass(s.in.sql.ColumnKind(capability.Stmt(st), index))
}

func (s sqlImpl) ColumnInt(_ context.Context, st, index uint32) int64 {
	return s.in.sql.ColumnInt(capability.Stmt(st), index)
}

func (s sqlImpl) ColumnFloat(_ context.Context, st, index uint32) float64 {
	return s.in.sql.ColumnFloat(capability.Stmt(st), index)
}

func (s sqlImpl) ColumnText(_ context.Context, st, index uint32) string {
	return s.in.sql.ColumnText(capability.Stmt(st), index)
}

func (s sqlImpl) ColumnBlob(_ context.Context, st, index uint32) []byte {
	return s.in.sql.ColumnBlob(capability.Stmt(st), index)
}

func (s sqlImpl) Changes(_ context.Context, d uint32) int64 {
	return s.in.sql.Changes(capability.DB(d))
}

func (s sqlImpl) Reset(_ context.Context, st uint32) *witabi.Error {
	return abiError(s.in.sql.Reset(capability.Stmt(st)))
}

func (s sqlImpl) Finalize(_ context.Context, st uint32) { s.in.sql.Finalize(capability.Stmt(st)) }

// Run lifts the batch into the instance's reused slices: the calls, and
// the parameters as views of guest memory, as BindText's (the session
// binds them before it returns). witabi.Value and capability.Value have
// the same layout (TestRunTypesMatch). A batch of more than maxRunItems
// calls or parameters, or whose calls do not take exactly its
// parameters, fails with invalid-argument.
func (s sqlImpl) Run(_ context.Context, calls hostrt.Elements[witabi.Call], params hostrt.Elements[witabi.Value]) (witabi.RunResult, *witabi.Error) {
	in := s.in
	if calls.Len() > maxRunItems || params.Len() > maxRunItems {
		return witabi.RunResult{}, abiError(capability.Errorf(capability.InvalidArgument, "sql: a batch of %d calls and %d parameters (at most %d of each)", calls.Len(), params.Len(), maxRunItems))
	}
	in.runParams = params.AppendTo(in.runParams[:0])
	defer clear(in.runParams) // views of guest memory: not kept past the call, whatever its outcome
	vals := *(*[]capability.Value)(unsafe.Pointer(&in.runParams))
	in.runCalls = in.runCalls[:0]
	at := 0
	for i := range calls.Len() {
		c := calls.At(i)
		n := int(c.Params)
		if n > len(vals)-at {
			return witabi.RunResult{}, abiError(capability.Errorf(capability.InvalidArgument, "sql: call %d binds %d parameters; the batch has %d left", i, n, len(vals)-at))
		}
		in.runCalls = append(in.runCalls, capability.Call{Statement: capability.Stmt(c.Statement), Params: vals[at : at+n : at+n], Rows: c.Rows, IfRow: c.IfRow, Wait: c.Wait})
		at += n
	}
	if at != len(vals) {
		return witabi.RunResult{}, abiError(capability.Errorf(capability.InvalidArgument, "sql: the calls bind %d of the batch's %d parameters", at, len(vals)))
	}
	out, ran, err := in.sql.Run(in.runCalls)
	return witabi.RunResult{Values: *(*[]witabi.Value)(unsafe.Pointer(&out)), Ran: uint32(ran)}, abiError(err)
}

// maxRunItems caps the calls, and the parameters, of one sql.run: the
// cache's batches have a few of each (a put replaying its deferred
// stamps, at most 1024, has the most).
const maxRunItems = 1 << 16

// filesImpl serves interface files for one instance over the Sandbox's
// confined folder.
type filesImpl struct{ in *instance }

func (f filesImpl) Read(_ context.Context, path string) (witabi.Option[[]byte], *witabi.Error) {
	data, ok, err := f.in.files.Read(strings.Clone(path))
	return witabi.Option[[]byte]{Some: ok, Value: data}, abiError(err)
}

// WriteAtomic: the data is written before the call returns, so the view
// suffices.
func (f filesImpl) WriteAtomic(_ context.Context, path string, data []byte) *witabi.Error {
	return abiError(f.in.files.WriteAtomic(strings.Clone(path), data))
}

func (f filesImpl) Remove(_ context.Context, path string) (bool, *witabi.Error) {
	existed, err := f.in.files.Remove(strings.Clone(path))
	return existed, abiError(err)
}

func (f filesImpl) Replace(_ context.Context, path string, expected []byte, data witabi.Option[[]byte]) (bool, *witabi.Error) {
	var next []byte // nil: remove
	if data.Some {
		next = bytes.Clone(data.Value)
		if next == nil {
			next = []byte{}
		}
	}
	swapped, err := f.in.files.Replace(strings.Clone(path), bytes.Clone(expected), next)
	return swapped, abiError(err)
}

func (f filesImpl) List(_ context.Context, path string) ([]string, *witabi.Error) {
	names, err := f.in.files.List(strings.Clone(path))
	return names, abiError(err)
}

func (f filesImpl) RemoveDir(_ context.Context, path string) (bool, *witabi.Error) {
	existed, err := f.in.files.RemoveDir(strings.Clone(path))
	return existed, abiError(err)
}
