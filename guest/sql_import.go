//go:build wasip1

package main

import (
	"math"
	"runtime"
	"unsafe"

	"github.com/sandcache/sandcache/internal/cabi/guestrt"
	"github.com/sandcache/sandcache/internal/guest/capability"
	"github.com/sandcache/sandcache/internal/witypes"
)

// capability.SQL over the generated imports of sandcache:cache/sql@0.1.0
// (SQLImport in witabi_gen.go).

// capErr converts a WIT error from an import (nil stays nil).
func capErr(e *witypes.Error) error {
	if e == nil {
		return nil
	}
	return &capability.Error{Code: capability.Code(e.Code), Message: e.Message}
}

// sqlImport implements capability.SQL.
type sqlImport struct {
	w    SQLImport
	buf  []byte             // Run's calls, laid out (8-aligned)
	vals []capability.Value // Run's last values
}

func (s *sqlImport) Dialect() string { return s.w.Dialect() }

func (s *sqlImport) Open(name string, memory bool) (capability.DB, error) {
	db, e := s.w.Open(name, memory)
	return capability.DB(db), capErr(e)
}

func (s *sqlImport) Close(db capability.DB) { s.w.Close(uint32(db)) }

func (s *sqlImport) Exec(db capability.DB, sql string) error {
	return capErr(s.w.Exec(uint32(db), sql))
}

func (s *sqlImport) Prepare(db capability.DB, sql string) (capability.Stmt, error) {
	st, e := s.w.Prepare(uint32(db), sql)
	return capability.Stmt(st), capErr(e)
}

func (s *sqlImport) BindNull(st capability.Stmt, i uint32) error {
	return capErr(s.w.BindNull(uint32(st), i))
}

func (s *sqlImport) BindInt(st capability.Stmt, i uint32, v int64) error {
	return capErr(s.w.BindInt(uint32(st), i, v))
}

func (s *sqlImport) BindFloat(st capability.Stmt, i uint32, v float64) error {
	return capErr(s.w.BindFloat(uint32(st), i, v))
}

func (s *sqlImport) BindText(st capability.Stmt, i uint32, v string) error {
	return capErr(s.w.BindText(uint32(st), i, v))
}

func (s *sqlImport) BindBlob(st capability.Stmt, i uint32, v []byte) error {
	return capErr(s.w.BindBlob(uint32(st), i, v))
}

func (s *sqlImport) Step(st capability.Stmt) (bool, error) {
	row, e := s.w.Step(uint32(st))
	return row, capErr(e)
}

func (s *sqlImport) ColumnCount(st capability.Stmt) uint32 { return s.w.ColumnCount(uint32(st)) }

func (s *sqlImport) ColumnKind(st capability.Stmt, i uint32) capability.Kind {
	return capability.Kind(s.w.ColumnKind(uint32(st), i))
}

func (s *sqlImport) ColumnInt(st capability.Stmt, i uint32) int64 {
	return s.w.ColumnInt(uint32(st), i)
}

func (s *sqlImport) ColumnFloat(st capability.Stmt, i uint32) float64 {
	return s.w.ColumnFloat(uint32(st), i)
}

func (s *sqlImport) ColumnText(st capability.Stmt, i uint32) string {
	return s.w.ColumnText(uint32(st), i)
}

func (s *sqlImport) ColumnBlob(st capability.Stmt, i uint32) []byte {
	return s.w.ColumnBlob(uint32(st), i)
}

func (s *sqlImport) Changes(db capability.DB) int64 { return s.w.Changes(uint32(db)) }

func (s *sqlImport) Reset(st capability.Stmt) error { return capErr(s.w.Reset(uint32(st))) }

func (s *sqlImport) Finalize(st capability.Stmt) { s.w.Finalize(uint32(st)) }

// OpenServer implements capability.ServerSQL: the host's database server.
func (s *sqlImport) OpenServer(name string) (capability.DB, error) {
	db, e := s.w.OpenServer(name)
	return capability.DB(db), capErr(e)
}

// Run runs a batch in one import call. It lays the calls out by hand in
// one reused buffer, their texts and blobs passed in place, and takes the
// rows in place from the buffers the host allocated: the generic glue
// (SQLImport.Run) allocated an array per call and a copy per string, and
// in Go compiled to wasm that took a get-miss from 8 to 20 µs.
func (s *sqlImport) Run(calls []capability.Call) ([]capability.Value, int, error) {
	b, nv := s.layout(calls)
	at := valuesAt(len(calls))
	wasmimportSQLRun(unsafe.Pointer(&b[0]), uint32(len(calls)), unsafe.Pointer(&b[at]), uint32(nv), guestrt.BytesPtr(importRet))
	runtime.KeepAlive(calls) // what b points to
	if importRet[0] == 0 {
		if vals, ok := s.takeValues(le32(importRet, 4), le32(importRet, 8)); ok {
			return vals, int(le32(importRet, 12)), nil
		}
	}
	// An error, or values not where the host should have put them: the
	// generated glue reports either.
	r, e := guestrt.ImportResult(importRet, 4, witypes.LiftRunResult[*guestrt.Lifter], witypes.LiftError[*guestrt.Lifter], liftFaultError)
	if e == nil {
		f := liftFaultError("sql.run: bad values")
		e = &f
	}
	return *(*[]capability.Value)(unsafe.Pointer(&r.Values)), int(r.Ran), capErr(e)
}

