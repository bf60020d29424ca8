package sdk_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sandcache/sandcache/sdk"
)

// clock is a settable test clock.
type clock struct{ ms atomic.Int64 }

func (c *clock) now() time.Time      { return time.UnixMilli(c.ms.Load()) }
func (c *clock) set(ms int64)        { c.ms.Store(ms) }
func (c *clock) add(d time.Duration) { c.ms.Add(d.Milliseconds()) }

func open(t *testing.T, cfg sdk.Config) (*sdk.Cache, *clock) {
	t.Helper()
	clk := &clock{}
	clk.set(1_000_000)
	c, err := sdk.Open(context.Background(), cfg.WithClock(clk.now))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, clk
}

func newCache(t *testing.T) (*sdk.Cache, *clock) {
	return open(t, sdk.NewConfig().WithDir(t.TempDir()))
}

var ctx = context.Background()

func TestRoundTripEveryBackend(t *testing.T) {
	c, clk := newCache(t)
	for _, b := range []sdk.Backend{sdk.SQLite, sdk.FS, sdk.Mem} {
		t.Run(b.String(), func(t *testing.T) {
			o := sdk.WithBackend(b)
			v := `{"z":1,"a":[1.0,-0.0,1e21,"é<>&\u2028"],"n":null}`
			if err := c.Put(ctx, "k", []byte(v), o); err != nil {
				t.Fatal(err)
			}
			got, ok, err := c.Get(ctx, "k", o)
			want := "{\"a\":[1.0,-0.0,1e+21,\"é<>&\u2028\"],\"n\":null,\"z\":1}"
			if err != nil || !ok || string(got) != want {
				t.Fatalf("get = %s, %v, %v; want %s", got, ok, err, want)
			}
			keys, err := c.Keys(ctx, "", o)
			if err != nil || len(keys) != 1 || keys[0] != "k" {
				t.Fatalf("keys = %q, %v", keys, err)
			}
			st, err := c.Stats(ctx, o)
			if err != nil || st.Entries != 1 || st.Hits != 1 {
				t.Fatalf("stats = %+v, %v", st, err)
			}
			existed, err := c.Delete(ctx, "k", o)
			if err != nil || !existed {
				t.Fatalf("delete = %v, %v", existed, err)
			}
			if existed, _ := c.Delete(ctx, "k", o); existed {
				t.Fatal("second delete found the key")
			}
			clk.add(time.Millisecond)
		})
	}
}

func TestTTLAndLRU(t *testing.T) {
	c, clk := newCache(t)
	for _, b := range []sdk.Backend{sdk.SQLite, sdk.FS, sdk.Mem} {
		t.Run(b.String(), func(t *testing.T) {
			o := []sdk.Option{sdk.WithBackend(b), sdk.InNamespace("ttl-" + b.String())}
			if err := c.Put(ctx, "t", []byte(`1`), append(o, sdk.TTL(10*time.Second))...); err != nil {
				t.Fatal(err)
			}
			clk.add(9999 * time.Millisecond)
			if _, ok, _ := c.Get(ctx, "t", o...); !ok {
				t.Fatal("miss before expiry")
			}
			clk.add(time.Millisecond)
			if _, ok, _ := c.Get(ctx, "t", o...); ok {
				t.Fatal("hit at expires_at: expiry must be strict")
			}
			st, _ := c.Stats(ctx, o...)
			if st.Expirations != 1 {
				t.Fatalf("expirations = %d", st.Expirations)
			}
			// Same millisecond: a, b, c with max 2 evicts a.
			lru := append(o, sdk.InNamespace("lru-"+b.String()), sdk.MaxEntries(2))
			for _, k := range []string{"a", "b", "c"} {
				if err := c.Put(ctx, k, []byte(`0`), lru...); err != nil {
					t.Fatal(err)
				}
			}
			keys, _ := c.Keys(ctx, "", lru...)
			if strings.Join(keys, ",") != "b,c" {
				t.Fatalf("keys after same-ms puts = %q; want b,c", keys)
			}
			st, _ = c.Stats(ctx, lru...)
			if st.Evictions != 1 || st.Entries != 2 {
				t.Fatalf("stats = %+v", st)
			}
		})
	}
}

