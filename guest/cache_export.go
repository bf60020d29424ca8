//go:build wasip1

package main

import (
	"github.com/sandcache/sandcache/internal/witypes"
	"unsafe"

	"github.com/sandcache/sandcache/internal/guest/capability"
	"github.com/sandcache/sandcache/internal/guest/duration"
	"github.com/sandcache/sandcache/internal/guest/jsonv"
	"github.com/sandcache/sandcache/internal/guest/llmkey"
	"github.com/sandcache/sandcache/internal/guest/options"
)

// The exports of interface sandcache:cache/cache@0.1.0. The canonical-ABI
// glue (lifting, lowering, return area, cabi_post_*) is generated in
// witabi_gen.go; this file maps its WIT-shaped values to the engine's.

// cacheExports serves the generated export glue. Its methods (and the
// capabilities' in sql_import.go and files_import.go) have pointer
// receivers: an interface holding a pointer calls them directly, where a
// value's methods go through a generated wrapper, one more call level in
// Go compiled to wasm.
var cacheExports CacheExports = &cacheExport{}

type cacheExport struct{}

// liftFaultError is the error an export returns, or an import reports,
// when a value is not where the canonical ABI says (a broken host).
func liftFaultError(detail string) witypes.Error {
	return witypes.Error{Code: witypes.ErrorCodeInternal, Message: detail}
}

// witError converts an engine error to the WIT error record.
func witError(err error) *witypes.Error {
	return &witypes.Error{Code: witypes.ErrorCode(capability.CodeOf(err)), Message: err.Error()}
}

// bytesOf views s as bytes without a copy; the callee only reads them.
func bytesOf(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// given holds the options of the call in progress: the engine gets a
// pointer to it, which (unlike a Given value in an interface) allocates
// nothing, and which its memo recognises when a call repeats the last
// call's options.
var given options.Given

// engineOptions converts the WIT options record: what the caller gave,
// resolved by the engine once the call's arguments are checked.
// (Field by field: in Go compiled to wasm, assigning a composite literal
// builds it aside and copies it, a call to memmove.)
func engineOptions(o *witypes.Options) *options.Given {
	g := &given
	g.Backend, g.HasBackend = options.Backend(o.Backend.Value), o.Backend.Some
	g.Namespace, g.Path = o.Namespace, o.Path
	g.TTLMillis, g.HasTTL = o.TTLMs.Value, o.TTLMs.Some
	g.MaxEntries, g.HasMax = o.MaxEntries.Value, o.MaxEntries.Some
	g.Dict = bytesOf(o.Dict)
	return g
}

func (*cacheExport) Get(key string, opts witypes.Options) (witypes.Lookup, *witypes.Error) {
	o := engineOptions(&opts)
	l, err := engine.Get(key, o)
	if err != nil {
		return witypes.Lookup{}, witError(err)
	}
	out := witypes.Lookup{Expired: l.Expired}
	if l.Hit {
		out.Value = witypes.Option[string]{Some: true, Value: unsafe.String(unsafe.SliceData(l.Value), len(l.Value))}
	}
	return out, nil
}

func (*cacheExport) Put(key, value string, opts witypes.Options) (witypes.PutOutcome, *witypes.Error) {
	o := engineOptions(&opts)
	out, err := engine.Put(key, bytesOf(value), o)
	if err != nil {
		return witypes.PutOutcome{}, witError(err)
	}
	return witypes.PutOutcome{Expired: out.Expired, Evicted: out.Evicted}, nil
}

func (*cacheExport) Delete(key string, opts witypes.Options) (bool, *witypes.Error) {
	o := engineOptions(&opts)
	existed, err := engine.Delete(key, o)
	if err != nil {
		return false, witError(err)
	}
	return existed, nil
}

func (*cacheExport) Clear(opts witypes.Options) *witypes.Error {
	o := engineOptions(&opts)
	if err := engine.Clear(o); err != nil {
		return witError(err)
	}
	return nil
}

func (*cacheExport) Stats(opts witypes.Options) (witypes.StoreStats, *witypes.Error) {
	o := engineOptions(&opts)
	s, err := engine.Stats(o)
	if err != nil {
		return witypes.StoreStats{}, witError(err)
	}
	return witypes.StoreStats{Entries: s.Entries, Expired: s.Expired}, nil
}

func (*cacheExport) Purge(opts witypes.Options) (uint64, *witypes.Error) {
	o := engineOptions(&opts)
	n, err := engine.Purge(o)
	if err != nil {
		return 0, witError(err)
	}
	return n, nil
}

func (*cacheExport) Keys(prefix string, opts witypes.Options) ([]string, *witypes.Error) {
	o := engineOptions(&opts)
	keys, err := engine.Keys(prefix, o)
	if err != nil {
		return nil, witError(err)
	}
	return keys, nil
}

func (*cacheExport) LLMKey(prompt string, system witypes.Option[string], request string) (string, *witypes.Error) {
	var sys []byte
	if system.Some {
		sys = bytesOf(system.Value)
	}
	return parsed(llmkey.Key(bytesOf(prompt), sys, bytesOf(request)))
}

func (*cacheExport) ParseOptions(dict string) (witypes.Options, *witypes.Error) {
	o, err := options.ParseDict(bytesOf(dict))
	if err != nil {
		return witypes.Options{}, witError(capability.Invalid(err))
	}
	return witypes.Options{
		Backend:    witypes.Option[witypes.Backend]{Some: true, Value: witypes.Backend(o.Backend)},
		Namespace:  o.Namespace,
		Path:       o.Path,
		TTLMs:      witypes.Option[uint64]{Some: true, Value: o.TTLMillis},
		MaxEntries: witypes.Option[int64]{Some: true, Value: int64(o.MaxEntries)},
	}, nil
}

func (*cacheExport) ParseDuration(text string) (uint64, *witypes.Error) {
	return parsed(duration.Parse(text))
}

func (*cacheExport) CanonicalJSON(text string) (string, *witypes.Error) {
	c, err := jsonv.Normalize(bytesOf(text))
	return parsed(string(c), err)
}

// parsed is the result of an export that reads its argument: v, or err as
// an invalid-argument error.
func parsed[T any](v T, err error) (T, *witypes.Error) {
	if err != nil {
		var zero T
		return zero, witError(capability.Invalid(err))
	}
	return v, nil
}

func (*cacheExport) Flush() *witypes.Error {
	if err := engine.Flush(); err != nil {
		return witError(err)
	}
	return nil
}
