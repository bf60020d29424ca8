//go:build wasip1

package guestrt

import "github.com/sandcache/sandcache/internal/cabi"

// ImportResult lifts an import's result<T, E> from its return area ret,
// payload at payload, with ok and fail. A value the host placed outside
// the buffers it allocated becomes the error fault makes of the failure's
// description.
func ImportResult[T, E any](ret []byte, payload uint32, ok func(*Lifter, []byte, uint32) T, fail func(*Lifter, []byte, uint32) E, fault func(detail string) E) (T, *E) {
	l := NewLifter()
	v, e := cabi.LiftResult(l, ret, 0, payload, ok, fail)
	if l.Bad != "" {
		f := fault(l.Bad)
		return v, &f
	}
	return v, e
}

// ImportValue lifts an import's result T from its return area ret with
// lift. A value the host placed outside the buffers it allocated panics:
// the result has no error to report it.
func ImportValue[T any](ret []byte, lift func(*Lifter, []byte, uint32) T) T {
	l := NewLifter()
	v := lift(l, ret, 0)
	if l.Bad != "" {
		panic(l.Bad)
	}
	return v
}
