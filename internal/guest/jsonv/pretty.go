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
		if len(v.items) == 0 {
			return append(dst, '[', ']')
		}
		dst = append(dst, '[')
		for i, item := range v.items {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendNewline(dst, level+1)
			dst = item.AppendPretty(dst, level+1)
		}
		dst = AppendNewline(dst, level)
		return append(dst, ']')
	case KindObject:
		if len(v.members) == 0 {
			return append(dst, '{', '}')
		}
		dst = append(dst, '{')
		for i, m := range v.members {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendNewline(dst, level+1)
			dst = AppendString(dst, m.Key)
			dst = append(dst, ':', ' ')
			dst = m.Value.AppendPretty(dst, level+1)
		}
		dst = AppendNewline(dst, level)
		return append(dst, '}')
	}
	return v.appendScalar(dst)
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
