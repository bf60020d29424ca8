package record

import (
	"crypto/sha256"
	"encoding/hex"
	"math"
	"os"
	"path"
	"strings"
	"testing"

	"github.com/sandcache/sandcache/internal/guest/jsonv"
	"github.com/sandcache/sandcache/tests/golden"
)

func mustValue(t testing.TB, s string) jsonv.Value {
	t.Helper()
	v, err := jsonv.Parse([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestEncodeSpecExample(t *testing.T) {
	r := New("a", mustValue(t, `{"value":"a"}`), 1000, 60000)
	const want = `{
  "key": "a",
  "value": {
    "value": "a"
  },
  "created_at_ms": 1000,
  "expires_at_ms": 61000,
  "last_accessed_ms": 1000
}`
	if got := string(r.Encode()); got != want {
		t.Errorf("Encode =\n%s\nwant\n%s", got, want)
	}
}

// nestedRecord is a record file the original's fs backend wrote (key "pk",
// nested and empty containers, escapes, floats), byte for byte; the file
// ends with a newline that is not part of it.
func nestedRecord(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../../tests/testdata/fs-record-nested.json")
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(string(b), "\n")
}

// TestEncodeOracle checks shapes recorded from the original's fs backend:
// nested and empty containers, escapes, floats, and a scalar value.
func TestEncodeOracle(t *testing.T) {
	tests := []struct {
		name string
		r    Record
		want string
	}{
		{"nested", New("pk", mustValue(t, `{"e":[],"o":{},"n":[[],[{}],{"x":[1,{"y":null}]}],"f":-0.0,"s":"\u0001\"","b":true}`), 5, 600000), nestedRecord(t)},
		{"empty array", New("pk2", mustValue(t, `[]`), 5, 600000), `{
  "key": "pk2",
  "value": [],
  "created_at_ms": 5,
  "expires_at_ms": 600005,
  "last_accessed_ms": 5
}`},
		{"no expiry", Record{Key: "k\n\"", Value: mustValue(t, `1e21`), CreatedAtMs: -1, LastAccessedMs: math.MaxInt64}, `{
  "key": "k\n\"",
  "value": 1e+21,
  "created_at_ms": -1,
  "expires_at_ms": null,
  "last_accessed_ms": 9223372036854775807
}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(tt.r.Encode()); got != tt.want {
				t.Errorf("Encode =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

// TestGoldenFS re-encodes every record file recorded from the original's fs
// backend and expects the same bytes; the file is named after the key.
func TestGoldenFS(t *testing.T) {
	files := 0
	for _, c := range golden.Load(t, "../../../tests/testdata/harn-golden.jsonl") {
		for name, text := range c.FS {
			files++
			r, err := Decode([]byte(text))
			if err != nil {
				t.Errorf("%s: %s: %v", c.ID, name, err)
				continue
			}
			if got := string(r.Encode()); got != text {
				t.Errorf("%s: %s: Encode =\n%s\nwant\n%s", c.ID, name, got, text)
			}
			sum := sha256.Sum256([]byte(r.Key))
			if path.Base(name) != hex.EncodeToString(sum[:])+".json" {
				t.Errorf("%s: %s holds key %q", c.ID, name, r.Key)
			}
		}
	}
	if files < 10 {
		t.Errorf("only %d fs records", files)
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		now     int64
		ttl     uint64
		expires int64
	}{
		{1000, 60000, 61000},
		{0, 0, 0},
		{-5, 3, -2},
		{1, math.MaxInt64, math.MaxInt64},
		{math.MaxInt64, 1, math.MaxInt64},
		{1000, math.MaxUint64, math.MaxInt64},
		{-1000, math.MaxUint64, math.MaxInt64 - 1000},
		{math.MinInt64, 5, math.MinInt64 + 5},
	}
	for _, tt := range tests {
		r := New("k", jsonv.Null(), tt.now, tt.ttl)
		if !r.HasExpiry || r.ExpiresAtMs != tt.expires || r.CreatedAtMs != tt.now || r.LastAccessedMs != tt.now {
			t.Errorf("New(now %d, ttl %d) = %+v, want expiry %d", tt.now, tt.ttl, r, tt.expires)
		}
	}
}

func TestExpired(t *testing.T) {
	r := New("k", jsonv.Null(), 1000, 10000)
	for now, want := range map[int64]bool{10999: false, 11000: true, 11001: true, 0: false} {
		if r.Expired(now) != want {
			t.Errorf("Expired(%d) = %v", now, !want)
		}
	}
	if (Record{ExpiresAtMs: -1}).Expired(math.MaxInt64) {
		t.Error("a record without expiry expired")
	}
}

// decodeTests: what the original does with each file (checked with the
// oracle: a hit keeps the file, a file that fails to decode is deleted).
var decodeTests = []struct {
	in   string
	want string // the record re-encoded compactly, or "error: ..." text
}{
	{`{"key":"k","value":5,"created_at_ms":0,"last_accessed_ms":0}`, `k 5 0 - 0`},
	{` {"key":"k","value":5,"created_at_ms":0,"last_accessed_ms":0} `, `k 5 0 - 0`},
	{`{"key":"k","value":5,"created_at_ms":0,"last_accessed_ms":0,"expires_at_ms":11}`, `k 5 0 11 0`},
	{`{"key":"k","value":5,"created_at_ms":0,"expires_at_ms":null,"last_accessed_ms":0}`, `k 5 0 - 0`},
	{`{"key":"k","value":null,"created_at_ms":0,"last_accessed_ms":0}`, `k null 0 - 0`},
	{`{"\u006bey":"k","value":5,"created_at_ms":0,"last_accessed_ms":0}`, `k 5 0 - 0`},
	{`{"key":"k","value":5,"created_at_ms":0,"last_accessed_ms":0,"x":1,"x":2}`, `k 5 0 - 0`},
	{`{"last_accessed_ms":-9223372036854775808,"created_at_ms":9223372036854775807,"value":{"b":1,"a":[]},"key":""}`, ` {"a":[],"b":1} 9223372036854775807 - -9223372036854775808`},
	{`["k",5,0,null,0]`, `k 5 0 - 0`},
	{`["k",5,0,7,0]`, `k 5 0 7 0`},
	{`["k",5,0,null]`, `error: cache record: invalid length`},
	{`["k",5,0,null,0,1]`, `error: cache record: invalid length`},
	{`{"key":"k","created_at_ms":0,"last_accessed_ms":0}`, "error: cache record: missing field `value`"},
	{`{"value":1,"created_at_ms":0,"last_accessed_ms":0}`, "error: cache record: missing field `key`"},
	{`{"key":"k","value":1,"last_accessed_ms":0}`, "error: cache record: missing field `created_at_ms`"},
	{`{"key":"k","value":1,"created_at_ms":0}`, "error: cache record: missing field `last_accessed_ms`"},
	{`{"key":"k","value":5,"created_at_ms":0,"last_accessed_ms":0,"key":"k"}`, "error: cache record: duplicate field `key`"},
	{`{"key":"k","value":5,"value":5,"created_at_ms":0,"last_accessed_ms":0}`, "error: cache record: duplicate field `value`"},
	{`{"key":"k","value":5,"created_at_ms":0,"last_accessed_ms":0,"expires_at_ms":null,"expires_at_ms":null}`, "error: cache record: duplicate field `expires_at_ms`"},
	{`{"key":"k","value":5,"created_at_ms":1.0,"last_accessed_ms":0}`, "error: cache record: invalid created_at_ms: float, expected i64"},
	{`{"key":"k","value":5,"created_at_ms":-0,"last_accessed_ms":0}`, "error: cache record: invalid created_at_ms"},
	{`{"key":"k","value":5,"created_at_ms":9223372036854775808,"last_accessed_ms":0}`, "error: cache record: invalid created_at_ms: uint"},
	{`{"key":"k","value":5,"created_at_ms":0,"last_accessed_ms":"0"}`, "error: cache record: invalid last_accessed_ms"},
	{`{"key":"k","value":5,"created_at_ms":0,"last_accessed_ms":0,"expires_at_ms":"x"}`, "error: cache record: invalid expires_at_ms"},
	{`{"key":1,"value":5,"created_at_ms":0,"last_accessed_ms":0}`, "error: cache record: invalid type: int, expected a string"},
	{`{"key":"k","value":5,"created_at_ms":0,"last_accessed_ms":0}x`, "error: cache record: trailing characters"},
	{`{"key":"k","value":5,"created_at_ms":0,"last_accessed_ms":0`, "error: cache record: EOF while parsing an object"},
	{`[]`, "error: cache record: invalid length"},
	{`"k"`, "error: cache record: invalid type: string, expected struct CacheRecord"},
	{`null`, "error: cache record: invalid type: null"},
	{``, "error: cache record: EOF while parsing a value"},
	{`{`, "error: cache record: EOF while parsing an object"},
}

// brief renders a record as "key value created expires|- last".
func brief(r Record) string {
	exp := "-"
	if r.HasExpiry {
		exp = string(jsonv.Int(r.ExpiresAtMs).Compact())
	}
	return strings.Join([]string{r.Key, string(r.Value.Compact()), string(jsonv.Int(r.CreatedAtMs).Compact()), exp, string(jsonv.Int(r.LastAccessedMs).Compact())}, " ")
}

func TestDecode(t *testing.T) {
	for _, tt := range decodeTests {
		r, err := Decode([]byte(tt.in))
		got := ""
		if err != nil {
			got = "error: " + err.Error()
		} else {
			got = brief(r)
		}
		if !strings.HasPrefix(got, tt.want) || (err == nil && got != tt.want) {
			t.Errorf("Decode(%s)\n got %s\nwant %s", tt.in, got, tt.want)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	for _, r := range []Record{
		New("a", mustValue(t, `{"z":[1,2.5,{"q":"\u2028"}],"a":-0.0}`), 1, 2),
		{Key: "no expiry", Value: mustValue(t, `18446744073709551615`), CreatedAtMs: math.MinInt64},
		{Key: "é🌍\x00", Value: mustValue(t, `[[[]],{}]`), HasExpiry: true, ExpiresAtMs: -7, LastAccessedMs: 3},
	} {
		back, err := Decode(r.Encode())
		if err != nil {
			t.Fatalf("Decode(Encode(%+v)): %v", r, err)
		}
		if !equal(back, r) {
			t.Errorf("round trip: %+v became %+v", r, back)
		}
	}
}

// equal compares records (ExpiresAtMs only when set).
func equal(a, b Record) bool {
	return a.Key == b.Key && jsonv.Equal(a.Value, b.Value) && a.CreatedAtMs == b.CreatedAtMs &&
		a.HasExpiry == b.HasExpiry && (!a.HasExpiry || a.ExpiresAtMs == b.ExpiresAtMs) &&
		a.LastAccessedMs == b.LastAccessedMs
}

func TestEncodeAllocs(t *testing.T) {
	r := New("key", mustValue(t, `{"a":[1,2],"s":"x"}`), 1, 2)
	buf := make([]byte, 0, 512)
	if n := testing.AllocsPerRun(100, func() { buf = r.AppendEncode(buf[:0]) }); n != 0 {
		t.Errorf("AppendEncode allocates %v times", n)
	}
}

func BenchmarkDecode(b *testing.B) {
	data := New("fkey", mustValue(b, `{"a":[1,2],"s":"é<>&"}`), 1000, 60000).Encode()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(data); err != nil {
			b.Fatal(err)
		}
	}
}
