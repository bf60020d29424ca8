package record

import "testing"

// FuzzDecode checks that Decode never panics and that a decoded record
// survives Encode and Decode unchanged, with Encode a fixed point.
func FuzzDecode(f *testing.F) {
	for _, tt := range decodeTests {
		f.Add([]byte(tt.in))
	}
	f.Add(New("a", mustValue(f, `{"value":"a","n":[1,-0.0,{}]}`), 1000, 60000).Encode())
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Decode(data)
		if err != nil {
			return
		}
		enc := r.Encode()
		back, err := Decode(enc)
		if err != nil {
			t.Fatalf("Decode(Encode(%q)) = %v\n%s", data, err, enc)
		}
		if !equal(r, back) {
			t.Fatalf("round trip of %q changed the record", data)
		}
		if string(back.Encode()) != string(enc) {
			t.Fatalf("Encode is not a fixed point for %q", data)
		}
	})
}
