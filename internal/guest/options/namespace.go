package options

import (
	"strings"
	"unicode/utf8"

	"github.com/sandcache/sandcache/internal/guest/duration"
)

// SanitizeNamespace returns the namespace as the store uses it: every
// character outside [A-Za-z0-9._-] becomes one '_' (one per Unicode
// character; each byte that is not valid UTF-8 also becomes one '_'), and
// an empty namespace is DefaultNamespace. A result made only of dots (".",
// "..", ...) is an error rather than a path (docs/SPEC.md §2, fixed).
func SanitizeNamespace(ns string) (string, error) {
	if ns == "" {
		return DefaultNamespace, nil
	}
	clean := true
	for i := 0; i < len(ns); i++ {
		if !allowed(ns[i]) {
			clean = false
			break
		}
	}
	out := ns
	if !clean {
		var b strings.Builder
		b.Grow(len(ns))
		for i := 0; i < len(ns); {
			if c := ns[i]; allowed(c) {
				b.WriteByte(c)
				i++
				continue
			}
			_, size := utf8.DecodeRuneInString(ns[i:])
			b.WriteByte('_')
			i += size
		}
		out = b.String()
	}
	if strings.Trim(out, ".") == "" {
		return "", &NamespaceError{Namespace: ns}
	}
	return out, nil
}

// allowed reports whether c is kept as it is in a namespace.
func allowed(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '.' || c == '-' || c == '_'
}

// NamespaceError reports a namespace that cannot name a folder.
type NamespaceError struct {
	Namespace string // as given
}

// Error returns `cache namespace "<ns>" is not allowed: ...`, the namespace
// quoted as the original quotes texts in its errors.
func (e *NamespaceError) Error() string {
	return "cache namespace " + duration.Quote(e.Namespace) + " is not allowed: a namespace made only of dots is not a folder name"
}