// abiCall and abiValue are the canonical ABI's layouts of the records
// call (16 bytes, 4-aligned) and value (40 bytes, 8-aligned) as Go
// structs.
type abiCall struct {
	statement, params, rows uint32
	ifRow, wait             uint8
	_                       [2]uint8
}

type abiValue struct {
	kind        uint64 // the storage class in its first byte, padding after
	integer     uint64
	float       uint64
	text, ntext uint32
	blob, nblob uint32
}

// Their sizes, checked against the WIT's at compile time.
const (
	callSize  = 16
	valueSize = 40
)

var (
	_ [callSize - unsafe.Sizeof(abiCall{})]byte
	_ [unsafe.Sizeof(abiCall{}) - callSize]byte
	_ [valueSize - unsafe.Sizeof(abiValue{})]byte
	_ [unsafe.Sizeof(abiValue{}) - valueSize]byte
)

// valuesAt is where layout puts the values after n calls (8-aligned).
func valuesAt(n int) int { return (n*callSize + 7) &^ 7 }

// layout writes calls into s.buf as the canonical ABI's list<call>, and
// after it their parameters as one list<value> (nv of them), strings and
// blobs as the addresses of their Go memory. It stores field by field
// through pointers: in Go compiled to wasm a copy of a struct of more
// than a few words is a call to memmove, which wazero runs as a host
// function.
func (s *sqlImport) layout(calls []capability.Call) (b []byte, nv int) {
	for i := range calls {
		nv += len(calls[i].Params)
	}
	at := valuesAt(len(calls))
	// One byte more than needed: b[at] exists for an empty list.
	if need := at + nv*valueSize + 1; len(s.buf) < need {
		s.buf = guestrt.NewArray(max(need, 2*len(s.buf)))
	}
	b = s.buf
	for i := range calls {
		c := &calls[i]
		ac := (*abiCall)(unsafe.Pointer(&b[i*callSize]))
		ac.statement = uint32(c.Statement)
		ac.params = uint32(len(c.Params))
		ac.rows = c.Rows
		ac.ifRow = uint8(guestrt.B2U(c.IfRow))
		ac.wait = uint8(guestrt.B2U(c.Wait))
		for k := range c.Params {
			v := &c.Params[k]
			av := (*abiValue)(unsafe.Pointer(&b[at]))
			av.kind = uint64(v.Kind)
			av.integer = uint64(v.Integer)
			av.float = math.Float64bits(v.Float)
			av.text = guestrt.StrAddr(v.Text)
			av.ntext = uint32(len(v.Text))
			av.blob = guestrt.Addr(v.Blob)
			av.nblob = uint32(len(v.Blob))
			at += valueSize
		}
	}
	return b, nv
}

// takeValues takes the n values the host placed at p, their texts and
// blobs in place (the host allocated them through cabi_realloc for this
// call), into s.vals; ok is false when one is not where it may be.
func (s *sqlImport) takeValues(p, n uint32) (_ []capability.Value, ok bool) {
	arr, release, ok := guestrt.TakeArray(p, n, valueSize)
	if !ok {
		return nil, false
	}
	defer release()
	clear(s.vals)
	vals := s.vals[:0]
	for o := 0; o < len(arr); o += valueSize {
		v := capability.Value{Kind: capability.Kind(arr[o])}
		switch v.Kind {
		case capability.KindInteger:
			v.Integer = int64(le64(arr, o+8))
		case capability.KindFloat:
			v.Float = math.Float64frombits(le64(arr, o+16))
		case capability.KindText:
			if v.Text, ok = guestrt.TakeString(le32(arr, o+24), le32(arr, o+28)); !ok {
				return nil, false
			}
		case capability.KindBlob:
			if v.Blob, ok = guestrt.TakeBytes(le32(arr, o+32), le32(arr, o+36)); !ok {
				return nil, false
			}
		case capability.KindNull:
		default:
			return nil, false
		}
		vals = append(vals, v)
	}
	s.vals = vals
	return vals, true
}

// Little-endian loads (wasm is little-endian).
func le32(b []byte, o int) uint32 { return *(*uint32)(unsafe.Pointer(&b[o])) }
func le64(b []byte, o int) uint64 { return *(*uint64)(unsafe.Pointer(&b[o])) }
