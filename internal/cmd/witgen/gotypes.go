package main

import (
	"bytes"
	"fmt"
	"strings"

	"go.bytecodealliance.org/wit"
)

// Go representation of WIT types, shared by the guest and host emitters:
// bool, integers and floats as themselves, string as string, list<u8> as
// []byte, list<T> as []T, option<T> as Option[T], records as structs and
// enums as named integers. A function's `result<T, E>` becomes (T, *E).

// goType is the Go type of a WIT value type, in the package that declares
// the world's types (or aliases them).
func goType(t wit.Type) (string, error) { return goTypeIn(t, "") }

// goTypeIn is goType with named types qualified by q ("witypes.").
func goTypeIn(t wit.Type, q string) (string, error) {
	switch root(t).(type) {
	case wit.Bool:
		return "bool", nil
	case wit.U8:
		return "uint8", nil
	case wit.U16:
		return "uint16", nil
	case wit.U32:
		return "uint32", nil
	case wit.U64:
		return "uint64", nil
	case wit.S8:
		return "int8", nil
	case wit.S16:
		return "int16", nil
	case wit.S32:
		return "int32", nil
	case wit.S64:
		return "int64", nil
	case wit.F32:
		return "float32", nil
	case wit.F64:
		return "float64", nil
	case wit.String:
		return "string", nil
	}
	td := root(t).(*wit.TypeDef)
	switch k := td.Kind.(type) {
	case *wit.Record, *wit.Enum:
		return q + goName(*td.Name), nil
	case *wit.List:
		if _, ok := root(k.Type).(wit.U8); ok {
			return "[]byte", nil
		}
		e, err := goTypeIn(k.Type, q)
		return "[]" + e, err
	case *wit.Option:
		e, err := goTypeIn(k.Type, q)
		return q + "Option[" + e + "]", err
	}
	return "", fmt.Errorf("WIT type %s is not supported by witgen", t.TypeName())
}

// mustGoType is goType for types already validated by checkTypes.
func mustGoType(t wit.Type) string { return mustGoTypeIn(t, "") }

// mustGoTypeIn is goTypeIn for types already validated by checkTypes.
func mustGoTypeIn(t wit.Type, q string) string {
	s, err := goTypeIn(t, q)
	if err != nil {
		panic(err)
	}
	return s
}

// checkTypes validates that every parameter and result of the world's
// functions has a Go representation.
func checkTypes(m *model) error {
	for _, i := range append(append([]*iface{}, m.imports...), m.exports...) {
		for _, f := range i.funcs {
			for _, p := range f.Params {
				if _, err := goType(p.Type); err != nil {
					return fmt.Errorf("%s.%s param %s: %w", i.name, f.Name, p.Name, err)
				}
			}
			r, err := result(f)
			if err != nil {
				return err
			}
			if okT, errT, isRes := resultParts(r); isRes {
				if errT == nil {
					return fmt.Errorf("%s.%s: result without an error type is not supported", i.name, f.Name)
				}
				if _, ok := kindOf(errT).(*wit.Record); !ok {
					return fmt.Errorf("%s.%s: the error type must be a record", i.name, f.Name)
				}
				if okT != nil {
					if _, err := goType(okT); err != nil {
						return err
					}
				}
			} else if r != nil {
				if _, err := goType(r); err != nil {
					return fmt.Errorf("%s.%s result: %w", i.name, f.Name, err)
				}
			}
			if _, err := flatParamCount(f); err != nil {
				return err
			}
		}
	}
	return nil
}

// goResults is the Go result list of a function: "", "T", "*E" or
// "(T, *E)", with named types qualified by q.
func goResults(f *wit.Function, q string) string {
	r, _ := result(f)
	if r == nil {
		return ""
	}
	if okT, errT, ok := resultParts(r); ok {
		if okT == nil {
			return "*" + mustGoTypeIn(errT, q)
		}
		return "(" + mustGoTypeIn(okT, q) + ", *" + mustGoTypeIn(errT, q) + ")"
	}
	return mustGoTypeIn(r, q)
}

// goParams is a function's Go parameter list, named types qualified by q.
func goParams(f *wit.Function, q string) string {
	var ps []string
	for _, p := range f.Params {
		ps = append(ps, goIdent(p.Name)+" "+mustGoTypeIn(p.Type, q))
	}
	return strings.Join(ps, ", ")
}

// withCtx is a Go parameter list ps after a first parameter ctx
// context.Context.
func withCtx(ps string) string {
	if ps == "" {
		return "ctx context.Context"
	}
	return "ctx context.Context, " + ps
}

// goIdent is a WIT parameter name as a Go identifier.
func goIdent(s string) string {
	n := lowerName(s)
	switch n {
	case "type", "func", "var", "map", "range", "default", "len", "string", "error":
		return n + "_"
	}
	return n
}

