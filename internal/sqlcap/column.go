package sqlcap

import (
	"github.com/ncruces/go-sqlite3"

	"github.com/sandcache/sandcache/internal/guest/capability"
)

// column returns the statement of h when index (0-based) is a column of
// its current row.
func (s *Session) column(h capability.Stmt, index uint32) (*sqlite3.Stmt, int, bool) {
	e, ok := s.stmts.get(uint32(h))
	if !ok || index >= uint32(e.ncols) {
		return nil, 0, false
	}
	return e.s, int(index), true
}

// ColumnCount returns the number of result columns of statement h (0 for
// an unknown handle).
func (s *Session) ColumnCount(h capability.Stmt) uint32 {
	e, err := s.stmt(h)
	if err != nil {
		return 0
	}
	return uint32(e.s.ColumnCount())
}

// ColumnKind returns the storage class of column index of the current row;
// KindNull when there is no current row or no such column.
func (s *Session) ColumnKind(h capability.Stmt, index uint32) capability.Kind {
	st, i, ok := s.column(h, index)
	if !ok {
		return capability.KindNull
	}
	switch st.ColumnType(i) {
	case sqlite3.INTEGER:
		return capability.KindInteger
	case sqlite3.FLOAT:
		return capability.KindFloat
	case sqlite3.TEXT:
		return capability.KindText
	case sqlite3.BLOB:
		return capability.KindBlob
	}
	return capability.KindNull
}

// ColumnInt returns column index as an integer (0 without a current row or
// such a column).
func (s *Session) ColumnInt(h capability.Stmt, index uint32) int64 {
	st, i, ok := s.column(h, index)
	if !ok {
		return 0
	}
	return st.ColumnInt64(i)
}

// ColumnFloat returns column index as a float (0 without a current row or
// such a column).
func (s *Session) ColumnFloat(h capability.Stmt, index uint32) float64 {
	st, i, ok := s.column(h, index)
	if !ok {
		return 0
	}
	return st.ColumnFloat(i)
}

// ColumnText returns a copy of column index as text ("" without a current
// row or such a column).
func (s *Session) ColumnText(h capability.Stmt, index uint32) string {
	st, i, ok := s.column(h, index)
	if !ok {
		return ""
	}
	return st.ColumnText(i)
}

// ColumnBlob returns a copy of column index as a blob (nil for NULL, an
// empty blob, or without a current row or such a column).
func (s *Session) ColumnBlob(h capability.Stmt, index uint32) []byte {
	st, i, ok := s.column(h, index)
	if !ok {
		return nil
	}
	return st.ColumnBlob(i, nil)
}

// ColumnRawText is ColumnText without the copy: the bytes belong to SQLite
// and are valid only until the next call on this Session. For glue that
// copies them straight into guest memory.
func (s *Session) ColumnRawText(h capability.Stmt, index uint32) []byte {
	st, i, ok := s.column(h, index)
	if !ok {
		return nil
	}
	return st.ColumnRawText(i)
}

// ColumnRawBlob is ColumnBlob without the copy: the bytes belong to SQLite
// and are valid only until the next call on this Session.
func (s *Session) ColumnRawBlob(h capability.Stmt, index uint32) []byte {
	st, i, ok := s.column(h, index)
	if !ok {
		return nil
	}
	return st.ColumnRawBlob(i)
}
