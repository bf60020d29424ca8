package jsonv

import "strconv"

// AppendCompact appends v as serde_json::to_vec writes it, with object
// members in key order: no whitespace, strings escaped as AppendString,
// floats as AppendFloat. This is the canonical JSON of docs/SPEC.md §7 and
// the value_json the SQLite backend stores.
func (v Value) AppendCompact(dst []byte) []byte {
	switch v.kind {
	case KindArray:
		dst = append(dst, '[')
		for i, item := range v.items {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = item.AppendCompact(dst)
		}
		return append(dst, ']')
	case KindObject:
		dst = append(dst, '{')
		for i, m := range v.members {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendString(dst, m.Key)
			dst = append(dst, ':')
			dst = m.Value.AppendCompact(dst)
		}
		return append(dst, '}')
	}
	return v.appendScalar(dst)
}

// appendScalar appends a value that is neither an array nor an object.
func (v Value) appendScalar(dst []byte) []byte {
	switch v.kind {
	case KindBool:
		if v.bits == 1 {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case KindInt:
		return strconv.AppendInt(dst, int64(v.bits), 10)
	case KindUint:
		return strconv.AppendUint(dst, v.bits, 10)
	case KindFloat:
		f, _ := v.AsFloat()
		return AppendFloat(dst, f)
	case KindString:
		return AppendString(dst, v.str)
	}
	return append(dst, "null"...)
}

// Compact returns AppendCompact(nil).
func (v Value) Compact() []byte { return v.AppendCompact(nil) }
