package sdk

import (
	"context"
	"math"
	"strconv"

	"github.com/sandcache/sandcache/internal/pluginabi"
)

// draftImports serves wasi:keyvalue@0.2.0-draft over the same handles and
// routing as 0.2.0-draft2: its list-keys cursor is the index of the next
// key, and its increment is unsigned.
type draftImports struct{ p *PluginImports }

func draftErr(e *pluginabi.Error) *pluginabi.DraftError {
	if e == nil {
		return nil
	}
	return &pluginabi.DraftError{Case: pluginabi.DraftErrorCase(e.Case), Other: e.Other}
}

func (d draftImports) kv() kvImports { return kvImports(d) }

func (d draftImports) Open(ctx context.Context, identifier string) (pluginabi.DraftBucket, *pluginabi.DraftError) {
	b, e := d.kv().Open(ctx, identifier)
	return pluginabi.DraftBucket(b), draftErr(e)
}

func (d draftImports) BucketGet(ctx context.Context, self pluginabi.DraftBucket, key string) (pluginabi.Option[[]byte], *pluginabi.DraftError) {
	v, e := d.kv().BucketGet(ctx, bucketH(self), key)
	return v, draftErr(e)
}

func (d draftImports) BucketSet(ctx context.Context, self pluginabi.DraftBucket, key string, value []byte) *pluginabi.DraftError {
	return draftErr(d.kv().BucketSet(ctx, bucketH(self), key, value))
}

func (d draftImports) BucketDelete(ctx context.Context, self pluginabi.DraftBucket, key string) *pluginabi.DraftError {
	return draftErr(d.kv().BucketDelete(ctx, bucketH(self), key))
}

func (d draftImports) BucketExists(ctx context.Context, self pluginabi.DraftBucket, key string) (bool, *pluginabi.DraftError) {
	ok, e := d.kv().BucketExists(ctx, bucketH(self), key)
	return ok, draftErr(e)
}

func (d draftImports) BucketListKeys(ctx context.Context, self pluginabi.DraftBucket, cursor pluginabi.Option[uint64]) (r pluginabi.DraftKeyResponse, e *pluginabi.DraftError) {
	e = draftErr(d.p.call(ctx, func(ctx context.Context) error {
		b, err := d.kv().bucket(bucketH(self))
		if err != nil {
			return err
		}
		keys, err := d.p.cache.Keys(ctx, "", d.p.bucketOpt(b, 0))
		if err != nil {
			return err
		}
		start := uint64(0)
		if cursor.Some {
			start = min(cursor.Value, uint64(len(keys)))
		}
		keys = keys[start:]
		if len(keys) > listPage {
			keys = keys[:listPage]
			r.Cursor = pluginabi.Some(start + listPage)
		}
		r.Keys = keys
		return nil
	}))
	return r, e
}

func (d draftImports) BucketDrop(ctx context.Context, self pluginabi.DraftBucket) {
	d.kv().BucketDrop(ctx, bucketH(self))
}

func (d draftImports) Increment(ctx context.Context, bucket pluginabi.DraftBucket, key string, delta uint64) (uint64, *pluginabi.DraftError) {
	if delta > math.MaxInt64 {
		return 0, draftErr(kvOther("increment: delta " + strconv.FormatUint(delta, 10) + " is beyond the stored integers' range"))
	}
	n, e := d.kv().Increment(ctx, bucketH(bucket), key, int64(delta))
	if e == nil && n < 0 {
		return 0, draftErr(kvOther("increment: the value is negative"))
	}
	return uint64(n), draftErr(e)
}

func (d draftImports) GetMany(ctx context.Context, bucket pluginabi.DraftBucket, keys []string) ([]pluginabi.Option[pluginabi.Tuple2[string, []byte]], *pluginabi.DraftError) {
	v, e := d.kv().GetMany(ctx, bucketH(bucket), keys)
	return v, draftErr(e)
}

func (d draftImports) SetMany(ctx context.Context, bucket pluginabi.DraftBucket, kvs []pluginabi.Tuple2[string, []byte]) *pluginabi.DraftError {
	return draftErr(d.kv().SetMany(ctx, bucketH(bucket), kvs))
}

func (d draftImports) DeleteMany(ctx context.Context, bucket pluginabi.DraftBucket, keys []string) *pluginabi.DraftError {
	return draftErr(d.kv().DeleteMany(ctx, bucketH(bucket), keys))
}
