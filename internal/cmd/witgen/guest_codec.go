package main

import (
	"fmt"
	"strings"

	"go.bytecodealliance.org/wit"
)

// guestCodec emits, on demand, the guest's function per type:
//
//	func liftX(l *guestrt.Lifter, b []byte, off uint32) X         // from an area the host filled
//	func lowerX(b []byte, off uint32, v X)                        // into an area the host reads
//	func liftFlatX(l *guestrt.Lifter, p0 uint32, ...) X           // from an export's flat parameters
//
// and, per error type E of a result, the functions that turn a lifting
// failure into the hand-written liftFaultE(detail) error. Primitive types
// use guestrt's functions of the same forms.
type guestCodec struct{ helpers }

// guestType is t's Go type in the guest.
func guestType(t wit.Type) string { return mustGoTypeIn(t, typesQual) }

// guestPrimitive names guestrt's lift or lower function of a primitive
// type or list<u8>, or returns "".
func guestPrimitive(verb string, t wit.Type) string {
	if k := scalarKind(t); k != "" {
		return "guestrt." + verb + goName(k)
	}
	if isBytes(t) {
		return "guestrt." + verb + "Bytes"
	}
	return ""
}

// lift names t's lift function.
func (c *guestCodec) lift(t wit.Type) string {
	if f := guestPrimitive("Lift", t); f != "" {
		return f
	}
	T := guestType(t)
	return c.once("lift"+hostTypeID(t), func(cl *cg) {
		cl.line("func lift%s(l *guestrt.Lifter, b []byte, off uint32) %s {", hostTypeID(t), T)
		switch k := kindOf(t).(type) {
		case *wit.Enum:
			cl.line("return %s(%s)", T, discRead(len(k.Cases), "b", "off"))
		case *wit.List:
			cl.line("return guestrt.LiftList(l, b, off, %d, %s)", k.Type.Size(), c.lift(k.Type))
		case *wit.Option:
			cl.line("return guestrt.LiftOption(l, b, off, %d, %s)", payloadOffset(variantTypes(k)), c.lift(k.Type))
		case *wit.Record:
			var fs []string
			for j, f := range k.Fields {
				fs = append(fs, fmt.Sprintf("%s: %s(l, b, off+%d)", goName(f.Name), c.lift(f.Type), fieldOffsets(k)[j]))
			}
			cl.line("return %s{%s}", T, strings.Join(fs, ", "))
		default:
			panic(fmt.Sprintf("unsupported memory lift of %s", t.TypeName()))
		}
		cl.line("}")
	})
}

// lower names t's lower function.
func (c *guestCodec) lower(t wit.Type) string {
	if f := guestPrimitive("Lower", t); f != "" {
		return f
	}
	return c.once("lower"+hostTypeID(t), func(cl *cg) {
		cl.line("func lower%s(b []byte, off uint32, v %s) {", hostTypeID(t), guestType(t))
		switch k := kindOf(t).(type) {
		case *wit.Enum:
			cl.line("%s", discWrite(len(k.Cases), "b", "off", "v"))
		case *wit.List:
			cl.line("guestrt.LowerList(b, off, %d, v, %s)", k.Type.Size(), c.lower(k.Type))
		case *wit.Option:
			cl.line("guestrt.LowerOption(b, off, %d, v, %s)", payloadOffset(variantTypes(k)), c.lower(k.Type))
		case *wit.Record:
			for j, f := range k.Fields {
				cl.line("%s(b, off+%d, v.%s)", c.lower(f.Type), fieldOffsets(k)[j], goName(f.Name))
			}
		default:
			panic(fmt.Sprintf("unsupported memory lower of %s", t.TypeName()))
		}
		cl.line("}")
	})
}

