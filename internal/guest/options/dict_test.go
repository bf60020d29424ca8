package options

import (
	"encoding/json"
	"fmt"
	"github.com/sandcache/sandcache/tests/golden"
	"strings"
	"testing"
)

// describe renders ParseDict's result for comparison: either
// "backend path=... ns=... ttl=ms max=n" or "error: ...".
func describe(o Options, err error) string {
	if err != nil {
		return "error: " + err.Error()
	}
	return fmt.Sprintf("%v path=%q ns=%s ttl=%d max=%d", o.Backend, o.Path, o.Namespace, o.TTLMillis, o.MaxEntries)
}

// dictTests were checked against the original (the oracle) except where
// marked: backend, path, namespace, ttl and error texts through a put, the
// max_entries values by reading of the code.
var dictTests = []struct{ in, want string }{
	{``, `sqlite path="" ns=default ttl=600000 max=256`},
	{` `, `sqlite path="" ns=default ttl=600000 max=256`},
	{`null`, `sqlite path="" ns=default ttl=600000 max=256`},
	{`{}`, `sqlite path="" ns=default ttl=600000 max=256`},
	{`[]`, `error: cache options must be a dict or nil; got list`},
	{`[1]`, `error: cache options must be a dict or nil; got list`},
	{`"x"`, `error: cache options must be a dict or nil; got string`},
	{`5`, `error: cache options must be a dict or nil; got int`},
	{`1.5`, `error: cache options must be a dict or nil; got float`},
	{`true`, `error: cache options must be a dict or nil; got bool`},
	{`18446744073709551615`, `error: cache options must be a dict or nil; got float`},
	{`{"store":5}`, `error: cache options.store must be a string, dict, or nil; got int`},
	{`{"store":1.5}`, `error: cache options.store must be a string, dict, or nil; got float`},
	{`{"store":true}`, `error: cache options.store must be a string, dict, or nil; got bool`},
	{`{"store":[]}`, `error: cache options.store must be a string, dict, or nil; got list`},
	{`{"store":null}`, `sqlite path="" ns=default ttl=600000 max=256`},
	{`{"store":""}`, `sqlite path="" ns=default ttl=600000 max=256`},
	{`{"store":"s1"}`, `sqlite path="" ns=s1 ttl=600000 max=256`},
	{`{"store":{}}`, `sqlite path="" ns=default ttl=600000 max=256`},
	{`{"store":5,"backend":"redis"}`, `error: cache options.store must be a string, dict, or nil; got int`},
	{`{"backend":"redis","ttl":true}`, `error: cache backend must be "sqlite" or "fs"; got "redis"`},
	{`{"backend":" FS "}`, `fs path="" ns=default ttl=600000 max=256`},
	{`{"backend":"File"}`, `fs path="" ns=default ttl=600000 max=256`},
	{`{"backend":"files"}`, `fs path="" ns=default ttl=600000 max=256`},
	{`{"backend":""}`, `sqlite path="" ns=default ttl=600000 max=256`},
	{`{"backend":"  "}`, `sqlite path="" ns=default ttl=600000 max=256`},
	{`{"backend":"SQLite"}`, `sqlite path="" ns=default ttl=600000 max=256`},
	{`{"backend":"REDIS"}`, `error: cache backend must be "sqlite" or "fs"; got "redis"`},
	{`{"backend":"Ré\u00c9DIS"}`, `error: cache backend must be "sqlite" or "fs"; got "réÉdis"`},
	{`{"backend":"a\tb\"\u0001"}`, `error: cache backend must be "sqlite" or "fs"; got "a\tb\"\u{1}"`},
	{`{"backend":5}`, `sqlite path="" ns=default ttl=600000 max=256`},
	{`{"backend":null}`, `sqlite path="" ns=default ttl=600000 max=256`},
	// sandcache's memory backend (the original knows only sqlite and fs).
	{`{"backend":"mem"}`, `mem path="" ns=default ttl=600000 max=256`},
	{`{"backend":"Memory"}`, `mem path="" ns=default ttl=600000 max=256`},
	{`{"store":{"backend":"LRU"}}`, `mem path="" ns=default ttl=600000 max=256`},
	{`{"store":{"backend":"fs","path":"p1"},"backend":"redis"}`, `fs path="p1" ns=default ttl=600000 max=256`},
	{`{"store":{"backend":""},"backend":"fs","path":"p2"}`, `fs path="p2" ns=default ttl=600000 max=256`},
	{`{"store":{"backend":5},"backend":"fs","path":"p3"}`, `fs path="p3" ns=default ttl=600000 max=256`},
	{`{"namespace":"n1"}`, `sqlite path="" ns=n1 ttl=600000 max=256`},
	{`{"name":"n2"}`, `sqlite path="" ns=n2 ttl=600000 max=256`},
	{`{"namespace":"","name":"n3"}`, `sqlite path="" ns=n3 ttl=600000 max=256`},
	{`{"namespace":5,"name":"n4"}`, `sqlite path="" ns=n4 ttl=600000 max=256`},
	{`{"store":"s5","namespace":"n5"}`, `sqlite path="" ns=s5 ttl=600000 max=256`},
	{`{"store":"","namespace":"n6"}`, `sqlite path="" ns=default ttl=600000 max=256`},
	{`{"store":{"name":"s7"},"namespace":"n7"}`, `sqlite path="" ns=s7 ttl=600000 max=256`},
	{`{"store":{"namespace":"s8","name":"x"}}`, `sqlite path="" ns=s8 ttl=600000 max=256`},
	{`{"store":{"namespace":""},"name":"n9"}`, `sqlite path="" ns=n9 ttl=600000 max=256`},
	{`{"namespace":"my ns/é"}`, `sqlite path="" ns=my_ns__ ttl=600000 max=256`},
	{`{"namespace":"a.b-c_D9"}`, `sqlite path="" ns=a.b-c_D9 ttl=600000 max=256`},
	{`{"namespace":"日本"}`, `sqlite path="" ns=__ ttl=600000 max=256`},
	{`{"namespace":"🌍"}`, `sqlite path="" ns=_ ttl=600000 max=256`},
	{`{"namespace":"e\u0301"}`, `sqlite path="" ns=e_ ttl=600000 max=256`},
	{`{"namespace":"a..b"}`, `sqlite path="" ns=a..b ttl=600000 max=256`},
	{`{"namespace":"..x"}`, `sqlite path="" ns=..x ttl=600000 max=256`},
	// Fixed (docs/SPEC.md §2): the original accepts these as paths.
	{`{"namespace":".."}`, `error: cache namespace ".." is not allowed: a namespace made only of dots is not a folder name`},
	{`{"namespace":"."}`, `error: cache namespace "." is not allowed: a namespace made only of dots is not a folder name`},
	{`{"store":"..."}`, `error: cache namespace "..." is not allowed: a namespace made only of dots is not a folder name`},
	{`{"max_entries":1.5,"namespace":"..."}`, `error: cache option max_entries must be an int; got float`},
	{`{"path":"p4"}`, `sqlite path="p4" ns=default ttl=600000 max=256`},
	{`{"cache_dir":"p5"}`, `sqlite path="p5" ns=default ttl=600000 max=256`},
	{`{"path":"","cache_dir":"p6"}`, `sqlite path="p6" ns=default ttl=600000 max=256`},
	{`{"store":{"cache_dir":"p7"},"path":"x"}`, `sqlite path="p7" ns=default ttl=600000 max=256`},
	{`{"store":{"path":"p8","cache_dir":"x"}}`, `sqlite path="p8" ns=default ttl=600000 max=256`},
	{`{"path":"/abs/file.db"}`, `sqlite path="/abs/file.db" ns=default ttl=600000 max=256`},
	{`{"path":5,"cache_dir":"../rel"}`, `sqlite path="../rel" ns=default ttl=600000 max=256`},
	{`{"backend":"fs","path":"fp1","namespace":"fn"}`, `fs path="fp1" ns=fn ttl=600000 max=256`},
	{`{"store":{"backend":"files","cache_dir":"fp2"},"ttl":"90s"}`, `fs path="fp2" ns=default ttl=90000 max=256`},
	{`{"ttl":5}`, `sqlite path="" ns=default ttl=5000 max=256`},
	{`{"ttl":0}`, `sqlite path="" ns=default ttl=0 max=256`},
	{`{"ttl":-5}`, `sqlite path="" ns=default ttl=0 max=256`},
	{`{"ttl":2.9}`, `sqlite path="" ns=default ttl=2000 max=256`},
	{`{"ttl":-2.9}`, `sqlite path="" ns=default ttl=0 max=256`},
	{`{"ttl":-0}`, `sqlite path="" ns=default ttl=0 max=256`},
	{`{"ttl":"1m"}`, `sqlite path="" ns=default ttl=60000 max=256`},
	{`{"ttl":""}`, `sqlite path="" ns=default ttl=600000 max=256`},
	{`{"ttl":"infs"}`, `sqlite path="" ns=default ttl=9223372036854775000 max=256`},
	{`{"ttl":null,"ttl_seconds":7}`, `sqlite path="" ns=default ttl=7000 max=256`},
	{`{"ttl_seconds":8,"max_age_seconds":9}`, `sqlite path="" ns=default ttl=8000 max=256`},
	{`{"max_age_seconds":10}`, `sqlite path="" ns=default ttl=10000 max=256`},
	{`{"ttl":1e300}`, `sqlite path="" ns=default ttl=9223372036854775000 max=256`},
	{`{"ttl":9223372036854775807}`, `sqlite path="" ns=default ttl=9223372036854775000 max=256`},
	{`{"ttl":18446744073709551615}`, `sqlite path="" ns=default ttl=9223372036854775000 max=256`},
	{`{"ttl":[1]}`, `error: cache option ttl must be seconds or a duration string; got list`},
	{`{"ttl":{}}`, `error: cache option ttl must be seconds or a duration string; got dict`},
	{`{"ttl":true}`, `error: cache option ttl must be seconds or a duration string; got bool`},
	{`{"ttl":"5 weeks"}`, `error: cache duration "5 weeks" has an invalid number`},
	{`{"ttl":"1w"}`, `error: cache duration "1w" must use ms, s, m, h, or d`},
	{`{"ttl":"10s","max_age_seconds":true}`, `error: cache option max_age_seconds must be seconds or a duration string; got bool`},
	{`{"ttl":true,"max_age_seconds":"1w"}`, `error: cache option ttl must be seconds or a duration string; got bool`},
	{`{"store":{"ttl":"bad s"},"ttl":true}`, `error: cache duration "bad s" has an invalid number`},
	{`{"store":{"ttl_seconds":false}}`, `error: cache option ttl_seconds must be seconds or a duration string; got bool`},
	{`{"store":{"ttl":3},"ttl":4}`, `sqlite path="" ns=default ttl=3000 max=256`},
	{`{"store":{"ttl_seconds":3},"ttl":4}`, `sqlite path="" ns=default ttl=3000 max=256`},
	{`{"store":"s","ttl":4}`, `sqlite path="" ns=s ttl=4000 max=256`},
	{`{"store":"s","ttl":"1w"}`, `error: cache duration "1w" must use ms, s, m, h, or d`},
	{`{"max_entries":2}`, `sqlite path="" ns=default ttl=600000 max=2`},
	{`{"max_entries":0}`, `sqlite path="" ns=default ttl=600000 max=1`},
	{`{"max_entries":-7}`, `sqlite path="" ns=default ttl=600000 max=1`},
	{`{"max_entries":100001}`, `sqlite path="" ns=default ttl=600000 max=100000`},
	{`{"max_entries":9223372036854775807}`, `sqlite path="" ns=default ttl=600000 max=100000`},
	{`{"max_entries":null}`, `sqlite path="" ns=default ttl=600000 max=256`},
	{`{"store":{"max_entries":3},"max_entries":5}`, `sqlite path="" ns=default ttl=600000 max=3`},
	{`{"store":{"max_entries":null},"max_entries":5}`, `sqlite path="" ns=default ttl=600000 max=5`},
	{`{"max_entries":2.0}`, `error: cache option max_entries must be an int; got float`},
	{`{"max_entries":"2"}`, `error: cache option max_entries must be an int; got string`},
	{`{"max_entries":true}`, `error: cache option max_entries must be an int; got bool`},
	{`{"max_entries":-0}`, `error: cache option max_entries must be an int; got float`},
	{`{"max_entries":18446744073709551615}`, `error: cache option max_entries must be an int; got float`},
	{`{"store":{"max_entries":1.5},"max_entries":3}`, `error: cache option max_entries must be an int; got float`},
	{`{"store":{"max_entries":3},"max_entries":1.5}`, `error: cache option max_entries must be an int; got float`},
	{`{"ttl":true,"max_entries":1.5}`, `error: cache option ttl must be seconds or a duration string; got bool`},
	{`{"unknown":[1,2],"ttl":1}`, `sqlite path="" ns=default ttl=1000 max=256`},
	{`{"ttl":1,"ttl":"2s"}`, `sqlite path="" ns=default ttl=2000 max=256`},
}

