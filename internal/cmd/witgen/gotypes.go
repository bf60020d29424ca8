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

// goType is the Go type of a WIT value type.
func goType(t wit.Type) (string, error) {
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
		return goName(*td.Name), nil
	case *wit.List:
		if _, ok := root(k.Type).(wit.U8); ok {
			return "[]byte", nil
		}
		e, err := goType(k.Type)
		return "[]" + e, err
	case *wit.Option:
		e, err := goType(k.Type)
		return "Option[" + e + "]", err
	}
	return "", fmt.Errorf("WIT type %s is not supported by witgen", t.TypeName())
}

// mustGoType is goType for types already validated by checkTypes.
func mustGoType(t wit.Type) string {
	s, err := goType(t)
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

// goResults is the Go result list of a function: "", "T", "*E" or "T, *E".
func goResults(f *wit.Function) string {
	r, _ := result(f)
	if r == nil {
		return ""
	}
	if okT, errT, ok := resultParts(r); ok {
		if okT == nil {
			return "*" + mustGoType(errT)
		}
		return "(" + mustGoType(okT) + ", *" + mustGoType(errT) + ")"
	}
	return mustGoType(r)
}

// goParams is a function's Go parameter list.
func goParams(f *wit.Function) string {
	var ps []string
	for _, p := range f.Params {
		ps = append(ps, goIdent(p.Name)+" "+mustGoType(p.Type))
	}
	return strings.Join(ps, ", ")
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

// writeTypes declares the world's records and enums, and Option.
func writeTypes(w *bytes.Buffer, m *model) {
	w.WriteString("// Option is a WIT option<T>: Value is meaningful only when Some.\n")
	w.WriteString("type Option[T any] struct {\n\tSome  bool\n\tValue T\n}\n\n")
	for _, td := range m.types {
		name := goName(*td.Name)
		docComment(w, "", td.Docs, name+" is WIT type "+*td.Name+".")
		switch k := td.Kind.(type) {
		case *wit.Record:
			fmt.Fprintf(w, "type %s struct {\n", name)
			for _, f := range k.Fields {
				docComment(w, "\t", f.Docs, goName(f.Name)+" is field "+f.Name+".")
				fmt.Fprintf(w, "\t%s %s\n", goName(f.Name), mustGoType(f.Type))
			}
			w.WriteString("}\n\n")
		case *wit.Enum:
			fmt.Fprintf(w, "type %s %s\n\n", name, mustGoType(wit.Discriminant(len(k.Cases))))
			fmt.Fprintf(w, "// Cases of %s.\nconst (\n", name)
			for i, c := range k.Cases {
				docComment(w, "\t", c.Docs, name+goName(c.Name)+" is case "+c.Name+".")
				fmt.Fprintf(w, "\t%s%s %s = %d\n", name, goName(c.Name), name, i)
			}
			w.WriteString(")\n\n")
			fmt.Fprintf(w, "// %sCount is the number of cases of %s.\nconst %sCount = %d\n\n", name, name, name, len(k.Cases))
			fmt.Fprintf(w, "// %sNames are the WIT names of the cases of %s, in order.\nvar %sNames = [%sCount]string{", name, name, name, name)
			for i, c := range k.Cases {
				if i > 0 {
					w.WriteString(", ")
				}
				fmt.Fprintf(w, "%q", c.Name)
			}
			w.WriteString("}\n\n")
		}
	}
}