// liftFlat is an expression lifting t from an export's flat parameters
// p<slot>, p<slot+1>... through lifter l.
func (c *guestCodec) liftFlat(t wit.Type, slot int, what string) string {
	p := func(j int) string { return fmt.Sprintf("p%d", slot+j) }
	switch root(t).(type) {
	case wit.Bool:
		return p(0) + " != 0"
	case wit.U32, wit.U64, wit.F32, wit.F64:
		return p(0)
	case wit.U8, wit.U16, wit.S8, wit.S16, wit.S32, wit.S64:
		return guestType(t) + "(" + p(0) + ")"
	case wit.String:
		return fmt.Sprintf("l.String(%s, %s, %q)", p(0), p(1), what)
	}
	switch k := kindOf(t).(type) {
	case *wit.Enum:
		return guestType(t) + "(" + p(0) + ")"
	case *wit.List:
		if isBytes(t) {
			return fmt.Sprintf("l.Bytes(%s, %s, %q)", p(0), p(1), what)
		}
		return fmt.Sprintf("guestrt.ListAt(l, %s, %s, %d, %s)", p(0), p(1), k.Type.Size(), c.lift(k.Type))
	case *wit.Option, *wit.Record:
		var ps []string
		for j := range t.Flat() {
			ps = append(ps, p(j))
		}
		return fmt.Sprintf("%s(l, %s)", c.liftFlatFunc(t), strings.Join(ps, ", "))
	}
	panic(fmt.Sprintf("unsupported flat lift of %s", t.TypeName()))
}

// liftFlatFunc names the function lifting an option or record from flat
// parameters.
func (c *guestCodec) liftFlatFunc(t wit.Type) string {
	T := guestType(t)
	return c.once("liftFlat"+hostTypeID(t), func(cl *cg) {
		var ps []string
		for j, f := range t.Flat() {
			ps = append(ps, fmt.Sprintf("p%d %s", j, flatGo(coreType(f))))
		}
		cl.line("func liftFlat%s(l *guestrt.Lifter, %s) %s {", hostTypeID(t), strings.Join(ps, ", "), T)
		switch k := kindOf(t).(type) {
		case *wit.Option:
			if !sameFlat(k.Type.Flat(), t.Flat()[1:]) {
				panic("option payload with joined flat types is not supported")
			}
			cl.line("if p0 == 0 {\nreturn %s{}\n}", T)
			cl.line("return %s{Some: true, Value: %s}", T, c.liftFlat(k.Type, 1, "option"))
		case *wit.Record:
			var fs []string
			slot := 0
			for _, f := range k.Fields {
				fs = append(fs, goName(f.Name)+": "+c.liftFlat(f.Type, slot, "argument "+*root(t).(*wit.TypeDef).Name+"."+f.Name))
				slot += len(f.Type.Flat())
			}
			cl.line("return %s{%s}", T, strings.Join(fs, ", "))
		}
		cl.line("}")
	})
}

// exportFault names the function that stores, in the exports' return
// area, the error the hand-written liftFaultE makes of a lifting failure.
func (c *guestCodec) exportFault(errT wit.Type) string {
	en := errName(errT)
	return c.once("exportFault"+en, func(cl *cg) {
		cl.line("// exportFault%s returns the error the hand-written liftFault%s makes of\n// a lifting failure (an argument not in a cabi_realloc buffer).", en, en)
		cl.line("func exportFault%s(off uint32, detail string) uint32 {", en)
		cl.line("exportRet[0] = 1")
		cl.line("%s(exportRet, off, liftFault%s(detail))", c.lower(errT), en)
		cl.line("return guestrt.Done(exportRet)")
		cl.line("}")
	})
}

// importFault names the function that replaces an import's error result
// by the hand-written liftFaultE's error when lifting failed.
func (c *guestCodec) importFault(errT wit.Type) string {
	en := errName(errT)
	T := guestType(errT)
	return c.once("importFault"+en, func(cl *cg) {
		cl.line("// importFault%s is e, or the error liftFault%s makes of a lifting failure.", en, en)
		cl.line("func importFault%s(l *guestrt.Lifter, e *%s) *%s {", en, T, T)
		cl.line("if l.Bad == \"\" {\nreturn e\n}")
		cl.line("f := liftFault%s(l.Bad)", en)
		cl.line("return &f")
		cl.line("}")
	})
}
