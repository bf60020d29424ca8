//go:build wasip1

// Command notes is a sandcache plugin in Go (GOOS=wasip1), written only
// against wasi:keyvalue through package plugin/keyvalue:
//
//	notes set BUCKET KEY VALUE | get BUCKET KEY | del BUCKET KEY |
//	      list BUCKET | incr BUCKET KEY DELTA | stats BUCKET
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
	default:
		fmt.Fprintln(os.Stderr, "notes: bad arguments")
		os.Exit(64)
	}
}
