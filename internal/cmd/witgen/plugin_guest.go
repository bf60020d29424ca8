package main

import (
	"bytes"
	"fmt"
	"strings"

	"go.bytecodealliance.org/wit"
)

// genPluginGuest emits package keyvalue, for plugins in standard Go
// (GOOS=wasip1): //go:wasmimport declarations under the canonical names
// and typed wrappers (functions, and methods on resource handles).
func genPluginGuest(m *pluginModel) ([]byte, error) {
	var w bytes.Buffer
	w.WriteString(header)
	w.WriteString("//go:build wasip1\n\npackage keyvalue\n\n")
	w.WriteString("import (\n\t\"encoding/binary\"\n\t\"fmt\"\n\t\"math\"\n\t\"runtime\"\n\t\"unsafe\"\n)\n\n")
	w.WriteString("var (\n\t_ = math.Float64bits\n\tle = binary.LittleEndian\n)\n\n")
	w.WriteString(pluginCommonRuntime)
	w.WriteString(pluginGuestRuntime)
	writeNamedTypes(&w, m, "")
	c := newCodec(m)
	for _, i := range m.ifaces {
		for _, f := range i.funcs {
			pluginGuestFunc(&w, c, i, f)
		}
		for _, r := range i.resources {
			name := m.names[r]
			imp := "wasmimport" + i.goName + name + "Drop"
			fmt.Fprintf(&w, "//go:wasmimport %s [resource-drop]%s\nfunc %s(self uint32)\n\n", i.qname, *r.Name, imp)
			fmt.Fprintf(&w, "// Drop releases the handle ([resource-drop]%s); it must not be used after.\nfunc (self %s) Drop() {\n%s(uint32(self))\n}\n\n", *r.Name, name, imp)
		}
	}
	w.Write(c.out.Bytes())
	return formatGo(w.Bytes())
}

func guestCoreGo(core string) string {
	switch core {
	case "i64":
		return "uint64"
	case "f32":
		return "float32"
	case "f64":
		return "float64"
	}
	return "uint32"
}

func pluginGuestFunc(w *bytes.Buffer, c *codec, i *pluginIface, f *wit.Function) {
	m := c.m
	imp := "wasmimport" + i.goName + goFuncName(f)
	params, results := pluginCoreSig(f)
	var ps []string
	for k, p := range params {
		ps = append(ps, fmt.Sprintf("p%d %s", k, guestCoreGo(p)))
	}
	res := ""
	if len(results) == 1 {
		res = " " + guestCoreGo(results[0])
	}
	fmt.Fprintf(w, "//go:wasmimport %s %s\nfunc %s(%s)%s\n\n", i.qname, f.Name, imp, strings.Join(ps, ", "), res)

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
	w.WriteString("a := &abi{}\n")
	var args []string
	for _, p := range f.Params {
		args = append(args, c.lowerFlat(p.Type, goIdent(p.Name))...)
	}
	okT, errT, isRes := pluginResult(f)
	r, _ := result(f)
	switch {
	case r == nil:
		fmt.Fprintf(w, "%s(%s)\na.done()\n", imp, strings.Join(args, ", "))
	case len(r.Flat()) == 1 && !isRes:
		fmt.Fprintf(w, "v := %s(%s)\na.done()\nreturn %s(v)\n", imp, strings.Join(args, ", "), m.goType(okT))
	default:
		fmt.Fprintf(w, "area := a.area(%d)\n", r.Size())
		args = append(args, "addr(area)")
		fmt.Fprintf(w, "%s(%s)\n", imp, strings.Join(args, ", "))
		if !isRes {
			fmt.Fprintf(w, "v := %s(a, area, 0)\na.done()\nreturn v\n", c.lift(r))
			break
		}
		off := resultShape(okT, errT)
		fmt.Fprintf(w, "if a.tag(uint32(area[0]), 2) == 1 {\ne := %s(a, area, %d)\na.done()\n", c.lift(errT), off)
		if okT != nil {
			fmt.Fprintf(w, "return *new(%s), &e\n}\n", m.goType(okT))
			fmt.Fprintf(w, "v := %s(a, area, %d)\na.done()\nreturn v, nil\n", c.lift(okT), off)
		} else {
			w.WriteString("return &e\n}\na.done()\nreturn nil\n")
		}
	}
	w.WriteString("}\n\n")
}

// lowerFlat lowers a parameter to flat arguments of a wasmimport (guest side).
func (c *codec) lowerFlat(t wit.Type, v string) []string {
	switch root(t).(type) {
	case wit.Bool:
		return []string{"uint32(b2u(" + v + "))"}
	case wit.U8, wit.U16, wit.U32, wit.S8, wit.S16, wit.S32:
		return []string{"uint32(" + v + ")"}
	case wit.U64, wit.S64:
		return []string{"uint64(" + v + ")"}
	case wit.F32, wit.F64:
		return []string{v}
	case wit.String:
		return []string{"a.putString(" + v + ")", "uint32(len(" + v + "))"}
	}
	switch k := kindOf(t).(type) {
	case *wit.Own, *wit.Borrow, *wit.Resource, *wit.Enum:
		return []string{"uint32(" + v + ")"}
	case *wit.List:
		if _, ok := root(k.Type).(wit.U8); ok {
			return []string{"a.putBytes(" + v + ", 1)", "uint32(len(" + v + "))"}
		}
		return []string{fmt.Sprintf("a.putBytes(%s(a, %s), %d)", c.encode(k), v, k.Type.Align()), "uint32(len(" + v + "))"}
	case *wit.Option:
		return append([]string{"uint32(b2u(" + v + ".Some))"}, c.lowerFlat(k.Type, v+".Value")...)
	case *wit.Record:
		var out []string
		for _, f := range k.Fields {
			out = append(out, c.lowerFlat(f.Type, v+"."+goName(f.Name))...)
		}
		return out
	case *wit.Tuple:
		var out []string
		for j, e := range k.Types {
			out = append(out, c.lowerFlat(e, fmt.Sprintf("%s.F%d", v, j))...)
		}
		return out
	}
	panic(fmt.Sprintf("cannot lower parameter of type %s to flat values", t.TypeName()))
}
