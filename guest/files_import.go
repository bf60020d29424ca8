//go:build wasip1

package main

import "github.com/sandcache/sandcache/internal/witypes"

// capability.Files over the generated imports of
// sandcache:cache/files@0.1.0 (FilesImport in witabi_gen.go).

// filesImport implements capability.Files.
type filesImport struct{ w FilesImport }

func (f *filesImport) Read(path string) ([]byte, bool, error) {
	data, e := f.w.Read(path)
	if e != nil {
		return nil, false, capErr(e)
	}
	return data.Value, data.Some, nil
}

func (f *filesImport) WriteAtomic(path string, data []byte) error {
	return capErr(f.w.WriteAtomic(path, data))
}

func (f *filesImport) Remove(path string) (bool, error) {
	ok, e := f.w.Remove(path)
	return ok, capErr(e)
}

func (f *filesImport) Replace(path string, expected, data []byte) (bool, error) {
	ok, e := f.w.Replace(path, expected, witypes.Option[[]byte]{Some: data != nil, Value: data})
	return ok, capErr(e)
}

func (f *filesImport) List(path string) ([]string, error) {
	names, e := f.w.List(path)
	return names, capErr(e)
}

func (f *filesImport) RemoveDir(path string) (bool, error) {
	ok, e := f.w.RemoveDir(path)
	return ok, capErr(e)
}
