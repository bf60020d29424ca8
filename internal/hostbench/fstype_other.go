//go:build !linux

package hostbench

// FSType names the file system holding dir; only Linux is told apart.
func FSType(string) string { return "unknown" }
