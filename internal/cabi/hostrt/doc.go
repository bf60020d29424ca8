// Package hostrt is the Go host's canonical-ABI runtime under wazero, shared
// by the glue internal/cmd/witgen generates (package witabi for the
// sandcache world, package pluginabi for plugins' imports): bounds-checked
// reads of a module's memory with a sticky error, and writes that allocate
// through the module's cabi_realloc.
//
// Everything a module hands the host (addresses, lengths, discriminants,
// strings) is checked before it is used or allocated for: a hostile module
// gets an error wrapping ErrABI, never a panic of the host and never an
// allocation of the size it asks for.
package hostrt

import "errors"

// ErrABI reports a module that broke the canonical ABI: a pointer or length
// outside its memory, a tag out of range, a string that is not UTF-8, a
// missing export or one with another signature, an import called from
// cabi_realloc or cabi_post_*.
var ErrABI = errors.New("guest broke the canonical ABI")
