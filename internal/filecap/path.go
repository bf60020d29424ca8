package filecap

import (
	"strings"
	"unicode/utf8"

	"github.com/sandcache/sandcache/internal/guest/capability"
)

// Path limits, the usual Linux ones.
const (
	// MaxPathBytes is the longest path accepted.
	MaxPathBytes = 4096
	// MaxNameBytes is the longest path component accepted.
	MaxNameBytes = 255
)

// SplitPath checks that path is a well-formed relative path under the
// granted folder and returns its components. It returns *capability.Error:
// InvalidArgument for empty or malformed paths (empty components, NUL or
// control characters, invalid UTF-8, too long), NotPermitted for paths that
// could leave the folder or mean something else on another system (absolute
// paths, "." or ".." components, backslashes, colons).
func SplitPath(path string) ([]string, error) {
	if path == "" {
		return nil, capability.Errorf(capability.InvalidArgument, "files: empty path")
	}
	if len(path) > MaxPathBytes {
		return nil, capability.Errorf(capability.InvalidArgument, "files: path is %d bytes; the limit is %d", len(path), MaxPathBytes)
	}
	if !utf8.ValidString(path) {
		return nil, capability.Errorf(capability.InvalidArgument, "files: path %q is not valid UTF-8", path)
	}
	if path[0] == '/' {
		return nil, capability.Errorf(capability.NotPermitted, "files: absolute path %q is not permitted", path)
	}
	for i := 0; i < len(path); i++ {
		switch c := path[i]; {
		case c == '\\':
			return nil, capability.Errorf(capability.NotPermitted, "files: backslash in path %q is not permitted", path)
		case c == ':':
			return nil, capability.Errorf(capability.NotPermitted, "files: colon in path %q is not permitted", path)
		case c < 0x20 || c == 0x7f:
			return nil, capability.Errorf(capability.InvalidArgument, "files: control character in path %q", path)
		}
	}
	parts := strings.Split(path, "/")
	for _, p := range parts {
		switch {
		case p == "":
			return nil, capability.Errorf(capability.InvalidArgument, "files: empty component in path %q", path)
		case p == "." || p == "..":
			return nil, capability.Errorf(capability.NotPermitted, "files: %q component in path %q is not permitted", p, path)
		case len(p) > MaxNameBytes:
			return nil, capability.Errorf(capability.InvalidArgument, "files: a component of path %q is %d bytes; the limit is %d", path, len(p), MaxNameBytes)
		}
	}
	return parts, nil
}
