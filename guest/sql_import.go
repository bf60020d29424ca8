//go:build wasip1

package main

import (
	"unsafe"

	"github.com/sandcache/sandcache/guest/capability"
)

// Imports of interface sandcache:cache/sql@0.1.0, lowered by hand to the
// canonical ABI. Results wider than one core value come back through
// importRet (the return area), whose layout is given per function.

const sqlModule = "sandcache:cache/sql@0.1.0"

// importRet is the return area passed to imports with indirect results.
var importRet area

//go:wasmimport sandcache:cache/sql@0.1.0 dialect
func sqlDialect(ret uint32)

//go:wasmimport sandcache:cache/sql@0.1.0 open
func sqlOpen(name unsafe.Pointer, nameLen uint32, memory uint32, ret uint32)

//go:wasmimport sandcache:cache/sql@0.1.0 close
func sqlClose(db uint32)

//go:wasmimport sandcache:cache/sql@0.1.0 exec
func sqlExec(db uint32, sql unsafe.Pointer, sqlLen uint32, ret uint32)

//go:wasmimport sandcache:cache/sql@0.1.0 prepare
func sqlPrepare(db uint32, sql unsafe.Pointer, sqlLen uint32, ret uint32)

//go:wasmimport sandcache:cache/sql@0.1.0 bind-null
func sqlBindNull(s, index uint32, ret uint32)

//go:wasmimport sandcache:cache/sql@0.1.0 bind-int
func sqlBindInt(s, index uint32, v int64, ret uint32)

//go:wasmimport sandcache:cache/sql@0.1.0 bind-float
func sqlBindFloat(s, index uint32, v float64, ret uint32)

//go:wasmimport sandcache:cache/sql@0.1.0 bind-text
func sqlBindText(s, index uint32, p unsafe.Pointer, n uint32, ret uint32)

//go:wasmimport sandcache:cache/sql@0.1.0 bind-blob
func sqlBindBlob(s, index uint32, p unsafe.Pointer, n uint32, ret uint32)

//go:wasmimport sandcache:cache/sql@0.1.0 step
func sqlStep(s uint32, ret uint32)

//go:wasmimport sandcache:cache/sql@0.1.0 column-count
func sqlColumnCount(s uint32) uint32

//go:wasmimport sandcache:cache/sql@0.1.0 column-kind
func sqlColumnKind(s, index uint32) uint32

//go:wasmimport sandcache:cache/sql@0.1.0 column-int
func sqlColumnInt(s, index uint32) int64

//go:wasmimport sandcache:cache/sql@0.1.0 column-float
func sqlColumnFloat(s, index uint32) float64

//go:wasmimport sandcache:cache/sql@0.1.0 column-text
func sqlColumnText(s, index uint32, ret uint32)

//go:wasmimport sandcache:cache/sql@0.1.0 column-blob
func sqlColumnBlob(s, index uint32, ret uint32)

//go:wasmimport sandcache:cache/sql@0.1.0 changes
func sqlChanges(db uint32) int64

//go:wasmimport sandcache:cache/sql@0.1.0 reset
func sqlReset(s uint32, ret uint32)

//go:wasmimport sandcache:cache/sql@0.1.0 finalize
func sqlFinalize(s uint32)

// resultErr decodes `result<T, error>` in importRet: nil when ok (tag 0),
// else the error at offset 4 (code) and 8 (message).
func resultErr() error {
	if importRet.u8(0) == 0 {
		return nil
	}
	msg, ok := takeString(importRet.u32(8), importRet.u32(12))
	if !ok {
		return capability.Errorf(capability.Internal, "host returned an error with a bad message pointer")
	}
	return &capability.Error{Code: capability.Code(importRet.u8(4)), Message: msg}
}

// retString decodes a string (or list<u8>) at offset off of importRet.
func retString(off int) string {
	s, ok := takeString(importRet.u32(off), importRet.u32(off+4))
	if !ok {
		panic("sandcache guest: host returned a bad string pointer")
	}
	return s
}

