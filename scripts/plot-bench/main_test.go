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

func TestMarkdown(t *testing.T) {
	in := `{"sandcache":"0.1.0","go":"go1.26","cpus":2,"machine":{"cpu_model":"AMD EPYC","kernel":"6.18","load_before":7.5,"load_after":8},
"settings":{"runs":5},"results":[
{"op":"get-hit","backend":"sqlite","callers":1,"entries":1000,"sandboxed":{"ns_per_op":42500,"scaling":1},"native":{"ns_per_op":34900,"scaling":1},"ratio":1.2178,"cpu_ratio":1.1},
{"op":"get-hit","backend":"sqlite","callers":2,"entries":1000,"sandboxed":{"ns_per_op":25000,"scaling":1.7},"native":{"ns_per_op":20000,"scaling":1.745},"ratio":1.25},
{"op":"put","backend":"sqlite","callers":1,"entries":100000,"error":"sandboxed: boom"},
{"op":"llm-key","backend":"-","callers":1,"entries":0,"sandboxed":{"ns_per_op":65800},"native":{"ns_per_op":8100},"ratio":8.12,"cpu_ratio":8}],
"startup":{"warm_ms":50.4,"cold_ms":750},
"against":{"ops":1000,"runs":5,"stores":[
{"store":"disk","fs_type":"ext4","sandcache":{"put_us_per_op":400,"get_us_per_op":63},"original":{"put_us_per_op":3100,"get_us_per_op":700},"put_ratio":7.75,"get_ratio":11.1},
{"store":"tmpfs","fs_type":"tmpfs","error":"x"}]}}`
	var out strings.Builder
	if err := markdown(strings.NewReader(in), &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Machine: 2 CPUs (AMD EPYC), Linux 6.18, go1.26; load average 7.5 at the start, 8.0 at the end (shared with other work: the machine was loaded). Medians of 5 runs",
		"| get-hit | sqlite | 1,000 | 42.5 µs | 34.9 µs | 1.22 | 1.10 | 1.70×, 1.75× |",
		"| put | sqlite | 100,000 | failed | | | | |",
		"| llm-key | – | – | 65.8 µs | 8.10 µs | 8.12 | 8.00 |  |",
		"50 ms with a warm compilation cache, 750 ms with an empty one",
		"| disk (ext4) | 400 µs | 3.10 ms | 7.8× | 63.0 µs | 700 µs | 11.1× |",
		"| tmpfs | failed |",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, out.String())
		}
	}
	if err := markdown(strings.NewReader(`{"results":[]}`), io.Discard); err == nil {
		t.Error("no cases: no error")
	}
}
