package main

import (
	"bytes"
	"fmt"
)

// cg accumulates generated statements and hands out fresh names.
type cg struct {
	w *bytes.Buffer
	n int
}

func (c *cg) tmp(prefix string) string {
	c.n++
	return fmt.Sprintf("%s%d", prefix, c.n)
}

func (c *cg) line(format string, args ...any) {
	fmt.Fprintf(c.w, format, args...)
	c.w.WriteByte('\n')
}