func TestBadInput(t *testing.T) {
	c, _ := open(t, sdk.NewConfig().WithDir(t.TempDir()).WithMaxKeyBytes(16).WithMaxValueBytes(64))
	if err := c.Put(ctx, "keep", []byte(`"safe"`)); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		call func() error
		kind error
		text string
	}{
		{"empty key", func() error { _, _, err := c.Get(ctx, ""); return err }, sdk.ErrInvalidArgument, "argument 1 must be a non-empty string"},
		{"empty key put", func() error { return c.Put(ctx, "", []byte(`1`)) }, sdk.ErrInvalidArgument, "__cache_put"},
		{"non-UTF-8 key", func() error { return c.Put(ctx, "a\xff", []byte(`1`)) }, sdk.ErrInvalidArgument, "UTF-8"},
		{"huge key", func() error { _, _, err := c.Get(ctx, strings.Repeat("k", 17)); return err }, sdk.ErrInvalidArgument, "limit is 16"},
		{"huge value", func() error { return c.Put(ctx, "k", []byte(`"`+strings.Repeat("v", 80)+`"`)) }, sdk.ErrInvalidArgument, "limit is 64"},
		{"invalid JSON", func() error { return c.Put(ctx, "k", []byte(`{"a":`)) }, sdk.ErrInvalidArgument, "not valid JSON"},
		{"NaN literal", func() error { return c.Put(ctx, "k", []byte(`NaN`)) }, sdk.ErrInvalidArgument, "not valid JSON"},
		{"trailing data", func() error { return c.Put(ctx, "k", []byte(`1 2`)) }, sdk.ErrInvalidArgument, "not valid JSON"},
		{"unknown backend", func() error { return c.Put(ctx, "k", []byte(`1`), sdk.WithBackend(7)) }, sdk.ErrInvalidArgument, "backend"},
		{"dot namespace", func() error { return c.Put(ctx, "k", []byte(`1`), sdk.InNamespace("..")) }, sdk.ErrInvalidArgument, `".."`},
		{"dots namespace", func() error {
			_, _, err := c.Get(ctx, "k", sdk.InNamespace("..."), sdk.WithBackend(sdk.FS))
			return err
		}, sdk.ErrInvalidArgument, "namespace"},
		{"negative ttl", func() error { return c.Put(ctx, "k", []byte(`1`), sdk.TTL(-time.Second)) }, sdk.ErrInvalidArgument, "negative"},
		{"path escape", func() error { return c.Put(ctx, "k", []byte(`1`), sdk.AtPath("../x.sqlite")) }, sdk.ErrNotPermitted, ""},
		{"absolute path", func() error { return c.Put(ctx, "k", []byte(`1`), sdk.AtPath("/tmp/x.sqlite")) }, sdk.ErrNotPermitted, ""},
		{"bad options", func() error { _, err := c.ParseOptions(ctx, []byte(`{"ttl":true}`)); return err }, sdk.ErrInvalidArgument, "cache option ttl must be seconds or a duration string; got bool"},
		{"bad duration", func() error { _, err := c.ParseDuration(ctx, "1w"); return err }, sdk.ErrInvalidArgument, `cache duration "1w" must use ms, s, m, h, or d`},
		{"bad llm options", func() error { _, err := c.LLMKeyJSON(ctx, []byte(`"p"`), nil, []byte(`"x"`)); return err }, sdk.ErrInvalidArgument, "options must be a dict; got string"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if !errors.Is(err, tc.kind) {
				t.Fatalf("err = %v; want %v", err, tc.kind)
			}
			var e *sdk.Error
			if !errors.As(err, &e) || !strings.Contains(e.Message, tc.text) {
				t.Fatalf("message %q does not contain %q", err, tc.text)
			}
		})
	}
	if v, ok, err := c.Get(ctx, "keep"); err != nil || !ok || string(v) != `"safe"` {
		t.Fatalf("stored entry damaged: %s, %v, %v", v, ok, err)
	}
}

