package jsonv

import (
	"math"
	"testing"
)

func TestConstructors(t *testing.T) {
	tests := []struct {
		name     string
		v        Value
		kind     Kind
		typeName string
		compact  string
	}{
		{"zero", Value{}, KindNull, "nil", "null"},
		{"null", Null(), KindNull, "nil", "null"},
		{"true", Bool(true), KindBool, "bool", "true"},
		{"false", Bool(false), KindBool, "bool", "false"},
		{"int", Int(-7), KindInt, "int", "-7"},
		{"int min", Int(math.MinInt64), KindInt, "int", "-9223372036854775808"},
		{"small uint is int", Uint(5), KindInt, "int", "5"},
		{"uint", Uint(math.MaxUint64), KindUint, "int", "18446744073709551615"},
		{"float", Float(2), KindFloat, "float", "2.0"},
		{"nan is null", Float(math.NaN()), KindNull, "nil", "null"},
		{"inf is null", Float(math.Inf(-1)), KindNull, "nil", "null"},
		{"string", String("a\"b"), KindString, "string", `"a\"b"`},
		{"array", Array(Int(1), String("x"), Null()), KindArray, "list", `[1,"x",null]`},
		{"empty array", Array(), KindArray, "list", `[]`},
		{"object sorted", Object(Member{"b", Int(1)}, Member{"a", Int(2)}), KindObject, "dict", `{"a":2,"b":1}`},
		{"object last wins", Object(Member{"k", Int(1)}, Member{"j", Null()}, Member{"k", Int(3)}), KindObject, "dict", `{"j":null,"k":3}`},
		{"empty object", Object(), KindObject, "dict", `{}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.v.Kind() != tt.kind {
				t.Errorf("Kind = %v, want %v", tt.v.Kind(), tt.kind)
			}
			if tt.v.TypeName() != tt.typeName {
				t.Errorf("TypeName = %q, want %q", tt.v.TypeName(), tt.typeName)
			}
			if got := string(tt.v.Compact()); got != tt.compact {
				t.Errorf("Compact = %s, want %s", got, tt.compact)
			}
		})
	}
}

func TestAccessors(t *testing.T) {
	v, err := Parse([]byte(`{"b":true,"i":-3,"u":18446744073709551615,"f":1.5,"s":"x","l":[1,2],"n":null}`))
	if err != nil {
		t.Fatal(err)
	}
	get := func(k string) Value {
		t.Helper()
		x, ok := v.Get(k)
		if !ok {
			t.Fatalf("Get(%q) missing", k)
		}
		return x
	}
	if b, ok := get("b").AsBool(); !ok || !b {
		t.Error("AsBool")
	}
	if i, ok := get("i").AsInt(); !ok || i != -3 {
		t.Error("AsInt")
	}
	if _, ok := get("i").AsUint(); ok {
		t.Error("AsUint of a negative int")
	}
	if u, ok := get("u").AsUint(); !ok || u != math.MaxUint64 {
		t.Error("AsUint")
	}
	if _, ok := get("u").AsInt(); ok {
		t.Error("AsInt of a uint")
	}
	if f, ok := get("f").AsFloat(); !ok || f != 1.5 {
		t.Error("AsFloat")
	}
	if _, ok := get("i").AsFloat(); ok {
		t.Error("AsFloat of an int")
	}
	for k, want := range map[string]float64{"i": -3, "u": 18446744073709551615, "f": 1.5} {
		if f, ok := get(k).Number(); !ok || f != want {
			t.Errorf("Number(%s) = %v, %v", k, f, ok)
		}
	}
	if _, ok := get("s").Number(); ok {
		t.Error("Number of a string")
	}
	if s, ok := get("s").AsString(); !ok || s != "x" {
		t.Error("AsString")
	}
	if l := get("l"); l.Len() != 2 || len(l.Items()) != 2 {
		t.Error("Items")
	}
	if !get("n").IsNull() {
		t.Error("IsNull")
	}
	if v.Len() != 7 || len(v.Members()) != 7 {
		t.Error("Members")
	}
	if _, ok := v.Get("zz"); ok {
		t.Error("Get of a missing key")
	}
	if _, ok := get("l").Get("0"); ok {
		t.Error("Get on an array")
	}
	if get("s").Len() != 0 {
		t.Error("Len of a string")
	}
}

func TestConstructorsCopy(t *testing.T) {
	items := []Value{Int(1)}
	a := Array(items...)
	items[0] = Int(2)
	if string(a.Compact()) != "[1]" {
		t.Error("Array shares its argument")
	}
	ms := []Member{{"b", Int(1)}, {"a", Int(2)}}
	o := Object(ms...)
	if ms[0].Key != "b" || string(o.Compact()) != `{"a":2,"b":1}` {
		t.Error("Object sorts its argument in place")
	}
}

func TestEqual(t *testing.T) {
	pairs := []struct {
		a, b string
		eq   bool
	}{
		{`1`, `1`, true},
		{`1`, `1.0`, false},
		{`0.0`, `-0.0`, false},
		{`-0`, `-0.0`, true},
		{`{"a":[1,{"b":null}]}`, `{ "a" : [ 1 , { "b" : null } ] }`, true},
		{`{"a":1,"b":2}`, `{"b":2,"a":1}`, true},
		{`{"a":1}`, `{"b":1}`, false},
		{`[1,2]`, `[2,1]`, false},
		{`[1]`, `[1,1]`, false},
		{`"a"`, `"b"`, false},
		{`[]`, `{}`, false},
		{`null`, `false`, false},
	}
	for _, p := range pairs {
		a, err1 := Parse([]byte(p.a))
		b, err2 := Parse([]byte(p.b))
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		if Equal(a, b) != p.eq {
			t.Errorf("Equal(%s, %s) = %v", p.a, p.b, !p.eq)
		}
	}
	if !Equal(Array(), mustParse(t, "[]")) || !Equal(Object(), mustParse(t, "{}")) {
		t.Error("empty containers differ")
	}
}

func mustParse(t *testing.T, s string) Value {
	t.Helper()
	v, err := Parse([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestKindString(t *testing.T) {
	for k, want := range map[Kind]string{KindNull: "null", KindUint: "uint", KindObject: "object", Kind(99): "invalid"} {
		if k.String() != want {
			t.Errorf("%d.String() = %q", k, k.String())
		}
	}
	if Kind(99).TypeName() != "invalid" {
		t.Error("TypeName of an invalid kind")
	}
}

func TestCompactAllocs(t *testing.T) {
	v := mustParse(t, `{"a":[1,2.5,null,true,"x\n"],"b":{"c":-1e300}}`)
	buf := make([]byte, 0, 256)
	if n := testing.AllocsPerRun(100, func() { buf = v.AppendCompact(buf[:0]) }); n != 0 {
		t.Errorf("AppendCompact allocates %v times", n)
	}
	if n := testing.AllocsPerRun(100, func() { buf = v.AppendPretty(buf[:0], 0) }); n != 0 {
		t.Errorf("AppendPretty allocates %v times", n)
	}
}

func BenchmarkParse(b *testing.B) {
	data := []byte(`{"role":"user","content":"hello world, this is a prompt","n":[1,2,3,4.5,-6e7],"nested":{"z":true,"a":null,"m":"caf\u00e9"}}`)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCompact(b *testing.B) {
	v, _ := Parse([]byte(`{"role":"user","content":"hello world, this is a prompt","n":[1,2,3,4.5,-6e7],"nested":{"z":true,"a":null,"m":"caf\u00e9"}}`))
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		buf = v.AppendCompact(buf[:0])
	}
}
