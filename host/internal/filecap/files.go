package filecap

import (
	"os"

	"github.com/sandcache/sandcache/guest/capability"
)

// Files implements capability.Files on a granted folder. It is safe for
// concurrent use by many goroutines and guest instances.
type Files struct {
	root      *os.Root
	readLimit int64
}

var _ capability.Files = (*Files)(nil)

// New returns Files confined to root. Files takes ownership of root: Close
// closes it.
func New(root *os.Root) *Files {
	return &Files{root: root}
}

// Open opens the folder dir (which must exist) and returns Files confined
// to it.
func Open(dir string) (*Files, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, capability.Errorf(capability.IO, "files: cannot open the granted folder: %v", cause(err))
	}
	return New(root), nil
}

// Close releases the granted folder. Calls after Close fail with IO errors.
func (f *Files) Close() error {
	return f.root.Close()
}

// SetReadLimit makes Read (and Replace) refuse files larger than n bytes
// with an IO error; n <= 0 means no limit (the default). Call it before the
// Files is shared.
func (f *Files) SetReadLimit(n int64) {
	f.readLimit = n
}