func TestNotADatabase(t *testing.T) {
	dir := t.TempDir()
	junk := []byte("this is not a SQLite database, and it must stay as it is\n")
	if err := os.WriteFile(filepath.Join(dir, "cache.sqlite"), junk, 0o644); err != nil {
		t.Fatal(err)
	}
	c, _ := open(t, sdk.NewConfig().WithDir(dir))
	err := c.Put(ctx, "k", []byte(`1`))
	if !errors.Is(err, sdk.ErrCorrupt) {
		t.Fatalf("put on a non-SQLite file: %v; want ErrCorrupt", err)
	}
	if _, _, err := c.Get(ctx, "k"); !errors.Is(err, sdk.ErrCorrupt) {
		t.Fatalf("get on a non-SQLite file: %v; want ErrCorrupt", err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "cache.sqlite")); string(got) != string(junk) {
		t.Fatal("the file was changed")
	}
	// The other backends keep working.
	if err := c.Put(ctx, "k", []byte(`1`), sdk.WithBackend(sdk.Mem)); err != nil {
		t.Fatal(err)
	}
}

func TestFolderIsAFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "sub"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, _ := open(t, sdk.NewConfig().WithDir(dir))
	err := c.Put(ctx, "k", []byte(`1`), sdk.AtPath("sub/cache.sqlite"))
	if err == nil || errors.Is(err, sdk.ErrGuestFault) {
		t.Fatalf("put under a file: %v; want a clear error", err)
	}
}

func TestClosed(t *testing.T) {
	c, _ := newCache(t)
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Get(ctx, "k"); !errors.Is(err, sdk.ErrClosed) {
		t.Fatalf("get after close: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
}

func TestTypedAndMemoize(t *testing.T) {
	c, _ := newCache(t)
	type answer struct {
		Text  string  `json:"text"`
		Score float64 `json:"score"`
	}
	if err := sdk.PutJSON(ctx, c, "a", answer{"hi", 0.5}); err != nil {
		t.Fatal(err)
	}
	got, ok, err := sdk.GetJSON[answer](ctx, c, "a")
	if err != nil || !ok || got != (answer{"hi", 0.5}) {
		t.Fatalf("GetJSON = %+v, %v, %v", got, ok, err)
	}
	if _, _, err := sdk.GetJSON[int](ctx, c, "a"); !errors.Is(err, sdk.ErrInvalidArgument) {
		t.Fatalf("decoding into the wrong type: %v", err)
	}
	// NaN is stored as null, as the original does.
	if err := sdk.PutJSON(ctx, c, "nan", []float64{1, nanValue()}); err != nil {
		t.Fatal(err)
	}
	if raw, _, _ := c.Get(ctx, "nan"); string(raw) != `[1,null]` {
		t.Fatalf("NaN stored as %s", raw)
	}

	var calls atomic.Int32
	compute := func(context.Context) (answer, error) {
		calls.Add(1)
		time.Sleep(50 * time.Millisecond)
		return answer{"computed", 1}, nil
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			v, err := sdk.Memoize(ctx, c, "m", compute)
			if err != nil || v.Text != "computed" {
				t.Errorf("Memoize = %+v, %v", v, err)
			}
		})
	}
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Fatalf("compute ran %d times for 8 concurrent callers; want 1", n)
	}
	if _, err := sdk.Memoize(ctx, c, "m", compute); err != nil || calls.Load() != 1 {
		t.Fatalf("second Memoize recomputed: %v", err)
	}
	boom := errors.New("boom")
	if _, err := sdk.Memoize(ctx, c, "e", func(context.Context) (int, error) { return 0, boom }); !errors.Is(err, boom) {
		t.Fatalf("compute error = %v", err)
	}
	if _, ok, _ := c.Get(ctx, "e"); ok {
		t.Fatal("a failed computation was stored")
	}
}

