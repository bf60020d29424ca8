package jsonv

import (
	"bytes"
	"slices"
)

// Canonical returns the canonical JSON of data: the compact form with
// object keys sorted (recursively) by UTF-8 bytes, as the original's
// canonical_json_bytes writes it, or Parse's error. The result may be data
// itself (when data is canonical already).
//
// Text that only needs its whitespace dropped and its object members
// reordered (what JSON.stringify and most encoders write) is rewritten in
// one pass without building a Value; anything else takes Parse and
// AppendCompact, which decide the result and the error.
func Canonical(data []byte) ([]byte, error) {
	if IsCanonical(data) {
		return data, nil
	}
	if out, ok := appendCanonical(make([]byte, 0, len(data)), data); ok {
		return out, nil
	}
	v, err := Parse(data)
	if err != nil {
		return nil, err
	}
	return v.AppendCompact(make([]byte, 0, len(data))), nil
}

// appendCanonical appends the canonical form of data to dst when it is data
// with its whitespace dropped and its object members sorted: every string
// and number already in serde_json's form (IsCanonical's rules), no escape
// in a key, no repeated key, nesting within MaxDepth. ok is false for any
// other text, valid or not, and the appended bytes are then meaningless.
// The output is never longer than data.
func appendCanonical(dst, data []byte) (out []byte, ok bool) {
	var spans [16]memberSpan
	w := canonWriter{canonChecker: canonChecker{s: data}, out: dst, spans: spans[:0]}
	ok = w.value(0)
	w.space()
	return w.out, ok && w.i == len(data)
}

// canonWriter copies the tokens canonChecker accepts to out, dropping the
// whitespace between them and sorting each object's members.
type canonWriter struct {
	canonChecker
	out []byte
	// spans holds the members of the objects being written, innermost
	// last; an object's members are dropped when it is closed.
	spans []memberSpan
	// moved counts the bytes sortMembers has rewritten. An unsorted object
	// inside unsorted objects is rewritten once per level, so nesting could
	// make the pass quadratic; past maxMoved it gives up, and Parse
	// (linear in the text) takes over.
	moved int
}

// maxMoved is how many bytes sortMembers may rewrite for an input of n
// bytes: eight times the input (a value nested eight unsorted levels deep
// everywhere), and a little more for small inputs.
func maxMoved(n int) int { return 8*n + 4096 }

// memberSpan is where one member lies in out: its key's text between
// key+1 and keyEnd-1 (inside the quotes), the whole member from key to end.
type memberSpan struct{ key, keyEnd, end int }

func (w *canonWriter) space() { w.i = skipSpace(w.s, w.i) }

func (w *canonWriter) value(depth int) bool {
	w.space()
	if w.i < len(w.s) && w.s[w.i] == '{' {
		return w.object(depth + 1)
	}
	if w.i < len(w.s) && w.s[w.i] == '[' {
		return w.array(depth + 1)
	}
	start := w.i
	ok := w.scalar() // false at the end of the text too
	if ok {
		w.out = append(w.out, w.s[start:w.i]...)
	}
	return ok
}

// open writes the opening bracket at w.i, of a container nested depth
// deep; empty is true when close follows (the container is written).
func (w *canonWriter) open(depth int, close byte) (empty, ok bool) {
	if depth > MaxDepth {
		return false, false
	}
	w.out = append(w.out, w.s[w.i])
	w.i++
	w.space()
	if w.i < len(w.s) && w.s[w.i] == close {
		w.i++
		w.out = append(w.out, close)
		return true, true
	}
	return false, true
}

// next reads what follows an element: ',' (written) or close (end is true).
func (w *canonWriter) next(close byte) (end, ok bool) {
	w.space()
	end, ok = w.canonChecker.next(close)
	if ok {
		w.out = append(w.out, w.s[w.i-1])
	}
	return end, ok
}

func (w *canonWriter) array(depth int) bool {
	end, ok := w.open(depth, ']')
	for ok && !end {
		if !w.value(depth) {
			return false
		}
		end, ok = w.next(']')
	}
	return ok
}

func (w *canonWriter) object(depth int) bool {
	start := len(w.out)
	if empty, ok := w.open(depth, '}'); empty || !ok {
		return ok
	}
	first, sorted := len(w.spans), true
	for {
		w.space()
		if w.i >= len(w.s) || w.s[w.i] != '"' {
			return false
		}
		from := w.i
		key, ok := w.str()
		if !ok || bytes.IndexByte(key, '\\') >= 0 {
			return false
		}
		m := memberSpan{key: len(w.out)}
		w.out = append(w.out, w.s[from:w.i]...)
		m.keyEnd = len(w.out)
		if len(w.spans) > first {
			switch bytes.Compare(w.keyOf(w.spans[len(w.spans)-1]), key) {
			case 0:
				return false // repeated: Parse keeps the last
			case 1:
				sorted = false
			}
		}
		w.space()
		if w.i >= len(w.s) || w.s[w.i] != ':' {
			return false
		}
		w.i++
		w.out = append(w.out, ':')
		w.spans = append(w.spans, m)
		if !w.value(depth) {
			return false
		}
		w.spans[len(w.spans)-1].end = len(w.out)
		if end, ok := w.next('}'); !ok {
			return false
		} else if end {
			break
		}
	}
	members := w.spans[first:]
	w.spans = w.spans[:first]
	return sorted || w.sortMembers(start, members)
}

// keyOf returns the text of m's key in out.
func (w *canonWriter) keyOf(m memberSpan) []byte { return w.out[m.key+1 : m.keyEnd-1] }

// sortMembers rewrites the object written at out[start:] (its braces
// included) with members in key order; false when a key repeats or the
// rewriting has moved too much (see moved).
func (w *canonWriter) sortMembers(start int, members []memberSpan) bool {
	slices.SortFunc(members, func(a, b memberSpan) int { return bytes.Compare(w.keyOf(a), w.keyOf(b)) })
	for i := 1; i < len(members); i++ {
		if bytes.Equal(w.keyOf(members[i-1]), w.keyOf(members[i])) {
			return false
		}
	}
	if w.moved += len(w.out) - start; w.moved > maxMoved(len(w.s)) {
		return false
	}
	written := slices.Clone(w.out[start:])
	w.out = append(w.out[:start], '{')
	for i, m := range members {
		if i > 0 {
			w.out = append(w.out, ',')
		}
		w.out = append(w.out, written[m.key-start:m.end-start]...)
	}
	w.out = append(w.out, '}')
	return true
}
