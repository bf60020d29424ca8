package main

import (
	"bytes"
	"fmt"

	"go.bytecodealliance.org/wit"
)

// writeNamedTypes declares the model's records, variants, enums and
// resource handles (the handle declaration is left to the caller, which
// adds methods on the guest side).
func writeNamedTypes(w *bytes.Buffer, m *pluginModel, handleDoc string) {
	for _, td := range m.types {
		name := m.names[td]
		docComment(w, "", td.Docs, name+" is WIT type "+*td.Name+".")
		switch k := td.Kind.(type) {
		case *wit.Record:
			writeStruct(w, name, k, m.goType)
		case *wit.Enum:
			writeEnum(w, name, k)
		case *wit.Variant:
			fmt.Fprintf(w, "type %s struct {\n\t// Case says which case this is; only that case's field is meaningful.\n\tCase %sCase\n", name, name)
			for _, cs := range k.Cases {
				if cs.Type == nil {
					continue
				}
				docComment(w, "\t", cs.Docs, goName(cs.Name)+" is the payload of case "+cs.Name+".")
				fmt.Fprintf(w, "\t%s %s\n", goName(cs.Name), m.goType(cs.Type))
			}
			w.WriteString("}\n\n")
			fmt.Fprintf(w, "// %sCase is a case of %s.\ntype %sCase %s\n\n", name, name, name, mustGoType(wit.Discriminant(len(k.Cases))))
			writeCases(w, name, name+"Case", variantCases(k))
			fmt.Fprintf(w, "// %sCaseNames are the WIT names of the cases of %s.\nvar %sCaseNames = [...]string{", name, name, name)
			writeQuoted(w, variantCases(k))
			w.WriteString("}\n\n")
		case *wit.Resource:
			fmt.Fprintf(w, "%stype %s uint32\n\n", handleDoc, name)
		}
	}
}

// genPluginTypes emits the portable part of package keyvalue: the types of
// world "plugin" and their lift and lower functions (cc), which the Go host
// (package pluginabi) uses too.
func genPluginTypes(m *pluginModel, cc *codec) ([]byte, error) {
	var w bytes.Buffer
	writePluginGenerics(&w, "cabi")
	writeNamedTypes(&w, m, "")
	w.WriteString("// The functions below lift and lower the types above in the canonical\n// ABI, over a side's runtime (cabi.Reader, cabi.Writer): the wrappers of\n// this package in a plugin, the Go host's glue (internal/pluginabi) in the\n// host. Plugins do not need them.\n\n")
	w.Write(cc.out.Bytes())
	return goFile("package keyvalue", w.Bytes(), cabiPkg, witypesPkg)
}

// writePluginGenerics aliases pkg's generic types for the plugin glue's
// users.
func writePluginGenerics(w *bytes.Buffer, pkg string) {
	fmt.Fprintf(w, "// Option is a WIT option<T>: Value is meaningful only when Some.\ntype Option[T any] = %s.Option[T]\n\n", pkg)
	fmt.Fprintf(w, "// Some returns an option holding v.\nfunc Some[T any](v T) Option[T] { return %s.Some(v) }\n\n", pkg)
	fmt.Fprintf(w, "// Tuple2 is a WIT tuple<A, B>.\ntype Tuple2[A, B any] = %s.Tuple2[A, B]\n\n", pkg)
}

// writePluginAliases aliases, in package pluginabi, the types of world
// "plugin" from package keyvalue with their cases, and names the draft
// world's types that are the same.
func writePluginAliases(w *bytes.Buffer, cur, draft *pluginModel) {
	w.WriteString("// The types of world \"plugin\" are package keyvalue's.\ntype (\n")
	for _, td := range cur.types {
		n := cur.names[td]
		fmt.Fprintf(w, "\t%s = keyvalue.%s\n", n, n)
		if _, ok := td.Kind.(*wit.Variant); ok {
			fmt.Fprintf(w, "\t%sCase = keyvalue.%sCase\n", n, n)
		}
	}
	w.WriteString(")\n\n// The cases of the variants and enums of world \"plugin\".\nconst (\n")
	for _, td := range cur.types {
		n := cur.names[td]
		switch k := td.Kind.(type) {
		case *wit.Variant:
			for _, c := range variantCases(k) {
				fmt.Fprintf(w, "\t%s%s = keyvalue.%s%s\n", n, goName(c.name), n, goName(c.name))
			}
		case *wit.Enum:
			for _, c := range enumCases(k) {
				fmt.Fprintf(w, "\t%s%s = keyvalue.%s%s\n", n, goName(c.name), n, goName(c.name))
			}
		}
	}
	w.WriteString(")\n\n")
	for _, td := range cur.types {
		if _, ok := td.Kind.(*wit.Variant); ok {
			n := cur.names[td]
			fmt.Fprintf(w, "// %sCaseNames are the WIT names of the cases of %s.\nvar %sCaseNames = keyvalue.%sCaseNames\n\n", n, n, n, n)
		}
	}
	if len(draft.aliases) > 0 {
		w.WriteString("// The types of world \"plugin-draft\" declared alike in world \"plugin\".\ntype (\n")
		for _, a := range draft.aliases {
			fmt.Fprintf(w, "\t%s = %s\n", a[0], a[1])
		}
		w.WriteString(")\n\n")
	}
}
