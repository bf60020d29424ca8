package captest

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Outside is a folder next to the granted one, <parent>/outside, holding
// one canary file whose bytes, modification time and siblings must survive
// anything done through the grant.
type Outside struct {
	Dir    string    // the folder
	Canary string    // the canary file in it
	Data   []byte    // the canary's bytes
	MTime  time.Time // the canary's modification time
}

// NewOutside creates <parent>/outside/<name> holding data, with a modification time
// an hour in the past.
func NewOutside(t testing.TB, parent, name string, data []byte) *Outside {
	t.Helper()
	o := &Outside{Dir: filepath.Join(parent, "outside"), Data: data}
	if err := os.MkdirAll(o.Dir, 0o777); err != nil {
		t.Fatal(err)
	}
	o.Canary = filepath.Join(o.Dir, name)
	if err := os.WriteFile(o.Canary, o.Data, 0o666); err != nil {
		t.Fatal(err)
	}
	o.MTime = time.Now().Add(-time.Hour).Truncate(time.Second)
	if err := os.Chtimes(o.Canary, o.MTime, o.MTime); err != nil {
		t.Fatal(err)
	}
	return o
}

// Check fails the test when the canary's bytes or modification time
// changed, or the folder holds anything else; after names what was done.
func (o *Outside) Check(t testing.TB, after string) {
	t.Helper()
	data, err := os.ReadFile(o.Canary)
	if err != nil || !bytes.Equal(data, o.Data) {
		t.Fatalf("after %s: canary is %q, %v", after, data, err)
	}
	fi, err := os.Stat(o.Canary)
	if err != nil || !fi.ModTime().Equal(o.MTime) {
		t.Fatalf("after %s: canary mtime changed: %v", after, err)
	}
	ents, _ := os.ReadDir(o.Dir)
	if len(ents) != 1 {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Fatalf("after %s: outside folder holds %q", after, names)
	}
}

// NewGrant makes a fresh parent folder holding grant, an empty folder to
// grant, and next to it the outside of NewOutside, with one canary file name
// holding data. It returns the grant's path and the outside.
func NewGrant(t testing.TB, name string, data []byte) (string, *Outside) {
	t.Helper()
	parent := t.TempDir()
	grant := filepath.Join(parent, "grant")
	if err := os.Mkdir(grant, 0o777); err != nil {
		t.Fatal(err)
	}
	return grant, NewOutside(t, parent, name, data)
}
