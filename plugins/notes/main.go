//go:build wasip1

// Command notes is a sandcache plugin in Go (GOOS=wasip1), written only
// against wasi:keyvalue through package plugin/keyvalue:
//
//	notes set BUCKET KEY VALUE | get BUCKET KEY | del BUCKET KEY |
//	      list BUCKET | incr BUCKET KEY DELTA | stats BUCKET |
//	      mset BUCKET K V [K V...] | mget BUCKET K... | mdel BUCKET K... |
//	      cas BUCKET KEY VALUE | setttl BUCKET KEY VALUE MS | llmkey BUCKET REQUEST
//
// It prints results on stdout; a keyvalue error goes to stderr with exit 3.
package main

import (
	"fmt"
	"os"
	"strconv"

	"github.com/sandcache/sandcache/plugin/keyvalue"
)

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(3)
}

func main() {
	a := os.Args[1:]
	if len(a) < 2 {
		fmt.Fprintln(os.Stderr, "usage: notes set|get|del|list|incr|stats BUCKET [KEY [VALUE]]")
		os.Exit(64)
	}
	b, e := keyvalue.Open(a[1])
	if e != nil {
		fail(e)
	}
	defer b.Drop()
	switch {
	case a[0] == "set" && len(a) == 4:
		if e := b.Set(a[2], []byte(a[3])); e != nil {
			fail(e)
		}
	case a[0] == "get" && len(a) == 3:
		v, e := b.Get(a[2])
		if e != nil {
			fail(e)
		}
		if !v.Some {
			fmt.Println("(none)")
			return
		}
		os.Stdout.Write(append(v.Value, '\n'))
	case a[0] == "del" && len(a) == 3:
		if e := b.Delete(a[2]); e != nil {
			fail(e)
		}
	case a[0] == "list" && len(a) == 2:
		cursor := keyvalue.Option[string]{}
		for {
			r, e := b.ListKeys(cursor)
			if e != nil {
				fail(e)
			}
			for _, k := range r.Keys {
				fmt.Println(k)
			}
			if !r.Cursor.Some {
				return
			}
			cursor = r.Cursor
		}
	case a[0] == "incr" && len(a) == 4:
		d, err := strconv.ParseInt(a[3], 10, 64)
		if err != nil {
			fail(err)
		}
		n, e := keyvalue.Increment(b, a[2], d)
		if e != nil {
			fail(e)
		}
		fmt.Println(n)
	case a[0] == "stats" && len(a) == 2:
		s, e := keyvalue.Stats(b)
		if e != nil {
			fail(e)
		}
		fmt.Printf("entries=%d bytes=%d/%d\n", s.Entries, s.BytesUsed, s.BytesQuota)
	case a[0] == "mset" && len(a) >= 4 && len(a)%2 == 0:
		var kvs []keyvalue.Tuple2[string, []byte]
		for i := 2; i < len(a); i += 2 {
			kvs = append(kvs, keyvalue.Tuple2[string, []byte]{F0: a[i], F1: []byte(a[i+1])})
		}
		if e := keyvalue.SetMany(b, kvs); e != nil {
			fail(e)
		}
	case a[0] == "mget" && len(a) >= 3:
		vs, e := keyvalue.GetMany(b, a[2:])
		if e != nil {
			fail(e)
		}
		for i, v := range vs {
			if v.Some {
				fmt.Printf("%s=%s\n", v.Value.F0, v.Value.F1)
			} else {
				fmt.Printf("%s=(none)\n", a[2+i])
			}
		}
	case a[0] == "mdel" && len(a) >= 3:
		if e := keyvalue.DeleteMany(b, a[2:]); e != nil {
			fail(e)
		}
	case a[0] == "cas" && len(a) == 4:
		c, e := keyvalue.CasNew(b, a[2])
		if e != nil {
			fail(e)
		}
		cur, e := c.Current()
		if e != nil {
			fail(e)
		}
		fmt.Printf("current=%s some=%v\n", cur.Value, cur.Some)
		if a[3] == "race" {
			// Another write between new and swap: the swap must fail.
			if e := b.Set(a[2], []byte(`"raced"`)); e != nil {
				fail(e)
			}
		}
		if ce := keyvalue.Swap(c, []byte(a[3])); ce != nil {
			if ce.Case == keyvalue.CasErrorCasFailed {
				fmt.Println("cas-failed")
				ce.CasFailed.Drop()
				return
			}
			fail(&ce.StoreError)
		}
		fmt.Println("swapped")
	case a[0] == "setttl" && len(a) == 5:
		ms, err := strconv.ParseUint(a[4], 10, 64)
		if err != nil {
			fail(err)
		}
		if e := keyvalue.SetWithTTL(b, a[2], []byte(a[3]), ms); e != nil {
			fail(e)
		}
	case a[0] == "llmkey" && len(a) == 3:
		k, e := keyvalue.LLMKey(a[2])
		if e != nil {
			fail(e)
		}
		fmt.Println(k)
	default:
		fmt.Fprintln(os.Stderr, "notes: bad arguments")
		os.Exit(64)
	}
}
