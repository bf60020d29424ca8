package options

import (
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/sandcache/sandcache/internal/guest/jsonv"
)

// errorPrefixes are the beginnings of every error ParseDict may return:
// the original's texts (docs/SPEC.md §2.1, 3) and sandcache's own for
// invalid JSON and dot-only namespaces.
var errorPrefixes = []string{
	"cache options are not valid JSON: ",
	"cache options must be a dict or nil; got ",
	"cache options.store must be a string, dict, or nil; got ",
	`cache backend must be "sqlite" or "fs"; got "`,
	"cache option ",
	`cache duration "`,
	`cache namespace "`,
}

// FuzzParseDict checks that ParseDict never panics, fails only with the
// known texts, returns options within their ranges with a namespace that is
// already sanitised, and gives the same result for the canonical form of
// the same dictionary (white space and member order do not matter). The
// seed corpus is in testdata/fuzz/FuzzParseDict.
func FuzzParseDict(f *testing.F) {
	for _, s := range []string{
		``, `null`, `{}`, `[]`, `1`, `"x"`, `{"store":"ns"}`, `{"store":""}`, `{"store":1}`,
		`{"store":{"backend":"FS ","namespace":"a b","ttl":"1.5h","max_entries":0}}`,
		`{"backend":"memory","name":"..","ttl":-1}`, `{"backend":"redis"}`,
		`{"ttl":"5 weeks"}`, `{"ttl":1,"ttl_seconds":"bad"}`, `{"max_age_seconds":1e300}`,
		`{"ttl":18446744073709551615}`, `{"max_entries":1.0}`, `{"max_entries":18446744073709551615}`,
		`{"max_entries":-5,"store":{"max_entries":200000}}`, `{"namespace":"\u00e9\ud83c\udf0d/..\\x"}`,
		`{"path":"a/b","cache_dir":"c","store":{"path":"","cache_dir":"d"}}`, `{"ttl":[1]}`, `{"ttl":{"a":1}}`,
		`{"store":{"name":"."},"namespace":"ok"}`, `{"a":1,"a":2}`, `{"ttl":true}`, `{"ttl":null,"ttl_seconds":7}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		o, err := ParseDict(data)
		if err != nil {
			msg := err.Error()
			for _, p := range errorPrefixes {
				if strings.HasPrefix(msg, p) {
					goto canonicalForm
				}
			}
			t.Fatalf("ParseDict(%q): unexpected error %q", data, msg)
		}
		if o.Backend != SQLite && o.Backend != FS && o.Backend != Mem {
			t.Fatalf("ParseDict(%q): backend %d", data, o.Backend)
		}
		if ns, err := SanitizeNamespace(o.Namespace); err != nil || ns != o.Namespace || o.Namespace == "" {
			t.Fatalf("ParseDict(%q): namespace %q is not sanitised (%q, %v)", data, o.Namespace, ns, err)
		}
		if o.TTLMillis%1000 != 0 || o.TTLMillis > math.MaxInt64 {
			t.Fatalf("ParseDict(%q): ttl %d ms", data, o.TTLMillis)
		}
		if o.MaxEntries < 1 || o.MaxEntries > MaxMaxEntries {
			t.Fatalf("ParseDict(%q): max_entries %d", data, o.MaxEntries)
		}
	canonicalForm:
		c, cerr := jsonv.Canonical(data)
		if cerr != nil {
			return
		}
		o2, err2 := ParseDict(c)
		if o2 != o || (err == nil) != (err2 == nil) || (err != nil && err.Error() != err2.Error()) {
			t.Fatalf("ParseDict(%q) = %+v, %v but its canonical form %q gives %+v, %v", data, o, err, c, o2, err2)
		}
	})
}

// FuzzSanitizeNamespace checks SanitizeNamespace: only [A-Za-z0-9._-] in
// the result, one character out per character in (an invalid byte counts
// as one), idempotent, and an error exactly for a result made of dots.
func FuzzSanitizeNamespace(f *testing.F) {
	for _, s := range []string{"", "default", "a b", "..", ".", "...", "é", "\xff\xfe", "a/../b", "\x00", "🌍.", "_", ". ."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ns string) {
		out, err := SanitizeNamespace(ns)
		if ns == "" {
			if out != DefaultNamespace || err != nil {
				t.Fatalf("SanitizeNamespace(\"\") = %q, %v", out, err)
			}
			return
		}
		chars := 0
		for i := 0; i < len(ns); chars++ {
			_, size := utf8.DecodeRuneInString(ns[i:])
			i += size
		}
		if err != nil {
			if strings.Trim(strings.Map(func(r rune) rune {
				if r == '.' {
					return '.'
				}
				return 'x'
			}, ns), ".") != "" {
				t.Fatalf("SanitizeNamespace(%q): error %v, but it is not made of dots", ns, err)
			}
			return
		}
		if len(out) != chars {
			t.Fatalf("SanitizeNamespace(%q) = %q: %d characters in, %d out", ns, out, chars, len(out))
		}
		for i := 0; i < len(out); i++ {
			if !allowed(out[i]) {
				t.Fatalf("SanitizeNamespace(%q) = %q holds %q", ns, out, out[i])
			}
		}
		if strings.Trim(out, ".") == "" {
			t.Fatalf("SanitizeNamespace(%q) = %q: only dots, and no error", ns, out)
		}
		if again, err := SanitizeNamespace(out); err != nil || again != out {
			t.Fatalf("SanitizeNamespace is not idempotent on %q: %q, %v", out, again, err)
		}
	})
}
