package capability

import (
	"strconv"
	"strings"
)

// Value is a parameter or column value (WIT `sql.value`): Kind says which
// field holds it; the others are zero, and all of them for KindNull.
type Value struct {
	Kind    Kind
	Integer int64
	Float   float64
	Text    string
	Blob    []byte
}

// Call is one statement of a batch (WIT `sql.call`): the parameters to
// bind from parameter 1; at most how many rows to return (0: the
// statement is stepped to its first row only); whether it runs only when
// the previous call returned a row; and whether it waits for a lock
// another connection holds or, finding one, ends the batch at once.
type Call struct {
	Statement Stmt
	Params    []Value
	Rows      uint32
	IfRow     bool
	Wait      bool
}

// Int is an integer Value.
func Int(v int64) Value { return Value{Kind: KindInteger, Integer: v} }

// Text is a text Value.
func Text(v string) Value { return Value{Kind: KindText, Text: v} }

// Null is the NULL Value.
func Null() Value { return Value{Kind: KindNull} }

// IsBusy reports whether err says another connection holds a lock.
func IsBusy(err error) bool {
	e, ok := err.(*Error)
	if !ok || e.Code != IO {
		return false
	}
	m := strings.ToLower(e.Message)
	return strings.Contains(m, "busy") || strings.Contains(m, "locked")
}

// MaxRunBytes caps the rows one Run of the host's capabilities returns
// (see RunEach), within the 128 MiB guest memory a sandboxed caller has
// by default: past it the batch fails with IO.
const MaxRunBytes = 64 << 20

// valueOverhead is what a Value counts against RunEach's limit besides
// its text and blob: its size in a 64-bit host's memory (more than its
// 40 bytes in the canonical ABI), so the limit bounds the host's memory
// as well as the guest's.
const valueOverhead = 64

// Waiter is implemented by an SQL capability whose statements can give up
// at once on a lock another connection holds: RunEach calls SetWait(st,
// false) before a call that may not wait, and SetWait(st, true) after it.
type Waiter interface {
	SetWait(st Stmt, wait bool)
}

// RunEach is SQL.Run over the statement-level methods of s, for the
// capabilities that implement Run: the values read are appended to out,
// and ran is how many calls ran or were skipped. The values may total at
// most limit bytes (64 a value, plus its text and blob): a batch fails
// with IO past it, so a statement's rows cannot grow the caller's memory
// without bound.
func RunEach(s SQL, calls []Call, out []Value, limit int) (vals []Value, ran int, err error) {
	w, _ := s.(Waiter)
	used, row := 0, false
	var open uint64 // calls left open (bit i for call i < 64)
	defer func() {
		for i := range min(ran+1, len(calls)) {
			if i >= 64 || open&(1<<i) != 0 {
				_ = s.Reset(calls[i].Statement)
			}
		}
	}()
	for i, c := range calls {
		if c.IfRow && !row {
			ran++
			continue
		}
		if w != nil && !c.Wait {
			w.SetWait(c.Statement, false)
		}
		var more bool
		out, row, more, err = runOne(s, c, out, &used, limit)
		if w != nil && !c.Wait {
			w.SetWait(c.Statement, true)
		}
		if more && i < 64 {
			open |= 1 << i
		}
		if err != nil {
			if !c.Wait && IsBusy(err) {
				return out, ran, nil
			}
			return out, ran, err
		}
		ran++
	}
	return out, ran, nil
}

// runOne runs one call of a batch, appending its rows' values to out and
// counting their bytes in used: row reports whether it returned a row,
// more whether it has not reached its end (it is then left open, its
// last row read or, with Rows 0, its first). A statement that reached
// its end is reset.
func runOne(s SQL, c Call, out []Value, used *int, limit int) (_ []Value, row, more bool, err error) {
	st := c.Statement
	if err := s.Reset(st); err != nil {
		return out, false, false, err
	}
	for i, p := range c.Params {
		if err := Bind(s, st, uint32(i+1), p); err != nil {
			return out, false, false, err
		}
	}
	more, err = s.Step(st)
	row = more
	for n := uint32(0); err == nil && more && n < c.Rows; n++ {
		cols := s.ColumnCount(st)
		for i := range cols {
			v := columnValue(s, st, i)
			if *used += valueOverhead + len(v.Text) + len(v.Blob); *used > limit {
				return out, row, true, New(IO, "sql: the rows of the batch total more than "+strconv.Itoa(limit)+" bytes")
			}
			out = append(out, v)
		}
		if n+1 < c.Rows {
			more, err = s.Step(st)
		}
	}
	if err != nil || !more {
		_ = s.Reset(st)
		more = false
	}
	return out, row, more, err
}

// Bind binds v to parameter i (1-based) of st.
func Bind(s SQL, st Stmt, i uint32, v Value) error {
	switch v.Kind {
	case KindInteger:
		return s.BindInt(st, i, v.Integer)
	case KindFloat:
		return s.BindFloat(st, i, v.Float)
	case KindText:
		return s.BindText(st, i, v.Text)
	case KindBlob:
		return s.BindBlob(st, i, v.Blob)
	case KindNull:
		return s.BindNull(st, i)
	}
	return New(InvalidArgument, "sql: parameter "+strconv.Itoa(int(i))+" has no storage class "+strconv.Itoa(int(v.Kind)))
}

// columnValue reads column i of st's current row.
func columnValue(s SQL, st Stmt, i uint32) Value {
	switch k := s.ColumnKind(st, i); k {
	case KindInteger:
		return Int(s.ColumnInt(st, i))
	case KindFloat:
		return Value{Kind: k, Float: s.ColumnFloat(st, i)}
	case KindText:
		return Text(s.ColumnText(st, i))
	case KindBlob:
		return Value{Kind: k, Blob: s.ColumnBlob(st, i)}
	}
	return Null()
}
