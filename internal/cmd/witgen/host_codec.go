package main

import (
	"fmt"
	"strings"

	"go.bytecodealliance.org/wit"
)

// hostCodec emits, on demand, the host's flat lifting and lowering per
// type (memory lifting and lowering is the types' codec, tc, in package
// witypes):
//
//	func liftFlatX(rd *hostrt.Reader, s []uint64) X                  // from an import's flat arguments
//	func lowerFlatX(st []uint64, ptrs []uint32, v X)                 // into an export's flat arguments
//	func argsXAndY(x *hostrt.Exports, ctx context.Context, a0 X, a1 Y) error
type hostCodec struct {
	helpers
	tc *codec
}

func witTypeID(t wit.Type) string {
	return typeID(t, func(td *wit.TypeDef) string { return goName(*td.Name) })
}

// lift is t's lift function for the host's reader.
func (c *hostCodec) lift(t wit.Type) string { return c.tc.liftRef(t, "witypes.", "*hostrt.Reader") }

// lower is t's lower function for the host's writer.
func (c *hostCodec) lower(t wit.Type) string { return c.tc.lowerRef(t, "witypes.", "*hostrt.Writer") }

// liftFlat is an expression lifting t from flat values s[i], s[i+1]...
// (import arguments: strings and byte lists are views of guest memory).
func (c *hostCodec) liftFlat(t wit.Type, s string, i int, what string) string {
	v := func(j int) string { return fmt.Sprintf("%s[%d]", s, i+j) }
	switch root(t).(type) {
	case wit.Bool:
		// An i32 in a uint64 slot: its upper bits are not defined.
		return "uint32(" + v(0) + ") != 0"
	case wit.U8, wit.U16, wit.U32, wit.U64, wit.S8, wit.S16, wit.S32, wit.S64:
		return mustGoType(t) + "(" + v(0) + ")"
	case wit.F32:
		return "math.Float32frombits(uint32(" + v(0) + "))"
	case wit.F64:
		return "math.Float64frombits(" + v(0) + ")"
	case wit.String:
		return fmt.Sprintf("rd.ViewStr(uint32(%s), uint32(%s), %q)", v(0), v(1), what)
	}
	switch k := kindOf(t).(type) {
	case *wit.Enum:
		return fmt.Sprintf("%s(rd.Tag(uint32(%s), %d, %q))", mustGoType(t), v(0), len(k.Cases), what)
	case *wit.List:
		if isBytes(t) {
			return fmt.Sprintf("rd.ViewBytes(uint32(%s), uint32(%s), %q)", v(0), v(1), what)
		}
		return fmt.Sprintf("cabi.LiftListAt(rd, uint32(%s), uint32(%s), %d, %s)", v(0), v(1), k.Type.Size(), c.lift(k.Type))
	case *wit.Option, *wit.Record:
		return fmt.Sprintf("%s(rd, %s[%d:])", c.liftFlatFunc(t), s, i)
	}
	panic(fmt.Sprintf("unsupported host flat lift of %s", t.TypeName()))
}

// liftFlatFunc names the function lifting an option or record from flat
// values.
func (c *hostCodec) liftFlatFunc(t wit.Type) string {
	T := mustGoType(t)
	return c.once("liftFlat"+witTypeID(t), func(cl *cg) {
		cl.line("func liftFlat%s(rd *hostrt.Reader, s []uint64) %s {", witTypeID(t), T)
		switch k := kindOf(t).(type) {
		case *wit.Option:
			cl.line("if rd.Tag(uint32(s[0]), 2, \"option\") != 0 {")
			cl.line("return %s{Some: true, Value: %s}", T, c.liftFlat(k.Type, "s", 1, "option"))
			cl.line("}")
			cl.line("return %s{}", T)
		case *wit.Record:
			var fs []string
			slot := 0
			for _, f := range k.Fields {
				fs = append(fs, goName(f.Name)+": "+c.liftFlat(f.Type, "s", slot, *root(t).(*wit.TypeDef).Name+"."+f.Name))
				slot += len(f.Type.Flat())
			}
			cl.line("return %s{%s}", T, strings.Join(fs, ", "))
		}
		cl.line("}")
	})
}

