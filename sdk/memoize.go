package sdk

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/sandcache/sandcache/internal/host"
)

// flight is one computation of a missing key that other callers wait for.
type flight struct {
	done chan struct{}
	raw  []byte
	err  error
}

type flightKey struct {
	store counterKey
	key   string
}

// flights deduplicates concurrent computations within one Cache.
type flights struct {
	mu sync.Mutex
	m  map[flightKey]*flight
}

// do runs f once for k among concurrent callers; the others wait for its
// result (or for their own context to end).
func (fs *flights) do(ctx context.Context, k flightKey, f func() ([]byte, error)) ([]byte, error) {
	fs.mu.Lock()
	if fs.m == nil {
		fs.m = map[flightKey]*flight{}
	}
	if fl, ok := fs.m[k]; ok {
		fs.mu.Unlock()
		select {
		case <-fl.done:
			return fl.raw, fl.err
		case <-ctx.Done():
			return nil, &Error{Op: "memoize", Kind: ErrGuestFault, Message: "waiting for another caller's computation: " + ctx.Err().Error(), Err: ctx.Err()}
		}
	}
	fl := &flight{done: make(chan struct{})}
	fs.m[k] = fl
	fs.mu.Unlock()
	defer func() {
		fs.mu.Lock()
		delete(fs.m, k)
		fs.mu.Unlock()
		close(fl.done)
	}()
	fl.raw, fl.err = f()
	return fl.raw, fl.err
}

// Memoize returns the value cached under key, or runs compute, stores its
// result (as JSON) and returns it. Concurrent callers in this process asking
// for the same missing key share one computation. An error from compute is
// returned as is and nothing is stored.
func Memoize[T any](ctx context.Context, c *Cache, key string, compute func(context.Context) (T, error), opts ...Option) (T, error) {
	var zero T
	if v, ok, err := GetJSON[T](ctx, c, key, opts...); err != nil || ok {
		return v, err
	}
	_, h, err := c.options(opts)
	if err != nil {
		return zero, err
	}
	raw, err := c.flights.do(ctx, flightKey{storeKey(h), key}, func() ([]byte, error) {
		// Another process may have filled it while we waited.
		if raw, ok, err := c.Get(ctx, key, opts...); err != nil || ok {
			return raw, err
		}
		v, err := compute(ctx)
		if err != nil {
			return nil, err
		}
		raw, err := encodeJSON(v)
		if err != nil {
			return nil, &Error{Op: "memoize", Kind: ErrInvalidArgument, Message: fmt.Sprintf("result for %q does not encode as JSON: %v", key, err), Err: err}
		}
		if err := c.Put(ctx, key, raw, opts...); err != nil {
			return nil, err
		}
		return raw, nil
	})
	if err != nil {
		return zero, err
	}
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		return zero, &Error{Op: "memoize", Kind: ErrInvalidArgument, Message: fmt.Sprintf("value of %q does not decode into %T: %v", key, v, err), Err: err}
	}
	return v, nil
}

// MemoizeLLM memoizes a model call: the request is keyed with LLMKey (the
// original's canonical key, so a Harn cache of the same requests is shared),
// and call runs only on a miss. Its result is stored as JSON.
func MemoizeLLM[T any](ctx context.Context, c *Cache, req LLMRequest, call func(context.Context, LLMRequest) (T, error), opts ...Option) (T, error) {
	key, err := c.LLMKey(ctx, req)
	if err != nil {
		var zero T
		return zero, err
	}
	return Memoize(ctx, c, key, func(ctx context.Context) (T, error) { return call(ctx, req) }, opts...)
}

func storeKey(h host.Options) counterKey { return counterKey{h.Backend, h.Path, h.Namespace} }
