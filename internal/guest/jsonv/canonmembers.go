package jsonv

import "iter"

// CanonicalMembers returns the members of obj, the canonical JSON of an
// object (as Canonical and AppendCanonical write it), in order: each
// member's key as its literal's text between the quotes (escaped as
// AppendString escapes it, so a key that needs no escape is its text) and
// its value's canonical JSON. It reads obj without checking it: for text
// that is not a canonical object it yields nothing or meaningless members.
func CanonicalMembers(obj []byte) iter.Seq2[[]byte, []byte] {
	return func(yield func(key, value []byte) bool) {
		if len(obj) < 2 || obj[0] != '{' {
			return
		}
		for i := 1; i < len(obj) && obj[i] == '"'; {
			k := skipCanonical(obj, i) // after the key's closing quote
			if k >= len(obj) || obj[k] != ':' {
				return
			}
			v := skipCanonical(obj, k+1)
			if !yield(obj[i+1:k-1], obj[k+1:v]) {
				return
			}
			i = v + 1 // past ',' or '}'
		}
	}
}

// skipCanonical returns the index after the value of canonical JSON that
// starts at s[i].
func skipCanonical(s []byte, i int) int {
	depth := 0
	for ; i < len(s); i++ {
		switch s[i] {
		case '"':
			for i++; i < len(s); i++ {
				if i = plainRun(s, i); i >= len(s) || s[i] == '"' {
					break
				}
				if s[i] == '\\' {
					i++ // the escaped byte
				}
			}
			if i >= len(s) {
				return len(s)
			}
		case '{', '[':
			depth++
			continue
		case '}', ']':
			if depth--; depth < 0 {
				return i // a scalar ended where its container does
			}
		case ',', ':':
			if depth == 0 {
				return i // a scalar ended
			}
			continue
		default:
			continue
		}
		if depth == 0 {
			return i + 1 // a string or a container ended
		}
	}
	return len(s)
}
