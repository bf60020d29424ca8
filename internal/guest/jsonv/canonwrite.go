package jsonv

import "bytes"

// appendCanonical appends the canonical form of data to dst in one pass,
// without building a Value: whitespace dropped, strings and numbers
// rewritten in serde_json's form (appendStringLit, appendNumber), each
// object's members sorted by key once it is closed, a repeated key's last
// member kept (sortMembers). ok is false for any text Parse rejects, and
// for text too large or too deeply unsorted for this pass (see maxMoved);
// the appended bytes are then meaningless.
//
// It is one loop over the text with its own stack of open containers, and
// the members it sorts are offsets (no pointers): in Go compiled to wasm,
// calls, heap allocations and pointer writes cost more than the bytes read.
func appendCanonical(dst, data []byte) (out []byte, ok bool) {
	if len(data) > maxRewrite {
		return dst, false
	}
	var frameBuf [16]openContainer
	var spanBuf [32]memberSpan
	frames, spans := frameBuf[:0], spanBuf[:0]
	s, i, out := data, 0, dst
	moved, expectKey := 0, false
	for {
		i = skipSpace(s, i)
		if expectKey {
			if i >= len(s) || s[i] != '"' {
				return out, false
			}
			m := memberSpan{key: int32(len(out))}
			if j := plainRun(s, i+1); j < len(s) && s[j] == '"' {
				out, i = append(out, s[i:j+1]...), j+1 // plain text: as it is
			} else {
				if out, i, ok = appendStringLit(out, s, i); !ok {
					return out, false
				}
				m.escaped = bytes.IndexByte(out[m.key+1:], '\\') >= 0
			}
			m.keyEnd = int32(len(out))
			if f := &frames[len(frames)-1]; int(f.first) < len(spans) && !keyAfter(out, spans[len(spans)-1], m) {
				f.sorted = false // out of order, or repeated
			}
			spans = append(spans, m)
			i = skipSpace(s, i)
			if i >= len(s) || s[i] != ':' {
				return out, false
			}
			out = append(out, ':')
			i = skipSpace(s, i+1)
			expectKey = false
		}
		// A value starts at i.
		if i >= len(s) {
			return out, false
		}
		switch c := s[i]; {
		case c == '{' || c == '[':
			if len(frames) == MaxDepth {
				return out, false
			}
			out = append(out, c)
			i = skipSpace(s, i+1)
			if i < len(s) && s[i] == c+2 { // '{'+2 is '}', '['+2 is ']'
				out = append(out, c+2)
				i++
				break // an empty container is a value that ended
			}
			frames = append(frames, openContainer{start: int32(len(out) - 1), first: int32(len(spans)), close: c + 2, sorted: true})
			expectKey = c == '{'
			continue
		case c == '"':
			if j := plainRun(s, i+1); j < len(s) && s[j] == '"' {
				out, i = append(out, s[i:j+1]...), j+1 // plain text: as it is
			} else if out, i, ok = appendStringLit(out, s, i); !ok {
				return out, false
			}
		case c == '-' || isDigit(c):
			if out, i, ok = appendNumber(out, s, i); !ok {
				return out, false
			}
		case c == 't' && hasWord(s, i, "true"):
			out, i = append(out, "true"...), i+4
		case c == 'f' && hasWord(s, i, "false"):
			out, i = append(out, "false"...), i+5
		case c == 'n' && hasWord(s, i, "null"):
			out, i = append(out, "null"...), i+4
		default:
			return out, false
		}
		// A value ended at i: close containers until one goes on.
		for {
			i = skipSpace(s, i)
			if len(frames) == 0 {
				return out, i == len(s)
			}
			f := &frames[len(frames)-1]
			if f.close == '}' {
				spans[len(spans)-1].end = int32(len(out))
			}
			if i >= len(s) {
				return out, false
			}
			if s[i] == ',' {
				out = append(out, ',')
				i++
				expectKey = f.close == '}'
				break
			}
			if s[i] != f.close {
				return out, false
			}
			i++
			if f.close == ']' || f.sorted {
				out = append(out, f.close)
			} else {
				if moved += len(out) - int(f.start); moved > maxMoved(len(s)) {
					return out, false
				}
				out = sortMembers(out, int(f.start), spans[f.first:])
			}
			spans = spans[:f.first]
			frames = frames[:len(frames)-1]
		}
	}
}

// maxRewrite is the longest text appendCanonical takes: its offsets into
// the output are int32, and the output may be a few times longer than the
// text ("1e15" is written "1000000000000000.0").
const maxRewrite = 1 << 26

// maxMoved is how many bytes sortMembers may rewrite for an input of n
// bytes. An unsorted object inside unsorted objects is rewritten once per
// level, so nesting could make the pass quadratic; past eight times the
// input (a value nested eight unsorted levels deep everywhere), and a
// little more for small inputs, appendCanonical gives up and Parse (linear
// in the text) takes over.
func maxMoved(n int) int { return 8*n + 4096 }

// openContainer is an array or object appendCanonical has opened and not
// yet closed.
type openContainer struct {
	start  int32 // where its '[' or '{' is in the output
	first  int32 // its first member in spans (objects)
	close  byte  // ']' or '}'
	sorted bool  // an object's keys so far are strictly increasing
}

// hasWord reports whether s holds word at i.
func hasWord(s []byte, i int, word string) bool {
	return len(s)-i >= len(word) && string(s[i:i+len(word)]) == word
}
