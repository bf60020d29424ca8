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

// exportKind classifies an export's result for its driver: "None",
// "Flat", "Value" (indirect), "Err<E>" (result<_, E>) or "Result<E>".
func exportKind(f *wit.Function) string {
	r, _ := result(f)
	okT, errT, isRes := resultParts(r)
	switch {
	case r == nil:
		return "None"
	case isRes && okT == nil:
		return "Err" + errName(errT)
	case isRes:
		return "Result" + errName(errT)
	case indirectResult(f):
		return "Value"
	}
	return "Flat"
}

// exportArgs are the arguments an export passes its driver after its flat
// parameters: the payload offset and lower function of its result, the
// implementation and its method.
func (c *guestCodec) exportArgs(f *wit.Function, ifVar, ifType string) []string {
	r, _ := result(f)
	okT, _, isRes := resultParts(r)
	var out []string
	switch {
	case isRes && okT == nil:
		out = append(out, fmt.Sprint(payloadOffset(variantTypes(kindOf(r)))))
	case isRes:
		out = append(out, fmt.Sprint(payloadOffset(variantTypes(kindOf(r)))), c.lower(okT))
	case r != nil && indirectResult(f):
		out = append(out, c.lower(r))
	}
	return append(out, ifVar, ifType+"."+goName(f.Name))
}

// exportDriver names the generic function that runs every export of f's
// parameter types and result kind: it lifts the flat parameters (a
// lifting failure becomes the error result, or a panic), calls the
// implementation's method and lowers the result into the return area.
func (c *guestCodec) exportDriver(f *wit.Function) string {
	var ids, ps, args []string
	for k, p := range f.Params {
		ids = append(ids, witTypeID(p.Type))
		ps = append(ps, guestType(p.Type))
		args = append(args, fmt.Sprintf("a%d", k))
	}
	if len(ids) == 0 {
		ids = []string{"Nothing"}
	}
	kind := exportKind(f)
	name := "export" + strings.Join(ids, "And") + kind
	return c.once(name, func(cl *cg) {
		r, _ := result(f)
		okT, errT, isRes := resultParts(r)
		flat, _ := flatSignature(f, wit.Exported, "")
		tparams, extra, ret, fres := "[I any]", "", "", ""
		switch {
		case r == nil:
		case isRes && okT == nil:
			extra, ret, fres = "payload uint32, ", " uint32", " *"+guestType(errT)
		case isRes:
			tparams, extra, ret, fres = "[I, T any]", "payload uint32, lower func(*guestrt.Exporter, []byte, uint32, T), ", " uint32", " (T, *"+guestType(errT)+")"
		case indirectResult(f):
			tparams, extra, ret, fres = "[I, T any]", "lower func(*guestrt.Exporter, []byte, uint32, T), ", " uint32", " T"
		default:
			tparams, ret, fres = "[I, T any]", " T", " T"
		}
		if flat != "" {
			flat += ", "
		}
		cl.line("// %s runs an export of parameters (%s), result kind %s.", name, strings.Join(ps, ", "), kind)
		cl.line("func %s%s(%s%sx I, f func(%s)%s)%s {", name, tparams, flat, extra, strings.Join(append([]string{"I"}, ps...), ", "), fres, ret)
		if isRes || (r != nil && indirectResult(f)) {
			cl.line("l, w := guestrt.Begin(exportRet)")
		} else {
			cl.line("l, _ := guestrt.Begin(exportRet)")
		}
		var lifts []string
		slot := 0
		for _, p := range f.Params {
			lifts = append(lifts, c.liftFlat(p.Type, slot, "argument "+p.Name))
			slot += len(p.Type.Flat())
		}
		if len(args) > 0 {
			cl.line("%s := %s", strings.Join(args, ", "), strings.Join(lifts, ", "))
		}
		cl.line("if l.Bad != \"\" {")
		if isRes {
			cl.line("return %s(payload, l.Bad)", c.exportFault(errT))
		} else {
			cl.line("panic(l.Bad)")
		}
		cl.line("}")
		call := fmt.Sprintf("f(%s)", strings.Join(append([]string{"x"}, args...), ", "))
		switch {
		case r == nil:
			cl.line("%s", call)
			cl.line("guestrt.Done(exportRet)")
		case isRes && okT == nil:
			cl.line("return guestrt.Done(cabi.LowerResult(w, exportRet, payload, %s, %s, struct{}{}, %s))", c.lower(nil), c.lower(errT), call)
		case isRes:
			cl.line("v, e := %s", call)
			cl.line("return guestrt.Done(cabi.LowerResult(w, exportRet, payload, lower, %s, v, e))", c.lower(errT))
		case indirectResult(f):
			cl.line("return guestrt.Done(cabi.Lower(w, exportRet, lower, %s))", call)
		default:
			cl.line("v := %s", call)
			cl.line("guestrt.Done(exportRet)")
			cl.line("return v")
		}
		cl.line("}")
	})
}
