package main

import (
	"bytes"
	"fmt"
	"strings"

	"go.bytecodealliance.org/wit"
)

// genPluginGuest emits the wasip1 part of package keyvalue, for plugins in
// standard Go (GOOS=wasip1): //go:wasmimport declarations under the
// canonical names and typed wrappers (functions, and methods on resource
// handles) over the runtime internal/cabi/guestrt. The types and their
// codec (cc) are the portable part (genPluginTypes).
func genPluginGuest(m *pluginModel, cc *codec) ([]byte, error) {
	var w bytes.Buffer
	w.WriteString(header)
	w.WriteString("//go:build wasip1\n\npackage keyvalue\n\n")
	w.WriteString("import (\n\t\"github.com/sandcache/sandcache/internal/cabi\"\n\t\"github.com/sandcache/sandcache/internal/cabi/guestrt\"\n)\n\n")
	w.WriteString("var _ cabi.Reader\n\n")
	for _, i := range m.ifaces {
		for _, f := range i.funcs {
			pluginGuestFunc(&w, m, cc, i, f)
		}
		for _, r := range i.resources {
			name := m.names[r]
			imp := "wasmimport" + i.goName + name + "Drop"
			fmt.Fprintf(&w, "//go:wasmimport %s [resource-drop]%s\nfunc %s(self uint32)\n\n", i.qname, *r.Name, imp)
			fmt.Fprintf(&w, "// Drop releases the handle ([resource-drop]%s); it must not be used after.\nfunc (self %s) Drop() {\n%s(uint32(self))\n}\n\n", *r.Name, name, imp)
		}
	}
	return formatGo(w.Bytes())
}

func pluginGuestFunc(w *bytes.Buffer, m *pluginModel, c *codec, i *pluginIface, f *wit.Function) {
	imp := "wasmimport" + i.goName + goFuncName(f)
	ps, res := flatSignature(f, wit.Imported, "")
	fmt.Fprintf(w, "//go:wasmimport %s %s\nfunc %s(%s)%s\n\n", i.qname, f.Name, imp, ps, res)

	// The wrapper: methods on the handle, statics and freestanding functions
	// at package level.
	recv, name, params0 := "", goName(f.Name), f.Params
	if !f.IsFreestanding() {
		rt := m.names[root(f.Type()).(*wit.TypeDef)]
		name = rt + goName(f.BaseName())
		if f.IsMethod() {
			recv = "(self " + rt + ") "
			name = goName(f.BaseName())
			params0 = f.Params[1:]
		}
	}
	var gps []string
	for _, p := range params0 {
		gps = append(gps, goIdent(p.Name)+" "+m.goType(p.Type))
	}
	docComment(w, "", f.Docs, name+" is "+f.Name+".")
	fmt.Fprintf(w, "func %s%s(%s) %s {\n", recv, name, strings.Join(gps, ", "), m.resultList(f))
	cl := &cg{w: w}
	cl.line("a := &guestrt.Call{}")
	var args []string
	for _, p := range f.Params {
		args = append(args, pluginLowerFlat(c, p.Type, goIdent(p.Name))...)
	}
	okT, errT, isRes := pluginResult(f)
	r, _ := result(f)
	call := func() string { return fmt.Sprintf("%s(%s)", imp, strings.Join(args, ", ")) }
	switch {
	case r == nil:
		cl.line("%s", call())
		cl.line("a.Done()")
	case len(r.Flat()) == 1 && !isRes:
		cl.line("defer a.Done()")
		cl.line("return %s(%s)", m.goType(okT), call())
	default:
		cl.line("area := a.Area(%d)", r.Size())
		args = append(args, "guestrt.Addr(area)")
		cl.line("%s", call())
		cl.line("defer a.Done()")
		switch {
		case isRes && okT == nil:
			cl.line("_, e := cabi.LiftResult(a, area, 0, %d, %s, %s)", resultShape(okT, errT), c.liftRef(nil, "", "*guestrt.Call"), c.liftRef(errT, "", "*guestrt.Call"))
			cl.line("return e")
		case isRes:
			cl.line("return cabi.LiftResult(a, area, 0, %d, %s, %s)", resultShape(okT, errT), c.liftRef(okT, "", "*guestrt.Call"), c.liftRef(errT, "", "*guestrt.Call"))
		default:
			cl.line("return %s(a, area, 0)", c.liftRef(r, "", "*guestrt.Call"))
		}
	}
	w.WriteString("}\n\n")
}

// lowerFlat lowers a parameter to flat arguments of a wasmimport (guest side).
func pluginLowerFlat(c *codec, t wit.Type, v string) []string {
	switch root(t).(type) {
	case wit.Bool:
		return []string{"uint32(cabi.B2U(" + v + "))"}
	case wit.U8, wit.U16, wit.U32, wit.S8, wit.S16, wit.S32:
		return []string{"uint32(" + v + ")"}
	case wit.U64, wit.S64:
		return []string{"uint64(" + v + ")"}
	case wit.F32, wit.F64:
		return []string{v}
	case wit.String:
		return []string{"a.PutString(" + v + ")", "uint32(len(" + v + "))"}
	}
	switch k := kindOf(t).(type) {
	case *wit.Own, *wit.Borrow, *wit.Resource, *wit.Enum:
		return []string{"uint32(" + v + ")"}
	case *wit.List:
		if _, ok := root(k.Type).(wit.U8); ok {
			return []string{"a.PutBytes(" + v + ", 1)", "uint32(len(" + v + "))"}
		}
		return []string{fmt.Sprintf("a.PutBytes(cabi.ListArray(a, %d, %s, %s), %d)", k.Type.Size(), v, c.lowerRef(k.Type, "", "*guestrt.Call"), k.Type.Align()), "uint32(len(" + v + "))"}
	case *wit.Option:
		return append([]string{"uint32(cabi.B2U(" + v + ".Some))"}, pluginLowerFlat(c, k.Type, v+".Value")...)
	case *wit.Record:
		var out []string
		for _, f := range k.Fields {
			out = append(out, pluginLowerFlat(c, f.Type, v+"."+goName(f.Name))...)
		}
		return out
	case *wit.Tuple:
		var out []string
		for j, e := range k.Types {
			out = append(out, pluginLowerFlat(c, e, fmt.Sprintf("%s.F%d", v, j))...)
		}
		return out
	}
	panic(fmt.Sprintf("cannot lower parameter of type %s to flat values", t.TypeName()))
}
