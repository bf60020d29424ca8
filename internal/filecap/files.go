package filecap

import (
	"os"

	"github.com/sandcache/sandcache/internal/guest/capability"
)

// Files implements capability.Files on a granted folder. It is safe for
// concurrent use by many goroutines and guest instances.
type Files struct {
	root      *os.Root
	sizeLimit int64
}

var _ capability.Files = (*Files)(nil)

// Option configures Files at New or Open.
type Option func(*Files)

// WithSizeLimit makes Read (and Replace, which reads first) refuse a file
// larger than n bytes with Corrupt, judged by fstat before a byte is read or
// allocated, and makes WriteAtomic and Replace refuse to write more than n
// bytes with InvalidArgument, so every file written can be read back. n <= 0
// means no limit (the default). The host sets it to the largest record a
// value within its value limit can make (host.Config).
func WithSizeLimit(n int64) Option {
	return func(f *Files) { f.sizeLimit = n }
}

// New returns Files confined to root. Files takes ownership of root: Close
// closes it.
func New(root *os.Root, opts ...Option) *Files {
	f := &Files{root: root}
	for _, o := range opts {
		o(f)
	}
	return f
}

// Open opens the folder dir (which must exist) and returns Files confined
// to it.
func Open(dir string, opts ...Option) (*Files, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, capability.Errorf(capability.IO, "files: cannot open the granted folder: %v", Cause(err))
	}
	return New(root, opts...), nil
}

// Close releases the granted folder. Calls after Close fail with IO errors.
func (f *Files) Close() error {
	return f.root.Close()
}

// checkWriteSize refuses to write a file larger than the size limit.
func (f *Files) checkWriteSize(rel string, n int) error {
	if f.sizeLimit > 0 && int64(n) > f.sizeLimit {
		return capability.Errorf(capability.InvalidArgument, "files: %s would be %d bytes; the limit is %d", quoted(rel), n, f.sizeLimit)
	}
	return nil
}
