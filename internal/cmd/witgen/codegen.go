package main

import (
	"bytes"
	"fmt"
	"strings"

	"go.bytecodealliance.org/wit"
)

// cg accumulates generated statements.
type cg struct {
	w *bytes.Buffer
}

func (c *cg) line(format string, args ...any) {
	fmt.Fprintf(c.w, format, args...)
	c.w.WriteByte('\n')
}

// helpers emits generated functions on demand, each once (by name), so
// that a type's lift or lower code exists once however many functions use
// the type.
type helpers struct {
	out  bytes.Buffer
	done map[string]bool
}

// once returns name, emitting its function with emit the first time.
func (h *helpers) once(name string, emit func(c *cg)) string {
	if h.done == nil {
		h.done = map[string]bool{}
	}
	if h.done[name] {
		return name
	}
	h.done[name] = true
	var b bytes.Buffer
	emit(&cg{w: &b})
	b.WriteString("\n")
	h.out.Write(b.Bytes())
	return name
}

// typeID is a Go identifier fragment naming t, for generated function
// names ("String", "ListOfString", "OptionOfU64", "ResultOfLookupAndError");
// named names a record, enum, variant or resource.
func typeID(t wit.Type, named func(*wit.TypeDef) string) string {
	if t == nil {
		return "Unit"
	}
	if k := scalarKind(t); k != "" {
		return goName(k)
	}
	td := root(t).(*wit.TypeDef)
	switch k := td.Kind.(type) {
	case *wit.Own:
		return typeID(k.Type, named)
	case *wit.Borrow:
		return typeID(k.Type, named)
	case *wit.List:
		return "ListOf" + typeID(k.Type, named)
	case *wit.Option:
		return "OptionOf" + typeID(k.Type, named)
	case *wit.Result:
		return "ResultOf" + typeID(k.OK, named) + "And" + typeID(k.Err, named)
	case *wit.Tuple:
		var s []string
		for _, e := range k.Types {
			s = append(s, typeID(e, named))
		}
		return "TupleOf" + strings.Join(s, "And")
	}
	return named(td)
}

// isBytes reports whether t is list<u8>.
func isBytes(t wit.Type) bool {
	if l, ok := kindOf(t).(*wit.List); ok {
		_, u8 := root(l.Type).(wit.U8)
		return u8
	}
	return false
}

// flatGo is the Go type of a flat value in a wasmexport or wasmimport
// signature.
func flatGo(core string) string {
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

// flatSignature is a core signature as Go parameters (p0, p1...; a
// pointer parameter as ptrType when that is not "") and result.
func flatSignature(f *wit.Function, dir wit.Direction, ptrType string) (params, res string) {
	var ps []string
	for k, p := range f.CoreFunction(dir).Params {
		gt := flatGo(coreType(p.Type))
		if _, ok := kindOf(p.Type).(*wit.Pointer); ok && ptrType != "" {
			gt = ptrType
		}
		ps = append(ps, fmt.Sprintf("p%d %s", k, gt))
	}
	if rs := f.CoreFunction(dir).Results; len(rs) == 1 {
		res = " " + flatGo(coreType(rs[0].Type))
	}
	return strings.Join(ps, ", "), res
}

// goFile assembles a generated Go file: the header, the package clause
// (with its build constraint and doc comment, as given), the imports among
// candidates that body uses (by their last path element), and body.
func goFile(clause string, body []byte, candidates ...string) ([]byte, error) {
	var w bytes.Buffer
	w.WriteString(header)
	w.WriteString(clause)
	w.WriteString("\n\nimport (\n")
	for _, path := range candidates {
		name := path[strings.LastIndex(path, "/")+1:]
		if bytes.Contains(body, []byte(name+".")) {
			fmt.Fprintf(&w, "\t%q\n", path)
		}
	}
	w.WriteString(")\n\n")
	w.Write(body)
	return formatGo(w.Bytes())
}

// Import paths of the generated files.
const (
	cabiPkg    = "github.com/sandcache/sandcache/internal/cabi"
	hostrtPkg  = "github.com/sandcache/sandcache/internal/cabi/hostrt"
	guestrtPkg = "github.com/sandcache/sandcache/internal/cabi/guestrt"
	witypesPkg = "github.com/sandcache/sandcache/internal/witypes"
	kvPkg      = "github.com/sandcache/sandcache/plugin/keyvalue"
	wazeroPkg  = "github.com/tetratelabs/wazero"
	apiPkg     = "github.com/tetratelabs/wazero/api"
)