func TestLLMKey(t *testing.T) {
	c, _ := newCache(t)
	key, err := c.LLMKey(ctx, sdk.LLMRequest{Prompt: "hello"})
	if err != nil || key != "sha256:8922b2d3bf6f734b2915ae3765d7e8310fb0e554952c57c7c183fdacc057e315" {
		t.Fatalf("default key = %s, %v", key, err)
	}
	one := 1.0
	key, err = c.LLMKey(ctx, sdk.LLMRequest{Provider: "openai", Model: "gpt-4o", Prompt: "hello", Temperature: &one})
	if err != nil || key != "sha256:9a621873bb197fe535d24d75273182334ae87cff8323970be388269e7e65fabb" {
		t.Fatalf("openai key = %s, %v", key, err)
	}
	withTools, err := c.LLMKey(ctx, sdk.LLMRequest{Prompt: "hello", Extra: map[string]any{"tools": []string{"search"}}})
	if err != nil || withTools == "sha256:8922b2d3bf6f734b2915ae3765d7e8310fb0e554952c57c7c183fdacc057e315" {
		t.Fatalf("tools did not change the key: %s, %v", withTools, err)
	}
	nullTools, _ := c.LLMKey(ctx, sdk.LLMRequest{Prompt: "hello", Extra: map[string]any{"tools": nil}})
	if nullTools != "sha256:8922b2d3bf6f734b2915ae3765d7e8310fb0e554952c57c7c183fdacc057e315" {
		t.Fatalf("a null extra field changed the key: %s", nullTools)
	}
}

// TestArgumentsBeforeOptions: as in the original, an error in a call's
// arguments is reported before an error in its option dictionary; the
// dictionary's own error once the arguments are good; and the options left
// unset take the guest's defaults (600 s, 256 entries).
func TestArgumentsBeforeOptions(t *testing.T) {
	c, clk := newCache(t)
	ctx := context.Background()
	bad := sdk.WithOptionDict([]byte(`{"ttl":"soon","backend":"redis"}`))
	err := c.Put(ctx, "", []byte(`1`), bad)
	if !errors.Is(err, sdk.ErrInvalidArgument) || !strings.Contains(err.Error(), "argument 1 must be a non-empty string") {
		t.Fatalf("put with an empty key and a bad dictionary: %v", err)
	}
	if _, _, err := c.Get(ctx, "", bad); err == nil || !strings.Contains(err.Error(), "argument 1 must be a non-empty string") {
		t.Fatalf("get with an empty key and a bad dictionary: %v", err)
	}
	if err := c.Put(ctx, "k", []byte(`1`), bad); !errors.Is(err, sdk.ErrInvalidArgument) || strings.Contains(err.Error(), "argument 1") {
		t.Fatalf("put with a bad dictionary: %v", err)
	}
	// A good dictionary, with an option over it.
	dict := sdk.WithOptionDict([]byte(`{"namespace":"d","ttl":5}`))
	if err := c.Put(ctx, "k", []byte(`1`), dict, sdk.TTL(time.Minute)); err != nil {
		t.Fatal(err)
	}
	clk.add(30 * time.Second) // past the dictionary's 5 s, within the option's minute
	if _, ok, err := c.Get(ctx, "k", sdk.InNamespace("d")); err != nil || !ok {
		t.Fatalf("get in the dictionary's namespace = %v, %v", ok, err)
	}
	// Nothing given: the guest's defaults.
	if err := c.Put(ctx, "plain", []byte(`2`)); err != nil {
		t.Fatal(err)
	}
	clk.add(599 * time.Second)
	if _, ok, _ := c.Get(ctx, "plain"); !ok {
		t.Fatal("an entry with the default TTL expired before 600 s")
	}
	clk.add(2 * time.Second)
	if _, ok, _ := c.Get(ctx, "plain"); ok {
		t.Fatal("an entry with the default TTL lived past 600 s")
	}
	for i := range 300 {
		if err := c.Put(ctx, fmt.Sprint(i), []byte(`0`), sdk.InNamespace("many")); err != nil {
			t.Fatal(err)
		}
	}
	if s, err := c.Stats(ctx, sdk.InNamespace("many")); err != nil || s.Entries != 256 {
		t.Fatalf("entries with the default max = %+v, %v; want 256", s, err)
	}
	if err := c.Put(ctx, "x", []byte(`0`), sdk.InNamespace("one"), sdk.MaxEntries(-5)); err != nil {
		t.Fatal(err)
	}
	if err := c.Put(ctx, "y", []byte(`0`), sdk.InNamespace("one"), sdk.MaxEntries(-5)); err != nil {
		t.Fatal(err)
	}
	if s, _ := c.Stats(ctx, sdk.InNamespace("one")); s.Entries != 1 {
		t.Fatalf("max entries -5 keeps %d entries; the guest clamps it to 1", s.Entries)
	}
}
