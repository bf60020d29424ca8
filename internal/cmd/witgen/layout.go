package main

import (
	"fmt"

	"go.bytecodealliance.org/wit"
)

// leaf is one scalar of a memory layout.
type leaf struct {
	path   string
	offset uintptr
	kind   string
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// scalarKind names a primitive for layouts.
func scalarKind(t wit.Type) string {
	switch root(t).(type) {
	case wit.Bool:
		return "bool"
	case wit.U8:
		return "u8"
	case wit.U16:
		return "u16"
	case wit.U32:
		return "u32"
	case wit.U64:
		return "u64"
	case wit.S8:
		return "s8"
	case wit.S16:
		return "s16"
	case wit.S32:
		return "s32"
	case wit.S64:
		return "s64"
	case wit.F32:
		return "f32"
	case wit.F64:
		return "f64"
	case wit.String:
		return "string"
	}
	return ""
}

// leaves flattens t's memory layout at off into scalars. Variants list
// their discriminant as "<path>tag" and each case's payload under the
// case name.
func leaves(t wit.Type, path string, off uintptr) []leaf {
	if k := scalarKind(t); k != "" {
		return []leaf{{path, off, k}}
	}
	switch k := kindOf(t).(type) {
	case *wit.Enum:
		return []leaf{{path, off, "enum"}}
	case *wit.List:
		return []leaf{{path, off, "list"}}
	case *wit.Option, *wit.Result:
		n, types := variantTypes(k)
		payload := off + payloadOffset(n, types)
		out := []leaf{{join(path, "tag"), off, "tag"}}
		names := []string{"none", "some"}
		if _, ok := k.(*wit.Result); ok {
			names = []string{"ok", "err"}
		}
		for i, ct := range types {
			if ct != nil {
				out = append(out, leaves(ct, join(path, names[i]), payload)...)
			}
		}
		return out
	case *wit.Record:
		var out []leaf
		offs := fieldOffsets(k)
		for i, f := range k.Fields {
			out = append(out, leaves(f.Type, join(path, f.Name), off+offs[i])...)
		}
		return out
	}
	panic(fmt.Sprintf("no layout for %s", t.TypeName()))
}
