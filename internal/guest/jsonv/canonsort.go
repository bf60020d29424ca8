package jsonv

import (
	"bytes"
	"slices"
)

// memberSpan is where appendCanonical wrote one member of an object: its
// key's string literal (quotes included) at out[key:keyEnd], the whole
// member at out[key:end]. Offsets only, so sorting members moves no
// pointers (in Go compiled to wasm, every pointer write into the heap
// costs a write barrier).
type memberSpan struct {
	key, keyEnd, end int32
	escaped          bool // the key's literal holds an escape
}

// sortMembers rewrites the object whose '{' is at out[start], its members
// written after it (their spans in members, in document order, its '}'
// not yet written), with the members sorted by key and, of a repeated key,
// only the last kept. It returns out with the object closed.
func sortMembers(out []byte, start int, members []memberSpan) []byte {
	if len(members) <= 16 {
		// Insertion sort: stable, no calls but the comparisons.
		for k := 1; k < len(members); k++ {
			m := members[k]
			j := k
			for ; j > 0 && compareKeys(out, members[j-1], m) > 0; j-- {
				members[j] = members[j-1]
			}
			members[j] = m
		}
	} else {
		slices.SortStableFunc(members, func(a, b memberSpan) int { return compareKeys(out, a, b) })
	}
	n := 0
	for _, m := range members {
		if n > 0 && compareKeys(out, members[n-1], m) == 0 {
			members[n-1] = m // the last one wins
			continue
		}
		members[n] = m
		n++
	}
	// Write the sorted object after the unsorted one, then move it over.
	end := len(out)
	out = append(out, '{')
	for k, m := range members[:n] {
		if k > 0 {
			out = append(out, ',')
		}
		out = append(out, out[m.key:m.end]...)
	}
	out = append(out, '}')
	return out[:start+copy(out[start:], out[end:])]
}

// keyAfter reports whether the key of b, written in out after a's, is
// greater than a's. Keys of an object mostly differ in their first byte,
// tested here without a call (calls are dear in Go compiled to wasm).
func keyAfter(out []byte, a, b memberSpan) bool {
	if !a.escaped && !b.escaped && a.keyEnd-a.key > 2 && b.keyEnd-b.key > 2 && out[a.key+1] != out[b.key+1] {
		return out[a.key+1] < out[b.key+1]
	}
	return compareKeys(out, a, b) < 0
}

// compareKeys compares the keys of two members written in out by their
// text (the bytes their literals decode to).
func compareKeys(out []byte, a, b memberSpan) int {
	ka, kb := out[a.key+1:a.keyEnd-1], out[b.key+1:b.keyEnd-1]
	if !a.escaped && !b.escaped {
		return bytes.Compare(ka, kb)
	}
	for i, j := 0, 0; ; {
		if i == len(ka) || j == len(kb) {
			return (len(ka) - i) - (len(kb) - j) // the one left over is longer
		}
		ca, na := canonicalByte(ka, i)
		cb, nb := canonicalByte(kb, j)
		if ca != cb {
			return int(ca) - int(cb)
		}
		i, j = na, nb
	}
}

// canonicalByte decodes the byte at s[i] of a string's canonical text
// (between its quotes): a byte as it is, or one of the escapes
// appendStringLit writes (\" \\ \b \f \n \r \t \u00xx), each of which
// stands for one byte. It returns the byte and the index after it.
func canonicalByte(s []byte, i int) (byte, int) {
	if s[i] != '\\' {
		return s[i], i + 1
	}
	if c := s[i+1]; c != 'u' {
		return shortUnescapes[c], i + 2 // canonical text: " \ b f n r t
	}
	return unhex(s[i+4])<<4 | unhex(s[i+5]), i + 6
}

// unhex returns the value of a lower-case hex digit.
func unhex(c byte) byte {
	if c >= 'a' {
		return c - 'a' + 10
	}
	return c - '0'
}
