package main

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"
)

const sample = `{"sandcache":"0.1.0","cpus":2,"settings":{"runs":5},"results":[
{"op":"get-hit","backend":"sqlite","callers":1,"entries":1000,"sandboxed":{"ops_per_sec":20000},"native":{"ops_per_sec":25000}},
{"op":"get-hit","backend":"sqlite","callers":2,"entries":1000,"sandboxed":{"ops_per_sec":30000},"native":{"ops_per_sec":40000}},
{"op":"get-hit","backend":"sqlite","callers":1,"entries":100000,"sandboxed":{"ops_per_sec":9000},"native":{"ops_per_sec":12000}},
{"op":"put","backend":"sqlite","callers":1,"entries":1000,"sandboxed":{"ops_per_sec":0},"native":{"ops_per_sec":0},"error":"sandboxed: boom"},
{"op":"llm-key","backend":"-","callers":1,"entries":0,"sandboxed":{"ops_per_sec":4000},"native":{"ops_per_sec":60000}}]}`

func TestPlot(t *testing.T) {
	var out bytes.Buffer
	if err := plot(strings.NewReader(sample), &out); err != nil {
		t.Fatal(err)
	}
	svg := out.String()
	// Well-formed XML.
	dec := xml.NewDecoder(strings.NewReader(svg))
	for {
		if _, err := dec.Token(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("not XML: %v\n%s", err, svg)
		}
	}
	// One bar per side of each successful case; the failed put has none
	// (and no panel: it is the only put).
	if n := strings.Count(svg, "<title>"); n != 8 {
		t.Errorf("%d bars; want 8", n)
	}
	for _, want := range []string{
		"get-hit sqlite 1k, 2 caller(s), native: 40,000 ops/s",
		"get-hit sqlite 100k, 1 caller(s), sandboxed: 9,000 ops/s",
		"llm-key no store, 1 caller(s), native: 60,000 ops/s",
		">1k</text>", ">100k</text>", "medians of 5 runs on 2 CPUs",
	} {
		if !strings.Contains(svg, want) {
			t.Errorf("svg lacks %q", want)
		}
	}
	if strings.Contains(svg, ">put</text>") {
		t.Error("a panel for put, whose only case failed")
	}
}

func TestPlotErrors(t *testing.T) {
	for _, in := range []string{``, `nope`, `{"results":[]}`, `{"results":[{"op":"put","error":"x"}]}`} {
		if err := plot(strings.NewReader(in), io.Discard); err == nil {
			t.Errorf("%q: no error", in)
		}
	}
}
