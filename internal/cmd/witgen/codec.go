package main

import (
	"fmt"
	"strings"

	"go.bytecodealliance.org/wit"
)

// codec emits, on demand, one generic lift and one generic lower function
// per WIT type, over the runtimes' cabi.Reader and cabi.Writer:
//
//	func LiftX[R cabi.Reader](r R, b []byte, off uint32) X
//	func LowerX[W cabi.Writer](w W, b []byte, off uint32, v X)
//
// b holds the value's bytes (a return area, a list's elements), sized by
// the WIT, so indexing b never fails; what comes from the other side
// (addresses, lengths, discriminants) is the reader's to check. The
// functions are emitted once, into the package that declares the types,
// and serve every side: the Go host instantiates them with hostrt's types,
// Go guests with guestrt's. Primitive types use cabi's functions.
type codec struct {
	helpers
	goType func(wit.Type) string     // Go type in the emitting package
	named  func(*wit.TypeDef) string // Go name of a named type
	// shared, when not nil, is the codec of package witypes: the functions
	// of lists and options of primitive types (list<string>,
	// option<list<u8>>...) are emitted there once, for every package.
	shared *codec
}

func (c *codec) id(t wit.Type) string { return typeID(t, c.named) }

// primitive names cabi's generic function for a primitive type or
// list<u8>, or returns "".
func primitive(verb string, t wit.Type) string {
	if k := scalarKind(t); k != "" {
		return "cabi." + verb + goName(k)
	}
	if isBytes(t) {
		return "cabi." + verb + "Bytes"
	}
	if t == nil {
		return "cabi." + verb + "Unit"
	}
	return ""
}

// liftRef is t's lift function instantiated with reader type R; q
// qualifies the generated function's name (and a handle's type) when used
// from another package.
func (c *codec) liftRef(t wit.Type, q, R string) string { return c.ref("Lift", t, q, R) }

// lowerRef is t's lower function instantiated with writer type W.
func (c *codec) lowerRef(t wit.Type, q, W string) string { return c.ref("Lower", t, q, W) }

// ref is t's function of verb (Lift or Lower) instantiated with the
// runtime type RW: cabi's for primitive types and resource handles, the
// shared codec's for lists and options of primitives, else c's (emitted
// the first time).
func (c *codec) ref(verb string, t wit.Type, q, RW string) string {
	if f := primitive(verb, t); f != "" {
		return f + "[" + RW + "]"
	}
	switch kindOf(t).(type) {
	case *wit.Resource, *wit.Own, *wit.Borrow:
		return "cabi." + verb + "Handle[" + RW + ", " + q + c.goType(t) + "]"
	}
	if c.shared != nil && c.shared != c && ofPrimitives(t) {
		return c.shared.ref(verb, t, "witypes.", RW)
	}
	if verb == "Lift" {
		return q + c.lift(t) + "[" + RW + "]"
	}
	return q + c.lower(t) + "[" + RW + "]"
}

// ofPrimitives reports whether t is a list or option of primitive types
// (or of such lists and options), whose Go type is the same in every
// package.
func ofPrimitives(t wit.Type) bool {
	var e wit.Type
	switch k := kindOf(t).(type) {
	case *wit.List:
		e = k.Type
	case *wit.Option:
		e = k.Type
	default:
		return false
	}
	return primitive("Lift", e) != "" || ofPrimitives(e)
}

// fn emits, the first time, the function of verb (Lift or Lower) for t,
// of the signature sig (given its name), its statements written by body
// for t's kind (a kind it does not handle panics), and names it.
func (c *codec) fn(verb string, t wit.Type, sig string, body func(cl *cg, k wit.TypeDefKind) bool) string {
	name := verb + c.id(t)
	return c.once(name, func(cl *cg) {
		what := t.TypeName()
		if what == "" {
			what = t.WIT(nil, "")
		}
		cl.line("// %s %ss %s.", name, strings.ToLower(verb), what)
		cl.line("func %s%s {", name, fmt.Sprintf(sig, c.goType(t)))
		if !body(cl, kindOf(t)) {
			panic(fmt.Sprintf("cannot %s %s", strings.ToLower(verb), t.TypeName()))
		}
		cl.line("}")
	})
}

// discType is the Go type of a discriminant of n cases, as cabi names it.
func discType(n int) (goT, cabiT string) {
	switch wit.Discriminant(n).Size() {
	case 1:
		return "uint8", "U8"
	case 2:
		return "uint16", "U16"
	}
	return "uint32", "U32"
}