// sqlImport implements capability.SQL over the imports.
type sqlImport struct{}

func (sqlImport) Dialect() string {
	sqlDialect(importRet.ptr())
	return retString(0)
}

func (sqlImport) Open(name string, memory bool) (capability.DB, error) {
	m := uint32(0)
	if memory {
		m = 1
	}
	sqlOpen(unsafe.Pointer(unsafe.StringData(name)), uint32(len(name)), m, importRet.ptr())
	if err := resultErr(); err != nil {
		return 0, err
	}
	return capability.DB(importRet.u32(4)), nil
}

func (sqlImport) Close(db capability.DB) { sqlClose(uint32(db)) }

func (sqlImport) Exec(db capability.DB, sql string) error {
	sqlExec(uint32(db), unsafe.Pointer(unsafe.StringData(sql)), uint32(len(sql)), importRet.ptr())
	return resultErr()
}

func (sqlImport) Prepare(db capability.DB, sql string) (capability.Stmt, error) {
	sqlPrepare(uint32(db), unsafe.Pointer(unsafe.StringData(sql)), uint32(len(sql)), importRet.ptr())
	if err := resultErr(); err != nil {
		return 0, err
	}
	return capability.Stmt(importRet.u32(4)), nil
}

func (sqlImport) BindNull(s capability.Stmt, i uint32) error {
	sqlBindNull(uint32(s), i, importRet.ptr())
	return resultErr()
}

func (sqlImport) BindInt(s capability.Stmt, i uint32, v int64) error {
	sqlBindInt(uint32(s), i, v, importRet.ptr())
	return resultErr()
}

func (sqlImport) BindFloat(s capability.Stmt, i uint32, v float64) error {
	sqlBindFloat(uint32(s), i, v, importRet.ptr())
	return resultErr()
}

func (sqlImport) BindText(s capability.Stmt, i uint32, v string) error {
	sqlBindText(uint32(s), i, unsafe.Pointer(unsafe.StringData(v)), uint32(len(v)), importRet.ptr())
	return resultErr()
}

func (sqlImport) BindBlob(s capability.Stmt, i uint32, v []byte) error {
	sqlBindBlob(uint32(s), i, unsafe.Pointer(unsafe.SliceData(v)), uint32(len(v)), importRet.ptr())
	return resultErr()
}

func (sqlImport) Step(s capability.Stmt) (bool, error) {
	sqlStep(uint32(s), importRet.ptr())
	if err := resultErr(); err != nil {
		return false, err
	}
	return importRet.u8(4) != 0, nil
}

func (sqlImport) ColumnCount(s capability.Stmt) uint32 { return sqlColumnCount(uint32(s)) }

func (sqlImport) ColumnKind(s capability.Stmt, i uint32) capability.Kind {
	return capability.Kind(sqlColumnKind(uint32(s), i))
}

func (sqlImport) ColumnInt(s capability.Stmt, i uint32) int64 { return sqlColumnInt(uint32(s), i) }

func (sqlImport) ColumnFloat(s capability.Stmt, i uint32) float64 {
	return sqlColumnFloat(uint32(s), i)
}

func (sqlImport) ColumnText(s capability.Stmt, i uint32) string {
	sqlColumnText(uint32(s), i, importRet.ptr())
	return retString(0)
}

func (sqlImport) ColumnBlob(s capability.Stmt, i uint32) []byte {
	sqlColumnBlob(uint32(s), i, importRet.ptr())
	b, ok := takeBytes(importRet.u32(0), importRet.u32(4))
	if !ok {
		panic("sandcache guest: host returned a bad blob pointer")
	}
	return b
}

func (sqlImport) Changes(db capability.DB) int64 { return sqlChanges(uint32(db)) }

func (sqlImport) Reset(s capability.Stmt) error {
	sqlReset(uint32(s), importRet.ptr())
	return resultErr()
}

func (sqlImport) Finalize(s capability.Stmt) { sqlFinalize(uint32(s)) }
