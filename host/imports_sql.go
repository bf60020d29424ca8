package host

import (
	"context"
	"math"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/sandcache/sandcache/guest/capability"
	"github.com/sandcache/sandcache/internal/sqlcap"
)

// sqlLimits returns the sql capability's caps configured on c (defaults
// for what was not set). The Sandbox grants its folder with them:
// sqlcap.NewGrant(dir, cfg.sqlLimits()).
func (c Config) sqlLimits() sqlcap.Limits { return c.sqlCaps.Normalized() }

// The host side of interface sandcache:cache/sql@0.1.0: each function
// lifts its core arguments, calls the instance's sqlcap.Session and lowers
// the result. Core signatures follow the canonical ABI (see wit/).

const sqlModule = "sandcache:cache/sql@0.1.0"

func instantiateSQL(ctx context.Context, rt wazero.Runtime) error {
	b := rt.NewHostModuleBuilder(sqlModule)
	hostFunc(b, "dialect", func(ctx context.Context, _ api.Module, s []uint64) {
		in := instanceFrom(ctx)
		in.putString(ctx, uint32(s[0]), in.sql.Dialect())
	}, types(i32), nil)
	hostFunc(b, "open", func(ctx context.Context, _ api.Module, s []uint64) {
		in := instanceFrom(ctx)
		db, err := in.sql.Open(in.str(uint32(s[0]), uint32(s[1])), uint32(s[2]) != 0)
		if ret := uint32(s[3]); in.putResult(ctx, ret, err) {
			in.put32(ret+4, uint32(db))
		}
	}, types(i32, i32, i32, i32), nil)
	hostFunc(b, "open-server", func(ctx context.Context, _ api.Module, s []uint64) {
		in := instanceFrom(ctx)
		db, err := openServer(in.sql, in.str(uint32(s[0]), uint32(s[1])))
		if ret := uint32(s[2]); in.putResult(ctx, ret, err) {
			in.put32(ret+4, uint32(db))
		}
	}, types(i32, i32, i32), nil)
	hostFunc(b, "close", func(ctx context.Context, _ api.Module, s []uint64) {
		instanceFrom(ctx).sql.Close(capability.DB(s[0]))
	}, types(i32), nil)
	hostFunc(b, "exec", func(ctx context.Context, _ api.Module, s []uint64) {
		in := instanceFrom(ctx)
		err := in.sql.Exec(capability.DB(s[0]), in.str(uint32(s[1]), uint32(s[2])))
		in.putResult(ctx, uint32(s[3]), err)
	}, types(i32, i32, i32, i32), nil)
	hostFunc(b, "prepare", func(ctx context.Context, _ api.Module, s []uint64) {
		in := instanceFrom(ctx)
		st, err := in.sql.Prepare(capability.DB(s[0]), in.str(uint32(s[1]), uint32(s[2])))
		if ret := uint32(s[3]); in.putResult(ctx, ret, err) {
			in.put32(ret+4, uint32(st))
		}
	}, types(i32, i32, i32, i32), nil)
	hostFunc(b, "bind-null", func(ctx context.Context, _ api.Module, s []uint64) {
		in := instanceFrom(ctx)
		in.putResult(ctx, uint32(s[2]), in.sql.BindNull(capability.Stmt(s[0]), uint32(s[1])))
	}, types(i32, i32, i32), nil)
	hostFunc(b, "bind-int", func(ctx context.Context, _ api.Module, s []uint64) {
		in := instanceFrom(ctx)
		in.putResult(ctx, uint32(s[3]), in.sql.BindInt(capability.Stmt(s[0]), uint32(s[1]), int64(s[2])))
	}, types(i32, i32, i64, i32), nil)
	hostFunc(b, "bind-float", func(ctx context.Context, _ api.Module, s []uint64) {
		in := instanceFrom(ctx)
		in.putResult(ctx, uint32(s[3]), in.sql.BindFloat(capability.Stmt(s[0]), uint32(s[1]), math.Float64frombits(s[2])))
	}, types(i32, i32, f64, i32), nil)
	hostFunc(b, "bind-text", func(ctx context.Context, _ api.Module, s []uint64) {
		in := instanceFrom(ctx)
		// The session copies the text into SQLite at once: a view suffices.
		err := in.sql.BindText(capability.Stmt(s[0]), uint32(s[1]), in.viewString(uint32(s[2]), uint32(s[3])))
		in.putResult(ctx, uint32(s[4]), err)
	}, types(i32, i32, i32, i32, i32), nil)
	hostFunc(b, "bind-blob", func(ctx context.Context, _ api.Module, s []uint64) {
		in := instanceFrom(ctx)
		err := in.sql.BindBlob(capability.Stmt(s[0]), uint32(s[1]), in.view(uint32(s[2]), uint32(s[3])))
		in.putResult(ctx, uint32(s[4]), err)
	}, types(i32, i32, i32, i32, i32), nil)
	hostFunc(b, "step", func(ctx context.Context, _ api.Module, s []uint64) {
		in := instanceFrom(ctx)
		row, err := in.sql.Step(capability.Stmt(s[0]))
		if ret := uint32(s[1]); in.putResult(ctx, ret, err) {
			in.put8(ret+4, b2u(row))
		}
	}, types(i32, i32), nil)
	hostFunc(b, "column-count", func(ctx context.Context, _ api.Module, s []uint64) {
		s[0] = uint64(instanceFrom(ctx).sql.ColumnCount(capability.Stmt(s[0])))
	}, types(i32), types(i32))
	hostFunc(b, "column-kind", func(ctx context.Context, _ api.Module, s []uint64) {
		s[0] = uint64(instanceFrom(ctx).sql.ColumnKind(capability.Stmt(s[0]), uint32(s[1])))
	}, types(i32, i32), types(i32))
	hostFunc(b, "column-int", func(ctx context.Context, _ api.Module, s []uint64) {
		s[0] = uint64(instanceFrom(ctx).sql.ColumnInt(capability.Stmt(s[0]), uint32(s[1])))
	}, types(i32, i32), types(i64))
	hostFunc(b, "column-float", func(ctx context.Context, _ api.Module, s []uint64) {
		s[0] = math.Float64bits(instanceFrom(ctx).sql.ColumnFloat(capability.Stmt(s[0]), uint32(s[1])))
	}, types(i32, i32), types(f64))
	hostFunc(b, "column-text", func(ctx context.Context, _ api.Module, s []uint64) {
		in := instanceFrom(ctx)
		in.putString(ctx, uint32(s[2]), in.sql.ColumnText(capability.Stmt(s[0]), uint32(s[1])))
	}, types(i32, i32, i32), nil)
	hostFunc(b, "column-blob", func(ctx context.Context, _ api.Module, s []uint64) {
		in := instanceFrom(ctx)
		in.putBytes(ctx, uint32(s[2]), in.sql.ColumnBlob(capability.Stmt(s[0]), uint32(s[1])))
	}, types(i32, i32, i32), nil)
	hostFunc(b, "changes", func(ctx context.Context, _ api.Module, s []uint64) {
		s[0] = uint64(instanceFrom(ctx).sql.Changes(capability.DB(s[0])))
	}, types(i32), types(i64))
	hostFunc(b, "reset", func(ctx context.Context, _ api.Module, s []uint64) {
		in := instanceFrom(ctx)
		in.putResult(ctx, uint32(s[1]), in.sql.Reset(capability.Stmt(s[0])))
	}, types(i32, i32), nil)
	hostFunc(b, "finalize", func(ctx context.Context, _ api.Module, s []uint64) {
		instanceFrom(ctx).sql.Finalize(capability.Stmt(s[0]))
	}, types(i32), nil)
	_, err := b.Instantiate(ctx)
	return err
}
