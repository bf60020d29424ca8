package host

import (
	"reflect"
	"testing"

	"github.com/sandcache/sandcache/internal/guest/capability"
	"github.com/sandcache/sandcache/internal/witabi"
)

// TestRunTypesMatch checks that the Go type of the WIT record value has
// the layout of capability.Value: the host's sql.run converts slices of
// one to the other in place.
func TestRunTypesMatch(t *testing.T) {
	pairs := []struct{ wit, capability reflect.Type }{
		{reflect.TypeFor[witabi.Value](), reflect.TypeFor[capability.Value]()},
	}
	for _, p := range pairs {
		if p.wit.Size() != p.capability.Size() || p.wit.NumField() != p.capability.NumField() {
			t.Fatalf("%v and %v differ in size or fields", p.wit, p.capability)
		}
		for i := range p.wit.NumField() {
			a, b := p.wit.Field(i), p.capability.Field(i)
			if a.Name != b.Name || a.Offset != b.Offset || a.Type.Size() != b.Type.Size() || a.Type.Kind() != b.Type.Kind() {
				t.Errorf("%v.%s (%v at %d) does not match %v.%s (%v at %d)", p.wit, a.Name, a.Type, a.Offset, p.capability, b.Name, b.Type, b.Offset)
			}
			if a.Type.Kind() == reflect.Slice && a.Type.Elem().Size() != b.Type.Elem().Size() {
				t.Errorf("%v.%s: elements of %d and %d bytes", p.wit, a.Name, a.Type.Elem().Size(), b.Type.Elem().Size())
			}
		}
	}
}
