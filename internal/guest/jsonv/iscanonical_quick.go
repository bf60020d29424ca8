package jsonv

import "bytes"

// quickDepth is how deeply quickCanonical follows nesting; deeper text is
// left to the full check.
const quickDepth = 16

// quickCanonical reports that data is canonical for the common forms, in
// one loop instead of a call per token: strings of plain ASCII (no escape,
// no byte above 0x7e), integers of at most 18 digits, floats that
// isShortPlainFloat accepts, true, false, null, and containers nested at
// most quickDepth deep, object keys strictly increasing. False decides
// nothing: IsCanonical then runs the full check. A get-hit checks every
// value it returns, and in Go compiled to wasm the calls of the full
// check's recursive descent cost more than the bytes it reads.
func quickCanonical(s []byte) bool {
	var open [quickDepth]byte   // '{' or '[' of each open container
	var prev [quickDepth][2]int // each open object's previous key, s[prev[0]:prev[1]]; prev[1] == 0 before its first
	depth, i, n := 0, 0, len(s)
	expectKey := false
	for {
		if expectKey {
			if i >= n || s[i] != '"' {
				return false
			}
			j := plainRun(s, i+1)
			if j >= n || s[j] != '"' {
				return false
			}
			p := &prev[depth-1]
			if p[1] != 0 && bytes.Compare(s[p[0]:p[1]], s[i+1:j]) >= 0 {
				return false // unsorted or repeated
			}
			p[0], p[1] = i+1, j
			i = j + 1
			if i >= n || s[i] != ':' {
				return false
			}
			i++
			expectKey = false
		}
		// A value starts at i.
		if i >= n {
			return false
		}
		switch c := s[i]; {
		case c == '{' || c == '[':
			if depth == quickDepth {
				return false
			}
			open[depth], prev[depth] = c, [2]int{}
			depth++
			i++
			if i >= n || s[i] != c+2 { // '{'+2 is '}', '['+2 is ']'
				expectKey = c == '{'
				continue
			}
			depth--
			i++
		case c == '"':
			j := plainRun(s, i+1)
			if j >= n || s[j] != '"' {
				return false
			}
			i = j + 1
		case c == '-' || '0' <= c && c <= '9':
			start := i
			if c == '-' {
				i++
			}
			d := i
			for i < n && '0' <= s[i] && s[i] <= '9' {
				i++
			}
			digits := i - d
			if digits == 0 || s[d] == '0' && digits > 1 {
				return false // no digit, or a leading zero
			}
			if i < n && (s[i] == '.' || s[i] == 'e' || s[i] == 'E') {
				for i < n && (s[i] == '.' || s[i] == 'e' || s[i] == 'E' || s[i] == '+' || s[i] == '-' || '0' <= s[i] && s[i] <= '9') {
					i++
				}
				if !isShortPlainFloat(s[start:i]) {
					return false
				}
			} else if digits > 18 || digits == 1 && s[d] == '0' && d > start {
				return false // beyond int64's sure range, or -0 (a float)
			}
		case c == 't' && bytes.HasPrefix(s[i:], []byte("true")):
			i += 4
		case c == 'f' && bytes.HasPrefix(s[i:], []byte("false")):
			i += 5
		case c == 'n' && bytes.HasPrefix(s[i:], []byte("null")):
			i += 4
		default:
			return false
		}
		// A value ended at i: close containers until one goes on.
		for {
			if depth == 0 {
				return i == n
			}
			if i >= n {
				return false
			}
			if s[i] == ',' {
				i++
				expectKey = open[depth-1] == '{'
				break
			}
			if s[i] != open[depth-1]+2 {
				return false
			}
			depth--
			i++
		}
	}
}