func TestParseDict(t *testing.T) {
	for _, tt := range dictTests {
		if got := describe(ParseDict([]byte(tt.in))); got != tt.want {
			t.Errorf("ParseDict(%s)\n got %s\nwant %s", tt.in, got, tt.want)
		}
	}
}

func TestParseDictInvalidJSON(t *testing.T) {
	for _, in := range []string{`{`, `{"a":}`, `nul`, `{} {}`} {
		if _, err := ParseDict([]byte(in)); err == nil || !strings.HasPrefix(err.Error(), "cache options are not valid JSON: ") {
			t.Errorf("ParseDict(%s) error = %v", in, err)
		}
	}
}

// TestGoldenVectors parses the options of every get, put and clear case
// recorded from the original: an options error must be reproduced word for
// word; otherwise the options must parse, and where the case recorded the
// stored rows or files, their namespace, TTL and location must follow.
func TestGoldenVectors(t *testing.T) {
	checked, ttlChecked := 0, 0
	for _, v := range golden.Load(t, "../../../tests/testdata/harn-golden.jsonl") {
		optIndex := map[string]int{"get": 2, "put": 3, "clear": 1}
		i, ok := optIndex[v.Cmd[0]]
		if !ok {
			continue
		}
		var dict []byte
		if i < len(v.Cmd) {
			dict = []byte(v.Cmd[i])
		}
		o, err := ParseDict(dict)
		checked++
		if v.Exit != 0 {
			var out struct{ Error string }
			if json.Unmarshal([]byte(v.Stdout), &out) != nil {
				t.Fatalf("%s: stdout %s", v.ID, v.Stdout)
			}
			if strings.HasPrefix(out.Error, "__cache_") { // a key error, not an options one
				continue
			}
			if err == nil || err.Error() != out.Error {
				t.Errorf("%s: ParseDict(%s) error = %v, want %q", v.ID, dict, err, out.Error)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: ParseDict(%s): %v", v.ID, dict, err)
			continue
		}
		if v.Cmd[0] != "put" {
			continue
		}
		key, now := v.Cmd[1], v.Env["HARNCACHE_NOW_MS"]
		for _, row := range v.DB {
			if row[0] == o.Namespace && row[1] == key && fmt.Sprint(row[3]) == now {
				ttlChecked++
				if ttl := uint64(row[4].(float64) - row[3].(float64)); ttl != o.TTLMillis {
					t.Errorf("%s: ttl %d ms, recorded %d", v.ID, o.TTLMillis, ttl)
				}
			}
		}
		for path, text := range v.FS {
			dir := o.Path + "/" + o.Namespace + "/"
			if !strings.HasPrefix(path, dir) || !strings.Contains(text, `"key": "`+key+`"`) {
				continue
			}
			ttlChecked++
			var rec struct{ Created, Expires int64 }
			var raw map[string]any
			_ = json.Unmarshal([]byte(text), &raw)
			rec.Created, rec.Expires = int64(raw["created_at_ms"].(float64)), int64(raw["expires_at_ms"].(float64))
			if uint64(rec.Expires-rec.Created) != o.TTLMillis {
				t.Errorf("%s: ttl %d ms, record says %d", v.ID, o.TTLMillis, rec.Expires-rec.Created)
			}
			if o.Backend != FS {
				t.Errorf("%s: backend %v for an fs case", v.ID, o.Backend)
			}
		}
	}
	if checked < 60 || ttlChecked < 10 {
		t.Errorf("only %d cases checked, %d with a recorded ttl", checked, ttlChecked)
	}
	t.Logf("%d cases checked, %d with a recorded ttl", checked, ttlChecked)
}

func BenchmarkParseDict(b *testing.B) {
	dict := []byte(`{"store":{"backend":"fs","namespace":"ns1"},"path":"fsdir","ttl":"10s","max_entries":2}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseDict(dict); err != nil {
			b.Fatal(err)
		}
	}
}
