package sdk

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/sandcache/sandcache/internal/pluginabi"
)

// kvImports implements the generated import interfaces over PluginImports.
type kvImports struct{ p *PluginImports }

type (
	kvError_ = pluginabi.Error
	bucketH  = pluginabi.Bucket
)

// Open refuses, with error::access-denied, identifiers that look like
// paths or are not printable text (the sandcache guest would sanitise them
// into a namespace anyway; refusing says so to the plugin).
func (k kvImports) Open(ctx context.Context, identifier string) (b bucketH, e *kvError_) {
	if !bucketNameOK(identifier) {
		return 0, &pluginabi.Error{Case: pluginabi.ErrorAccessDenied}
	}
	e = k.p.call(ctx, func(context.Context) error {
		h, err := k.p.newHandle(&pluginHandle{bucket: identifier})
		b = bucketH(h)
		return err
	})
	return b, e
}

func (k kvImports) bucket(h bucketH) (string, error) {
	x, err := k.p.handle(uint32(h), false)
	if err != nil {
		return "", err
	}
	return x.bucket, nil
}

func (k kvImports) BucketGet(ctx context.Context, self bucketH, key string) (v pluginabi.Option[[]byte], e *kvError_) {
	e = k.p.call(ctx, func(ctx context.Context) error {
		b, err := k.bucket(self)
		if err != nil {
			return err
		}
		v.Value, v.Some, err = k.p.get(ctx, b, key)
		return err
	})
	return v, e
}

func (k kvImports) BucketSet(ctx context.Context, self bucketH, key string, value []byte) *kvError_ {
	return k.SetWithTTL(ctx, self, key, value, 0)
}

func (k kvImports) BucketDelete(ctx context.Context, self bucketH, key string) *kvError_ {
	return k.p.call(ctx, func(ctx context.Context) error {
		b, err := k.bucket(self)
		if err != nil {
			return err
		}
		return k.p.del(ctx, b, key)
	})
}

func (k kvImports) BucketExists(ctx context.Context, self bucketH, key string) (ok bool, e *kvError_) {
	v, e := k.BucketGet(ctx, self, key)
	return v.Some, e
}

// listPage is how many keys a list-keys page holds.
const listPage = 1000

func (k kvImports) BucketListKeys(ctx context.Context, self bucketH, cursor pluginabi.Option[string]) (r pluginabi.KeyResponse, e *kvError_) {
	e = k.p.call(ctx, func(ctx context.Context) error {
		b, err := k.bucket(self)
		if err != nil {
			return err
		}
		keys, err := k.p.cache.Keys(ctx, "", k.p.bucketOpt(b, 0))
		if err != nil {
			return err
		}
		// The cursor is the last key of the previous page: keys are sorted.
		if cursor.Some {
			keys = keys[sort.SearchStrings(keys, cursor.Value):]
			if len(keys) > 0 && keys[0] == cursor.Value {
				keys = keys[1:]
			}
		}
		if len(keys) > listPage {
			keys = keys[:listPage]
			r.Cursor = pluginabi.Some(keys[listPage-1])
		}
		r.Keys = keys
		return nil
	})
	return r, e
}

func (k kvImports) BucketDrop(_ context.Context, self bucketH) { k.p.drop(uint32(self)) }

func (k kvImports) Increment(ctx context.Context, bucket bucketH, key string, delta int64) (n int64, e *kvError_) {
	e = k.p.call(ctx, func(ctx context.Context) error {
		b, err := k.bucket(bucket)
		if err != nil {
			return err
		}
		v, hit, err := k.p.get(ctx, b, key)
		if err != nil {
			return err
		}
		if hit {
			cur, err := strconv.ParseInt(string(v), 10, 64)
			if err != nil {
				return fmt.Errorf("increment: the value of %q is not an integer", key)
			}
			if (delta > 0 && cur > cur+delta) || (delta < 0 && cur < cur+delta) {
				return fmt.Errorf("increment: %d + %d overflows", cur, delta)
			}
			n = cur
		}
		n += delta
		return k.p.set(ctx, b, key, []byte(strconv.FormatInt(n, 10)), 0)
	})
	return n, e
}

func (k kvImports) CasNew(ctx context.Context, bucket bucketH, key string) (c pluginabi.Cas, e *kvError_) {
	e = k.p.call(ctx, func(ctx context.Context) error {
		b, err := k.bucket(bucket)
		if err != nil {
			return err
		}
		v, hit, err := k.p.cache.Get(ctx, key, k.p.bucketOpt(b, 0))
		if err != nil {
			return err
		}
		h, err := k.p.newHandle(&pluginHandle{bucket: b, cas: true, key: key, current: v, present: hit})
		c = pluginabi.Cas(h)
		return err
	})
	return c, e
}

func (k kvImports) CasCurrent(ctx context.Context, self pluginabi.Cas) (v pluginabi.Option[[]byte], e *kvError_) {
	e = k.p.call(ctx, func(context.Context) error {
		x, err := k.p.handle(uint32(self), true)
		if err != nil {
			return err
		}
		if x.present {
			v = pluginabi.Some(decodePluginValue(x.current))
		}
		return nil
	})
	return v, e
}

func (k kvImports) CasDrop(_ context.Context, self pluginabi.Cas) { k.p.drop(uint32(self)) }

