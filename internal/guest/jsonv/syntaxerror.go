package jsonv

import "strconv"

// SyntaxError is a Parse failure: what was wrong (serde_json's wording)
// and where.
type SyntaxError struct {
	Msg    string // e.g. "trailing comma"
	Offset int    // byte offset into the input
	Line   int    // 1-based line
	Column int    // 1-based column, in bytes
}

// Error returns "<msg> at line L column C", as serde_json words it.
func (e *SyntaxError) Error() string {
	return e.Msg + " at line " + strconv.Itoa(e.Line) + " column " + strconv.Itoa(e.Column)
}

// newSyntaxError locates offset in s.
func newSyntaxError(s string, offset int, msg string) *SyntaxError {
	line, col := 1, 0
	for i := 0; i < offset && i < len(s); i++ {
		if s[i] == '\n' {
			line, col = line+1, 0
		} else {
			col++
		}
	}
	if offset < len(s) {
		col++ // serde_json counts the offending byte
	}
	return &SyntaxError{Msg: msg, Offset: offset, Line: line, Column: col}
}
