package cache

import (
	"bytes"
	"maps"
	"slices"
	"strings"

	"github.com/sandcache/sandcache/internal/guest/capability"
)

// memFiles is an in-memory capability.Files for native tests.
type memFiles struct {
	files map[string][]byte
	// beforeReplace, when set, runs inside Replace before the comparison:
	// a test uses it to play another process writing meanwhile.
	beforeReplace func(path string)
	// lists and writes count List and WriteAtomic calls by path.
	lists, writes map[string]int
}

func newMemFiles() *memFiles {
	return &memFiles{files: map[string][]byte{}, lists: map[string]int{}, writes: map[string]int{}}
}

func (m *memFiles) Read(path string) ([]byte, bool, error) {
	b, ok := m.files[path]
	return bytes.Clone(b), ok, nil
}

func (m *memFiles) WriteAtomic(path string, data []byte) error {
	m.writes[path]++
	m.files[path] = bytes.Clone(data)
	return nil
}

func (m *memFiles) Remove(path string) (bool, error) {
	_, ok := m.files[path]
	delete(m.files, path)
	return ok, nil
}

func (m *memFiles) Replace(path string, expected, data []byte) (bool, error) {
	if m.beforeReplace != nil {
		f := m.beforeReplace
		m.beforeReplace = nil
		f(path)
	}
	cur, ok := m.files[path]
	if !ok || !bytes.Equal(cur, expected) {
		return false, nil
	}
	if data == nil {
		delete(m.files, path)
	} else {
		m.files[path] = bytes.Clone(data)
	}
	return true, nil
}

func (m *memFiles) List(path string) ([]string, error) {
	m.lists[path]++
	seen := map[string]bool{}
	prefix := path + "/"
	for p := range m.files {
		rest, ok := strings.CutPrefix(p, prefix)
		if !ok {
			continue
		}
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			seen[rest[:i+1]] = true
		} else {
			seen[rest] = true
		}
	}
	var names []string
	for n := range seen {
		names = append(names, n)
	}
	slices.Sort(names)
	return names, nil
}

func (m *memFiles) RemoveDir(path string) (bool, error) {
	n := len(m.files)
	maps.DeleteFunc(m.files, func(p string, _ []byte) bool { return strings.HasPrefix(p, path+"/") })
	return len(m.files) < n, nil
}

var _ capability.Files = (*memFiles)(nil)