// args names the function that lowers f's parameters into an export
// call's stack (strings and byte lists packed into one guest buffer).
func (c *hostCodec) args(f *wit.Function) string {
	var ids, ps, parts []string
	for k, p := range f.Params {
		ids = append(ids, witTypeID(p.Type))
		ps = append(ps, fmt.Sprintf("a%d %s", k, mustGoType(p.Type)))
		parts = append(parts, packParts(p.Type, fmt.Sprintf("a%d", k))...)
	}
	name := "args" + strings.Join(ids, "And")
	return c.once(name, func(cl *cg) {
		cl.line("func %s(x *hostrt.Exports, ctx context.Context, %s) error {", name, strings.Join(ps, ", "))
		cl.line("st, ptrs, err := x.Args(%s)", strings.Join(append([]string{"ctx"}, parts...), ", "))
		c.lowerFlatParams(cl, f.Params)
		cl.line("return err")
		cl.line("}")
	})
}

// lowerFlatParams emits the statements storing a0, a1... into st, their
// packed parts' addresses taken from ptrs.
func (c *hostCodec) lowerFlatParams(cl *cg, params []wit.Param) {
	slot, part := 0, 0
	for k, p := range params {
		c.lowerFlat(cl, p.Type, fmt.Sprintf("a%d", k), slot, part)
		slot += len(p.Type.Flat())
		part += len(packParts(p.Type, "v"))
	}
}

// lowerFlat emits the statement storing v of type t at st[slot:], its
// packed parts' addresses from ptrs[part:].
func (c *hostCodec) lowerFlat(cl *cg, t wit.Type, v string, slot, part int) {
	switch root(t).(type) {
	case wit.String:
		cl.line("st[%d], st[%d] = uint64(ptrs[%d]), uint64(len(%s))", slot, slot+1, part, v)
		return
	case wit.Bool, wit.U8, wit.U16, wit.U32, wit.U64, wit.S8, wit.S16, wit.S32, wit.S64, wit.F32, wit.F64:
		cl.line("st[%d] = %s", slot, hostLowerFlat1(t, v))
		return
	}
	switch k := kindOf(t).(type) {
	case *wit.Enum:
		cl.line("st[%d] = uint64(%s)", slot, v)
	case *wit.List:
		if !isBytes(t) {
			panic("list parameters other than list<u8> are not supported on the host side")
		}
		cl.line("st[%d], st[%d] = uint64(ptrs[%d]), uint64(len(%s))", slot, slot+1, part, v)
	case *wit.Option, *wit.Record:
		cl.line("%s(st[%d:], ptrs[%d:], %s)", c.lowerFlatFunc(t), slot, part, v)
	default:
		panic(fmt.Sprintf("unsupported host flat lower of %s (%T)", t.TypeName(), k))
	}
}

// lowerFlatFunc names the function lowering an option or record into flat
// values.
func (c *hostCodec) lowerFlatFunc(t wit.Type) string {
	return c.once("lowerFlat"+witTypeID(t), func(cl *cg) {
		cl.line("func lowerFlat%s(st []uint64, ptrs []uint32, v %s) {", witTypeID(t), mustGoType(t))
		switch k := kindOf(t).(type) {
		case *wit.Option:
			cl.line("st[0] = uint64(hostrt.B2U(v.Some))")
			c.lowerFlat(cl, k.Type, "v.Value", 1, 0)
		case *wit.Record:
			slot, part := 0, 0
			for _, f := range k.Fields {
				c.lowerFlat(cl, f.Type, "v."+goName(f.Name), slot, part)
				slot += len(f.Type.Flat())
				part += len(packParts(f.Type, "v"))
			}
		}
		cl.line("}")
	})
}

// packParts lists the byte strings of a parameter, in flattening order.
func packParts(t wit.Type, v string) []string {
	if _, ok := root(t).(wit.String); ok {
		return []string{v}
	}
	switch k := kindOf(t).(type) {
	case *wit.List:
		if isBytes(t) {
			return []string{"hostrt.BytesString(" + v + ")"}
		}
		panic("list parameters other than list<u8> are not supported on the host side")
	case *wit.Option:
		inner := packParts(k.Type, v+".Value")
		if len(inner) > 1 {
			panic("nested optional strings are not supported")
		}
		if len(inner) == 1 {
			return []string{"hostrt.OptString(" + v + ".Some, " + inner[0] + ")"}
		}
	case *wit.Record:
		var out []string
		for _, f := range k.Fields {
			out = append(out, packParts(f.Type, v+"."+goName(f.Name))...)
		}
		return out
	}
	return nil
}
