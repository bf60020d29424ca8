package main

import (
	"reflect"
	"testing"
)

func TestFlagParse(t *testing.T) {
	var g globals
	var prefix string
	fs := newFlagSet()
	g.register(fs)
	_, rest, err := fs.parse([]string{"--json", "-dir=/d", "keys", "x", "--prefix", "-p", "-", "-5s", "--ttl", "-1", "--", "--json"}, true)
	if err != nil || rest[0] != "keys" {
		t.Fatalf("first pass: %v %q", err, rest)
	}
	fs.str("prefix", &prefix)
	pos, _, err := fs.parse(rest[1:], false)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"x", "-", "-5s", "--json"}; !reflect.DeepEqual(pos, want) {
		t.Errorf("positional %q, want %q", pos, want)
	}
	if !g.json || g.dir != "/d" || prefix != "-p" || g.ttl != "-1" || !fs.given["ttl"] || fs.given["path"] {
		t.Errorf("flags %+v prefix %q given %v", g, prefix, fs.given)
	}
	for _, bad := range [][]string{{"--nope"}, {"--ttl"}, {"--json=maybe"}} {
		if _, _, err := fs.parse(bad, false); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestGrant(t *testing.T) {
	dir, inside, err := grant("/a/b/cache.sqlite")
	if err != nil || dir != "/a/b" || inside != "cache.sqlite" {
		t.Errorf("grant: %q %q %v", dir, inside, err)
	}
	if _, _, err := grant("/"); err == nil {
		t.Error("grant(/): no error")
	}
}
