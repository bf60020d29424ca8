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
	return goFile("//go:build wasip1\n\npackage keyvalue", w.Bytes(), "unsafe", cabiPkg, guestrtPkg, witypesPkg)
}

func pluginGuestFunc(w *bytes.Buffer, m *pluginModel, c *codec, i *pluginIface, f *wit.Function) {
	imp := "wasmimport" + i.goName + goFuncName(f)
	ps, res := flatSignature(f, wit.Imported, "unsafe.Pointer")
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
	okT, errT, isRes := pluginResult(f)
	r, _ := result(f)
	cl := &cg{w: w}
	if r == nil || (len(r.Flat()) == 1 && !isRes) {
		cl.line("a := &guestrt.Call{}")
	} else {
		cl.line("a, area := guestrt.NewCall(%d)", r.Size())
	}
	var args []string
	for _, p := range f.Params {
		args = append(args, guestLowerFlat(p.Type, goIdent(p.Name), func(k *wit.List, v string) string {
			return fmt.Sprintf("cabi.ListArray(a, %d, %s, %s)", k.Type.Size(), v, c.lowerRef(k.Type, "", "*guestrt.Call"))
		})...)
	}
	call := func() string { return fmt.Sprintf("%s(%s)", imp, strings.Join(args, ", ")) }
	switch {
	case r == nil:
		cl.line("%s", call())
		cl.line("a.Done()")
	case len(r.Flat()) == 1 && !isRes:
		cl.line("defer a.Done()")
		cl.line("return %s(%s)", m.goType(okT), call())
	default:
		args = append(args, "guestrt.BytesPtr(area)")
		cl.line("%s", call())
		lift := func(t wit.Type) string { return c.liftRef(t, "", "*guestrt.Call") }
		switch {
		case isRes && okT == nil:
			cl.line("_, e := guestrt.Result(a, area, %d, %s, %s)", resultShape(okT, errT), lift(nil), lift(errT))
			cl.line("return e")
		case isRes:
			cl.line("return guestrt.Result(a, area, %d, %s, %s)", resultShape(okT, errT), lift(okT), lift(errT))
		default:
			cl.line("return guestrt.Value(a, area, %s)", lift(r))
		}
	}
	w.WriteString("}\n\n")
}
