//go:build wasip1

package main

import (
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
type sqlImport struct{ w SQLImport }

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
