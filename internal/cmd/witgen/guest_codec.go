package main

import (
	"fmt"
	"strings"

	"go.bytecodealliance.org/wit"
)

// guestCodec emits, on demand, the guest's flat lifting per type (memory
// lifting and lowering is the types' codec, tc, in package witypes):
//
//	func liftFlatX(l *guestrt.Lifter, p0 uint32, ...) X           // from an export's flat parameters
//
// and, per error type E of a result, the functions that turn a lifting
// failure into the hand-written liftFaultE(detail) error.
type guestCodec struct {
	helpers
	tc *codec
}

// guestType is t's Go type in the guest.
func guestType(t wit.Type) string { return mustGoTypeIn(t, typesQual) }

// lift is t's lift function for the guest's lifter.
func (c *guestCodec) lift(t wit.Type) string { return c.tc.liftRef(t, "witypes.", "*guestrt.Lifter") }

// lower is t's lower function for the guest's exporter.
func (c *guestCodec) lower(t wit.Type) string {
	return c.tc.lowerRef(t, "witypes.", "*guestrt.Exporter")
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
		return fmt.Sprintf("l.StringArg(%s, %s, %q)", p(0), p(1), what)
	}
	switch k := kindOf(t).(type) {
	case *wit.Enum:
		return guestType(t) + "(" + p(0) + ")"
	case *wit.List:
		if isBytes(t) {
			return fmt.Sprintf("l.BytesArg(%s, %s, %q)", p(0), p(1), what)
		}
		return fmt.Sprintf("cabi.LiftListAt(l, %s, %s, %d, %s)", p(0), p(1), k.Type.Size(), c.lift(k.Type))
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
	return c.once("liftFlat"+witTypeID(t), func(cl *cg) {
		var ps []string
		for j, f := range t.Flat() {
			ps = append(ps, fmt.Sprintf("p%d %s", j, flatGo(coreType(f))))
		}
		cl.line("func liftFlat%s(l *guestrt.Lifter, %s) %s {", witTypeID(t), strings.Join(ps, ", "), T)
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
		cl.line("w := guestrt.Out()")
		cl.line("exportRet[0] = 1")
		cl.line("%s(w, exportRet, off, liftFault%s(detail))", c.lower(errT), en)
		cl.line("return guestrt.Done(exportRet)")
		cl.line("}")
	})
}

// exportBody writes the body of f's wasmexport function, whose flat
// parameters are p0, p1, ...: it lifts them (a lifting failure becomes the
// error result, or a panic), calls the implementation impl's method and
// lowers the result into the return area. The body is written out per
// export, not shared as a generic driver per signature: in Go compiled to
// wasm every call level costs, and the driver, its dictionary and the
// method expression it called through were ~400 ns of a 9 µs get-miss.
func (c *guestCodec) exportBody(cl *cg, f *wit.Function, impl string) {
	r, _ := result(f)
	okT, errT, isRes := resultParts(r)
	lv, wv := "l", "_"
	if len(f.Params) == 0 {
		lv = "_"
	}
	if isRes || (r != nil && indirectResult(f)) {
		wv = "w"
	}
	if lv != "_" || wv != "_" {
		cl.line("%s, %s := guestrt.Begin(exportRet)", lv, wv)
	} else {
		cl.line("guestrt.Begin(exportRet)")
	}
	var args, lifts []string
	slot := 0
	for k, p := range f.Params {
		args = append(args, fmt.Sprintf("a%d", k))
		lifts = append(lifts, c.liftFlat(p.Type, slot, "argument "+p.Name))
		slot += len(p.Type.Flat())
	}
	if len(args) > 0 {
		cl.line("%s := %s", strings.Join(args, ", "), strings.Join(lifts, ", "))
	}
	var payload uintptr
	if isRes {
		payload = payloadOffset(variantTypes(kindOf(r)))
	}
	if len(args) > 0 {
		cl.line("if l.Bad != \"\" {")
		if isRes {
			cl.line("return %s(%d, l.Bad)", c.exportFault(errT), payload)
		} else {
			cl.line("panic(l.Bad)")
		}
		cl.line("}")
	}
	call := fmt.Sprintf("%s.%s(%s)", impl, goName(f.Name), strings.Join(args, ", "))
	switch {
	case r == nil:
		cl.line("%s", call)
		cl.line("guestrt.Done(exportRet)")
	case isRes && okT == nil:
		cl.line("return guestrt.Done(cabi.LowerResult(w, exportRet, %d, %s, %s, struct{}{}, %s))", payload, c.lower(nil), c.lower(errT), call)
	case isRes:
		cl.line("v, e := %s", call)
		cl.line("return guestrt.Done(cabi.LowerResult(w, exportRet, %d, %s, %s, v, e))", payload, c.lower(okT), c.lower(errT))
	case indirectResult(f):
		cl.line("return guestrt.Done(cabi.Lower(w, exportRet, %s, %s))", c.lower(r), call)
	default:
		cl.line("v := %s", call)
		cl.line("guestrt.Done(exportRet)")
		cl.line("return %s", guestLowerFlat1(r, "v"))
	}
}
