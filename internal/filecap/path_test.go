package filecap

import (
	"strings"
	"testing"

	"github.com/sandcache/sandcache/internal/guest/capability"
)

func TestSplitPath(t *testing.T) {
	ok := map[string][]string{
		"a":                      {"a"},
		"files/ns/x.json":        {"files", "ns", "x.json"},
		".harn/cache/llm":        {".harn", "cache", "llm"},
		"...":                    {"..."},
		"a b/ü.json":             {"a b", "ü.json"},
		strings.Repeat("n", 255): {strings.Repeat("n", 255)},
	}
	for in, want := range ok {
		got, err := SplitPath(in)
		if err != nil || strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("SplitPath(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	bad := map[string]capability.Code{
		"":                         capability.InvalidArgument,
		"/etc/passwd":              capability.NotPermitted,
		"/":                        capability.NotPermitted,
		"..":                       capability.NotPermitted,
		"../x":                     capability.NotPermitted,
		"a/../../x":                capability.NotPermitted,
		"a/..":                     capability.NotPermitted,
		".":                        capability.NotPermitted,
		"./a":                      capability.NotPermitted,
		"a/./b":                    capability.NotPermitted,
		"a//b":                     capability.InvalidArgument,
		"a/":                       capability.InvalidArgument,
		"a\x00b":                   capability.InvalidArgument,
		"a\nb":                     capability.InvalidArgument,
		"a\x7fb":                   capability.InvalidArgument,
		"a\\..\\b":                 capability.NotPermitted,
		"..\\x":                    capability.NotPermitted,
		"C:x":                      capability.NotPermitted,
		"a/b:stream":               capability.NotPermitted,
		"\xff":                     capability.InvalidArgument,
		strings.Repeat("n", 256):   capability.InvalidArgument,
		strings.Repeat("a/", 2049): capability.InvalidArgument,
	}
	for in, code := range bad {
		_, err := SplitPath(in)
		if err == nil || capability.CodeOf(err) != code {
			t.Errorf("SplitPath(%q) = %v; want code %v", in, err, code)
		}
	}
}

func TestTempName(t *testing.T) {
	for _, name := range []string{"x.json", strings.Repeat("é", 127), strings.Repeat("n", 255)} {
		tmp := tempName(name)
		if len(tmp) > MaxNameBytes || !IsTempName(tmp) {
			t.Errorf("tempName(%d bytes) = %q (%d bytes), IsTempName %v", len(name), tmp, len(tmp), IsTempName(tmp))
		}
		if _, err := SplitPath(tmp); err != nil {
			t.Errorf("temp name %q is not a valid path: %v", tmp, err)
		}
	}
	for _, name := range []string{"x.tmp", ".x.tmp", ".x.0123456789abcdeg.tmp", "x.0123456789abcdef.tmp", ".x.0123456789ABCDEF.tmp"} {
		if IsTempName(name) {
			t.Errorf("IsTempName(%q) = true", name)
		}
	}
}
