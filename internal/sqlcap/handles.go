package sqlcap

// table hands out small integer handles for values of type T. A handle is
// slot+1 in its low 20 bits and the slot's generation above them, so a
// released handle is not taken for the next value stored in its slot
// (until the 12-bit generation wraps). Zero is never a handle.
type table[T any] struct {
	slots []tslot[T]
	free  []uint32
	live  int
}

type tslot[T any] struct {
	val  T
	gen  uint32
	used bool
}

const (
	slotBits = 20
	slotMask = 1<<slotBits - 1
	maxSlots = slotMask // slot+1 must fit
	genMask  = 1<<(32-slotBits) - 1
)

// add stores v and returns its handle, or ok false when the table is full.
func (t *table[T]) add(v T) (h uint32, ok bool) {
	var i uint32
	if n := len(t.free); n > 0 {
		i = t.free[n-1]
		t.free = t.free[:n-1]
	} else {
		if len(t.slots) >= maxSlots {
			return 0, false
		}
		i = uint32(len(t.slots))
		t.slots = append(t.slots, tslot[T]{})
	}
	s := &t.slots[i]
	s.val, s.used = v, true
	t.live++
	return s.gen<<slotBits | (i + 1), true
}

// get returns the value of h, or ok false when h is not live.
func (t *table[T]) get(h uint32) (v T, ok bool) {
	i := h&slotMask - 1
	if i >= uint32(len(t.slots)) {
		return v, false
	}
	s := &t.slots[i]
	if !s.used || s.gen != h>>slotBits {
		return v, false
	}
	return s.val, true
}

// remove releases h; it reports whether h was live.
func (t *table[T]) remove(h uint32) bool {
	if _, ok := t.get(h); !ok {
		return false
	}
	i := h&slotMask - 1
	s := &t.slots[i]
	var zero T
	s.val, s.used = zero, false
	s.gen = (s.gen + 1) & genMask
	t.free = append(t.free, i)
	t.live--
	return true
}

// each calls f for every live handle and value.
func (t *table[T]) each(f func(h uint32, v T)) {
	for i := range t.slots {
		if s := &t.slots[i]; s.used {
			f(s.gen<<slotBits|uint32(i+1), s.val)
		}
	}
}