// lift names t's lift function, emitting it the first time.
func (c *codec) lift(t wit.Type) string {
	T := c.goType(t)
	return c.fn("Lift", t, "[R cabi.Reader](r R, b []byte, off uint32) %s", func(cl *cg, k wit.TypeDefKind) bool {
		switch k := k.(type) {
		case *wit.Enum:
			_, d := discType(len(k.Cases))
			cl.line("return %s(r.Case(uint32(cabi.Lift%s(r, b, off)), %d))", T, d, len(k.Cases))
		case *wit.List:
			cl.line("return cabi.LiftList(r, b, off, %d, %s)", k.Type.Size(), c.liftRef(k.Type, "", "R"))
		case *wit.Option:
			cl.line("return cabi.LiftOption(r, b, off, %d, %s)", payloadOffset(variantTypes(k)), c.liftRef(k.Type, "", "R"))
		case *wit.Record:
			var fs []string
			for j, f := range k.Fields {
				fs = append(fs, fmt.Sprintf("%s: %s(r, b, off+%d)", goName(f.Name), c.liftRef(f.Type, "", "R"), fieldOffsets(k)[j]))
			}
			cl.line("return %s{%s}", T, strings.Join(fs, ", "))
		case *wit.Tuple:
			var fs []string
			for j, e := range k.Types {
				fs = append(fs, fmt.Sprintf("F%d: %s(r, b, off+%d)", j, c.liftRef(e, "", "R"), tupleOffsets(k)[j]))
			}
			cl.line("return %s{%s}", T, strings.Join(fs, ", "))
		case *wit.Variant:
			n, types, off := variantShape(k)
			_, d := discType(n)
			cl.line("v := %s{Case: %sCase(r.Case(uint32(cabi.Lift%s(r, b, off)), %d))}", T, T, d, n)
			cl.line("switch v.Case {")
			for j, cs := range k.Cases {
				if types[j] != nil {
					cl.line("case %d:\nv.%s = %s(r, b, off+%d)", j, goName(cs.Name), c.liftRef(cs.Type, "", "R"), off)
				}
			}
			cl.line("}\nreturn v")
		default:
			return false
		}
		return true
	})
}

// lower names t's lower function, emitting it the first time.
func (c *codec) lower(t wit.Type) string {
	return c.fn("Lower", t, "[W cabi.Writer](w W, b []byte, off uint32, v %s)", func(cl *cg, k wit.TypeDefKind) bool {
		switch k := k.(type) {
		case *wit.Enum:
			g, d := discType(len(k.Cases))
			cl.line("cabi.Lower%s(w, b, off, %s(v))", d, g)
		case *wit.List:
			cl.line("cabi.LowerList(w, b, off, %d, %d, v, %s)", k.Type.Size(), k.Type.Align(), c.lowerRef(k.Type, "", "W"))
		case *wit.Option:
			cl.line("cabi.LowerOption(w, b, off, %d, v, %s)", payloadOffset(variantTypes(k)), c.lowerRef(k.Type, "", "W"))
		case *wit.Record:
			for j, f := range k.Fields {
				cl.line("%s(w, b, off+%d, v.%s)", c.lowerRef(f.Type, "", "W"), fieldOffsets(k)[j], goName(f.Name))
			}
		case *wit.Tuple:
			for j, e := range k.Types {
				cl.line("%s(w, b, off+%d, v.F%d)", c.lowerRef(e, "", "W"), tupleOffsets(k)[j], j)
			}
		case *wit.Variant:
			n, types, off := variantShape(k)
			g, d := discType(n)
			cl.line("cabi.Lower%s(w, b, off, %s(v.Case))", d, g)
			cl.line("switch v.Case {")
			for j, cs := range k.Cases {
				if types[j] != nil {
					cl.line("case %d:\n%s(w, b, off+%d, v.%s)", j, c.lowerRef(cs.Type, "", "W"), off, goName(cs.Name))
				}
			}
			cl.line("}")
		default:
			return false
		}
		return true
	})
}

// variantShape returns a variant's case count, case types and payload offset.
func variantShape(k *wit.Variant) (int, []wit.Type, uintptr) {
	types := make([]wit.Type, len(k.Cases))
	for i, cs := range k.Cases {
		types[i] = cs.Type
	}
	return len(k.Cases), types, payloadOffset(len(k.Cases), types)
}

// tupleOffsets lays out a tuple's elements.
func tupleOffsets(k *wit.Tuple) []uintptr {
	offs := make([]uintptr, len(k.Types))
	var s uintptr
	for i, t := range k.Types {
		s = wit.Align(s, t.Align())
		offs[i] = s
		s += t.Size()
	}
	return offs
}

// resultShape is the payload offset of result<okT, errT>.
func resultShape(okT, errT wit.Type) uintptr {
	return payloadOffset(2, []wit.Type{okT, errT})
}