// docComment writes WIT docs as a Go comment, or a fallback line.
func docComment(w *bytes.Buffer, indent string, d wit.Docs, fallback string) {
	text := strings.TrimSpace(d.Contents)
	if text == "" {
		text = fallback
	}
	for _, l := range strings.Split(text, "\n") {
		fmt.Fprintf(w, "%s// %s\n", indent, strings.TrimRight(l, " "))
	}
}

// genTypes emits package witypes: the world's records and enums, shared
// by the guest glue and (through aliases) the host glue, and their lift
// and lower functions (tc), generic over the side's runtime.
func genTypes(m *model, tc *codec) ([]byte, error) {
	var w bytes.Buffer
	w.WriteString("// Option is a WIT option<T>: Value is meaningful only when Some.\ntype Option[T any] = cabi.Option[T]\n\n")
	for _, td := range m.types {
		name := goName(*td.Name)
		docComment(&w, "", td.Docs, name+" is WIT type "+*td.Name+".")
		switch k := td.Kind.(type) {
		case *wit.Record:
			writeStruct(&w, name, k, func(t wit.Type) string { return mustGoType(t) })
		case *wit.Enum:
			writeEnum(&w, name, k)
			fmt.Fprintf(&w, "// %sCount is the number of cases of %s.\nconst %sCount = %d\n\n", name, name, name, len(k.Cases))
			fmt.Fprintf(&w, "// %sNames are the WIT names of the cases of %s, in order.\nvar %sNames = [%sCount]string{", name, name, name, name)
			writeQuoted(&w, enumCases(k))
			w.WriteString("}\n\n")
		}
	}
	w.Write(tc.out.Bytes())
	return goFile("// Package witypes holds the Go types of the world in wit/sandcache.wit\n// and their canonical-ABI lift and lower functions, generated by\n// internal/cmd/witgen: the guest glue uses them over guestrt, the host glue\n// (package witabi, which aliases the types) over hostrt. The functions of\n// lists and options of primitive types serve the plugin glue too\n// (packages keyvalue and pluginabi).\npackage witypes", w.Bytes(), cabiPkg)
}

// writeTypeAliases aliases, in package witabi, the types of package
// witypes, and the names of enum cases.
func writeTypeAliases(w *bytes.Buffer, m *model) {
	w.WriteString("// Option is a WIT option<T>: Value is meaningful only when Some.\ntype Option[T any] = witypes.Option[T]\n\n")
	for _, td := range m.types {
		name := goName(*td.Name)
		fmt.Fprintf(w, "// %s is WIT type %s (see package witypes).\ntype %s = witypes.%s\n\n", name, *td.Name, name, name)
		if _, ok := td.Kind.(*wit.Enum); ok {
			fmt.Fprintf(w, "// %sNames are the WIT names of the cases of %s, in order.\nvar %sNames = witypes.%sNames\n\n", name, name, name, name)
		}
	}
}

// writeStruct declares a record as a struct whose field types goType names.
func writeStruct(w *bytes.Buffer, name string, k *wit.Record, goType func(wit.Type) string) {
	fmt.Fprintf(w, "type %s struct {\n", name)
	for _, f := range k.Fields {
		docComment(w, "\t", f.Docs, goName(f.Name)+" is field "+f.Name+".")
		fmt.Fprintf(w, "\t%s %s\n", goName(f.Name), goType(f.Type))
	}
	w.WriteString("}\n\n")
}

// writeEnum declares an enum as a named integer and its cases.
func writeEnum(w *bytes.Buffer, name string, k *wit.Enum) {
	fmt.Fprintf(w, "type %s %s\n\n", name, mustGoType(wit.Discriminant(len(k.Cases))))
	writeCases(w, name, name, enumCases(k))
}

// caseDoc is a case of an enum or variant: its name and docs.
type caseDoc struct {
	name string
	docs wit.Docs
}

func enumCases(k *wit.Enum) []caseDoc {
	out := make([]caseDoc, len(k.Cases))
	for i, c := range k.Cases {
		out[i] = caseDoc{c.Name, c.Docs}
	}
	return out
}

func variantCases(k *wit.Variant) []caseDoc {
	out := make([]caseDoc, len(k.Cases))
	for i, c := range k.Cases {
		out[i] = caseDoc{c.Name, c.Docs}
	}
	return out
}

// writeCases declares the constants name<Case> of type typ.
func writeCases(w *bytes.Buffer, name, typ string, cases []caseDoc) {
	fmt.Fprintf(w, "// Cases of %s.\nconst (\n", name)
	for i, c := range cases {
		docComment(w, "\t", c.docs, name+goName(c.name)+" is case "+c.name+".")
		fmt.Fprintf(w, "\t%s%s %s = %d\n", name, goName(c.name), typ, i)
	}
	w.WriteString(")\n\n")
}

// writeQuoted writes the cases' names as a list of Go strings.
func writeQuoted(w *bytes.Buffer, cases []caseDoc) {
	for i, c := range cases {
		if i > 0 {
			w.WriteString(", ")
		}
		fmt.Fprintf(w, "%q", c.name)
	}
}
