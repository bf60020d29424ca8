package pgcap

import (
	"strconv"

	"github.com/sandcache/sandcache/internal/guest/capability"
)

// cellAt returns column index (0-based) of h's current row.
func (s *Session) cellAt(h capability.Stmt, index uint32) (cell, bool) {
	st, ok := s.stmts[h]
	if !ok || st.pos == 0 || st.pos > len(st.rows) || index >= uint32(len(st.rows[st.pos-1])) {
		return cell{kind: capability.KindNull}, false
	}
	return st.rows[st.pos-1][index], true
}

// ColumnCount returns the number of result columns of h's last run (0
// before it ran, or for an unknown handle).
func (s *Session) ColumnCount(h capability.Stmt) uint32 {
	if st, ok := s.stmts[h]; ok {
		return uint32(st.cols)
	}
	return 0
}

// ColumnKind returns the kind of column index of the current row; KindNull
// without a current row or such a column. Integers of every size and
// booleans are KindInteger, float4, float8 and numeric KindFloat, bytea
// KindBlob, text and every other type (as text) KindText.
func (s *Session) ColumnKind(h capability.Stmt, index uint32) capability.Kind {
	c, _ := s.cellAt(h, index)
	return c.kind
}

// ColumnInt returns column index as an integer (floats truncated, text 0).
func (s *Session) ColumnInt(h capability.Stmt, index uint32) int64 {
	c, _ := s.cellAt(h, index)
	if c.kind == capability.KindFloat {
		return int64(c.f)
	}
	return c.i
}

// ColumnFloat returns column index as a float.
func (s *Session) ColumnFloat(h capability.Stmt, index uint32) float64 {
	c, _ := s.cellAt(h, index)
	if c.kind == capability.KindInteger {
		return float64(c.i)
	}
	return c.f
}

// ColumnText returns column index as text ("" for NULL or without a row;
// numbers in decimal, as SQLite converts them).
func (s *Session) ColumnText(h capability.Stmt, index uint32) string {
	c, _ := s.cellAt(h, index)
	switch c.kind {
	case capability.KindBlob:
		return string(c.b)
	case capability.KindInteger:
		return strconv.FormatInt(c.i, 10)
	case capability.KindFloat:
		return strconv.FormatFloat(c.f, 'g', -1, 64)
	}
	return c.s
}

// ColumnBlob returns a copy of column index as bytes.
func (s *Session) ColumnBlob(h capability.Stmt, index uint32) []byte {
	c, _ := s.cellAt(h, index)
	switch c.kind {
	case capability.KindBlob:
		return append([]byte(nil), c.b...)
	case capability.KindText:
		return []byte(c.s)
	}
	return nil
}
