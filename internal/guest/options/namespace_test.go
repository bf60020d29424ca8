package options

import (
	"errors"
	"testing"
)

func TestSanitizeNamespace(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "default"},
		{"default", "default"},
		{"a.b-c_D9", "a.b-c_D9"},
		{"my ns/é", "my_ns__"},
		{"日本", "__"},
		{"🌍", "_"},
		{"e\u0301", "e_"},
		{"a/../b", "a_.._b"},
		{"../x", ".._x"},
		{"..x", "..x"},
		{"a..b", "a..b"},
		{"/", "_"},
		{"\\", "_"},
		{" ", "_"},
		{"\x00", "_"},
		{"a\xffb", "a_b"},
		{"\xe6\x97", "__"}, // a truncated character: one '_' per bad byte
		{"_", "_"},
		{".-", ".-"},
		{"._", "._"},
	}
	for _, tt := range tests {
		got, err := SanitizeNamespace(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("SanitizeNamespace(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestSanitizeNamespaceDots(t *testing.T) {
	for _, ns := range []string{".", "..", "...", "...."} {
		got, err := SanitizeNamespace(ns)
		var ne *NamespaceError
		if !errors.As(err, &ne) || ne.Namespace != ns {
			t.Errorf("SanitizeNamespace(%q) = %q, %v; want a NamespaceError", ns, got, err)
			continue
		}
		want := `cache namespace "` + ns + `" is not allowed: a namespace made only of dots is not a folder name`
		if err.Error() != want {
			t.Errorf("error = %q, want %q", err, want)
		}
	}
}

func TestSanitizeNamespaceNoAllocWhenClean(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() { _, _ = SanitizeNamespace("clean-name_1.2") }); n != 0 {
		t.Errorf("allocates %v times", n)
	}
}
