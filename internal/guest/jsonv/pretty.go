package jsonv

// Indent is the indentation step of the pretty form (serde_json's
// PrettyFormatter default).
const Indent = "  "

// AppendPretty appends v as serde_json::to_vec_pretty writes it: each array
// element and object member on its own line, indented by Indent per level,
// `": "` after keys, empty containers as [] and {}, no trailing newline.
//
// level is the nesting level v is written at: 0 for a top-level value; a
// value nested inside an enclosing pretty container at level L is written at
// L+1 (its closing bracket is indented L+1 times).
func (v Value) AppendPretty(dst []byte, level int) []byte {
	switch v.kind {
	case KindArray:
		return appendPrettyContainer(dst, '[', ']', len(v.items), level, func(dst []byte, i int) []byte {
			return v.items[i].AppendPretty(dst, level+1)
		})
	case KindObject:
		return appendPrettyContainer(dst, '{', '}', len(v.members), level, func(dst []byte, i int) []byte {
			dst = AppendString(dst, v.members[i].Key)
			dst = append(dst, ':', ' ')
			return v.members[i].Value.AppendPretty(dst, level+1)
		})
	}
	return v.appendScalar(dst)
}

// appendPrettyContainer appends a pretty array or object of n elements
// between open and close at level, each element written by elem on its own
// line; an empty one as open and close alone.
func appendPrettyContainer(dst []byte, open, close byte, n, level int, elem func(dst []byte, i int) []byte) []byte {
	if n == 0 {
		return append(dst, open, close)
	}
	dst = append(dst, open)
	for i := range n {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = AppendNewline(dst, level+1)
		dst = elem(dst, i)
	}
	dst = AppendNewline(dst, level)
	return append(dst, close)
}

// AppendNewline appends a newline and level times Indent, for writers that
// lay out their own pretty containers (such as the fs record).
func AppendNewline(dst []byte, level int) []byte {
	dst = append(dst, '\n')
	for ; level > 0; level-- {
		dst = append(dst, Indent...)
	}
	return dst
}