// Swap sets the value if the entry is still what the CAS saw (compared in
// the plugin's serialised calls: a plugin's calls do not interleave).
func (k kvImports) Swap(ctx context.Context, cas pluginabi.Cas, value []byte) *pluginabi.CasError {
	var out *pluginabi.CasError
	e := k.p.call(ctx, func(ctx context.Context) error {
		x, err := k.p.handle(uint32(cas), true)
		if err != nil {
			return err
		}
		delete(k.p.handles, uint32(cas)) // swap consumes the handle
		v, hit, err := k.p.cache.Get(ctx, x.key, k.p.bucketOpt(x.bucket, 0))
		if err != nil {
			return err
		}
		if hit != x.present || string(v) != string(x.current) {
			h, err := k.p.newHandle(&pluginHandle{bucket: x.bucket, cas: true, key: x.key, current: v, present: hit})
			if err != nil {
				return err
			}
			out = &pluginabi.CasError{Case: pluginabi.CasErrorCasFailed, CasFailed: pluginabi.Cas(h)}
			return nil
		}
		return k.p.set(ctx, x.bucket, x.key, value, 0)
	})
	if e != nil {
		return &pluginabi.CasError{Case: pluginabi.CasErrorStoreError, StoreError: *e}
	}
	return out
}

func (k kvImports) GetMany(ctx context.Context, bucket bucketH, keys []string) (out []pluginabi.Option[pluginabi.Tuple2[string, []byte]], e *kvError_) {
	e = k.p.call(ctx, func(ctx context.Context) error {
		b, err := k.bucket(bucket)
		if err != nil {
			return err
		}
		out = make([]pluginabi.Option[pluginabi.Tuple2[string, []byte]], len(keys))
		for i, key := range keys {
			v, hit, err := k.p.get(ctx, b, key)
			if err != nil {
				return err
			}
			if hit {
				out[i] = pluginabi.Some(pluginabi.Tuple2[string, []byte]{F0: key, F1: v})
			}
		}
		return nil
	})
	return out, e
}

func (k kvImports) SetMany(ctx context.Context, bucket bucketH, kvs []pluginabi.Tuple2[string, []byte]) *kvError_ {
	return k.p.call(ctx, func(ctx context.Context) error {
		b, err := k.bucket(bucket)
		if err != nil {
			return err
		}
		for _, kv := range kvs {
			if err := k.p.set(ctx, b, kv.F0, kv.F1, 0); err != nil {
				return err
			}
		}
		return nil
	})
}

func (k kvImports) DeleteMany(ctx context.Context, bucket bucketH, keys []string) *kvError_ {
	return k.p.call(ctx, func(ctx context.Context) error {
		b, err := k.bucket(bucket)
		if err != nil {
			return err
		}
		for _, key := range keys {
			if err := k.p.del(ctx, b, key); err != nil {
				return err
			}
		}
		return nil
	})
}

func (k kvImports) SetWithTTL(ctx context.Context, bucket bucketH, key string, value []byte, ttlMs uint64) *kvError_ {
	return k.p.call(ctx, func(ctx context.Context) error {
		b, err := k.bucket(bucket)
		if err != nil {
			return err
		}
		ttl := time.Duration(min(ttlMs, uint64(1<<63-1)/uint64(time.Millisecond))) * time.Millisecond
		return k.p.set(ctx, b, key, value, ttl)
	})
}

func (k kvImports) LLMKey(ctx context.Context, request string) (key string, e *kvError_) {
	e = k.p.call(ctx, func(ctx context.Context) error {
		var r struct {
			Prompt  json.RawMessage `json:"prompt"`
			System  json.RawMessage `json:"system"`
			Options json.RawMessage `json:"options"`
		}
		if err := json.Unmarshal([]byte(request), &r); err != nil {
			return fmt.Errorf("llm-key: the request is not a JSON object: %v", err)
		}
		var err error
		key, err = k.p.cache.LLMKeyJSON(ctx, r.Prompt, nullable(r.System), nullable(r.Options))
		return err
	})
	return key, e
}

func nullable(v json.RawMessage) []byte {
	if len(v) == 0 || string(v) == "null" {
		return nil
	}
	return v
}

func (k kvImports) Stats(ctx context.Context, bucket bucketH) (s pluginabi.BucketStats, e *kvError_) {
	e = k.p.call(ctx, func(ctx context.Context) error {
		b, err := k.bucket(bucket)
		if err != nil {
			return err
		}
		st, err := k.p.cache.Stats(ctx, k.p.bucketOpt(b, 0))
		if err != nil {
			return err
		}
		s = pluginabi.BucketStats{Entries: st.Entries, Expired: st.Expired, MaxEntries: uint32(k.p.cfg.maxEntries),
			BytesUsed: uint64(k.p.led.total), BytesQuota: uint64(k.p.cfg.maxBytes)}
		return nil
	})
	return s, e
}

// maxBucketName bounds a bucket identifier, in bytes.
const maxBucketName = 256

func bucketNameOK(s string) bool {
	if len(s) > maxBucketName || !utf8.ValidString(s) || strings.Contains(s, "..") {
		return false
	}
	for _, r := range s {
		if r == '/' || r == '\\' || r == ':' || unicode.IsControl(r) {
			return false
		}
	}
	return true
}
