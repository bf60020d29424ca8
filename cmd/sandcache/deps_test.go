package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestCLILinksNoCacheLogic checks that the cache logic (the guest's
// packages under internal/guest) reaches the sandcache binary only through
// bench's native side, internal/hostbench: it walks the import graph of
// ./cmd/sandcache (`go list -deps`, non-test files) without the edge into
// internal/hostbench and lists every import of an internal/guest package
// that remains. One is known and allowed: internal/guest/capability, the Go
// form of the WIT's error codes and capability interfaces, which the host's
// capabilities implement (no cache rule). (The sdk's plugin values ask the
// guest whether bytes are canonical JSON: the export canonical-json.)
func TestCLILinksNoCacheLogic(t *testing.T) {
	const mod = "github.com/sandcache/sandcache/"
	out, err := exec.Command("go", "list", "-deps", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	imports := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		imports[f[0]] = f[1:]
	}
	main := mod + "cmd/sandcache"
	if !slices.Contains(imports[main], mod+"internal/hostbench") {
		t.Fatalf("%s does not import internal/hostbench: the test walks the wrong graph", main)
	}
	allowed := func(_, to string) bool {
		return to == mod+"internal/guest/capability"
	}
	seen := map[string]bool{main: true}
	queue := []string{main}
	var found []string
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, q := range imports[p] {
			if p == main && q == mod+"internal/hostbench" {
				continue
			}
			if strings.HasPrefix(q, mod+"internal/guest/") && !allowed(p, q) {
				found = append(found, p+" -> "+q)
			}
			if !seen[q] {
				seen[q] = true
				queue = append(queue, q)
			}
		}
	}
	if len(found) > 0 {
		t.Errorf("cache logic linked outside bench:\n%s", strings.Join(found, "\n"))
	}
	for _, pkg := range []string{"cache", "options", "llmkey", "record", "duration"} {
		if seen[mod+"internal/guest/"+pkg] {
			t.Errorf("internal/guest/%s is linked outside bench", pkg)
		}
	}
}
