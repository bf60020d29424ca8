package sdk

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"time"
)

// The byte quota's ledger: the stored size of every value the plugin set,
// per bucket, in the order written (least recently written first). It is
// kept in the plugin's own grant, in a store apart from the buckets' (path
// "plugin-ledger.sqlite", or "plugin-ledger" for the fs backend), which no
// bucket name reaches; one entry per bucket, key "b:<identifier>", value
// [[key, bytes], ...]. Entries the cache removed by itself (LRU beyond
// max-entries, expiry) are dropped from the ledger when a bucket's ledger
// holds more keys than max-entries, and before a set is refused.

// maxLedgerSize bounds one entry's recorded size, so that a crafted ledger
// (the grant may be hostile) cannot overflow the total into a bypass.
const maxLedgerSize = 1 << 40

type bucketLedger struct {
	order []string
	size  map[string]int64
}

type ledger struct {
	loaded  bool
	buckets map[string]*bucketLedger
	total   int64
}

func (p *PluginImports) ledgerOpt() Option {
	return func(o *Options) {
		o.Namespace = "ledger"
		o.Path = "plugin-ledger.sqlite"
		if o.Backend == FS {
			o.Path = "plugin-ledger"
		}
		o.TTL = time.Duration(math.MaxInt64)
		o.MaxEntries = math.MaxInt32 // the guest clamps it to its largest namespace
	}
}

// load reads the ledger once.
func (p *PluginImports) load(ctx context.Context) error {
	if p.led.loaded {
		return nil
	}
	keys, err := p.cache.Keys(ctx, "b:", p.ledgerOpt())
	if err != nil {
		return err
	}
	p.led.buckets = map[string]*bucketLedger{}
	p.led.total = 0
	for _, k := range keys {
		v, hit, err := p.cache.Get(ctx, k, p.ledgerOpt())
		if err != nil {
			return err
		}
		if !hit {
			continue
		}
		var pairs [][2]json.RawMessage
		if err := json.Unmarshal(v, &pairs); err != nil {
			return fmt.Errorf("%w: plugin ledger entry %q: %v", ErrCorrupt, k, err)
		}
		bl := &bucketLedger{size: map[string]int64{}}
		for _, pr := range pairs {
			var key string
			var n int64
			if json.Unmarshal(pr[0], &key) != nil || json.Unmarshal(pr[1], &n) != nil || n < 0 || n > maxLedgerSize {
				return fmt.Errorf("%w: plugin ledger entry %q", ErrCorrupt, k)
			}
			if _, dup := bl.size[key]; !dup {
				bl.order = append(bl.order, key)
			}
			bl.size[key] = n
		}
		for _, n := range bl.size {
			p.led.total += n
		}
		p.led.buckets[k[2:]] = bl
	}
	p.led.loaded = true
	return nil
}

func (p *PluginImports) bucketLedger(name string) *bucketLedger {
	bl := p.led.buckets[name]
	if bl == nil {
		bl = &bucketLedger{size: map[string]int64{}}
		p.led.buckets[name] = bl
	}
	return bl
}

// record sets (n >= 0) or removes (n < 0) key's size and saves the bucket's ledger.
func (p *PluginImports) record(ctx context.Context, bucket, key string, n int64) error {
	bl := p.bucketLedger(bucket)
	old, had := bl.size[key]
	if had && old == n {
		// The same size again (a counter, a refreshed value): the saved
		// ledger stays right; only the in-memory write order moves.
		p.touch(bl, key)
		return nil
	}
	if had {
		p.led.total -= old
		delete(bl.size, key)
		for i, k := range bl.order {
			if k == key {
				bl.order = append(bl.order[:i], bl.order[i+1:]...)
				break
			}
		}
	}
	if n >= 0 {
		bl.size[key] = n
		bl.order = append(bl.order, key)
		p.led.total += n
	}
	if len(bl.order) > p.cfg.maxEntries {
		if err := p.reconcile(ctx, bucket); err != nil {
			return err
		}
	}
	return p.save(ctx, bucket)
}

// touch moves key to the most recently written end of bl's order.
func (p *PluginImports) touch(bl *bucketLedger, key string) {
	for i, k := range bl.order {
		if k == key {
			bl.order = append(append(bl.order[:i:i], bl.order[i+1:]...), key)
			return
		}
	}
}

func (p *PluginImports) save(ctx context.Context, bucket string) error {
	bl := p.bucketLedger(bucket)
	pairs := make([][2]any, 0, len(bl.order))
	for _, k := range bl.order {
		pairs = append(pairs, [2]any{k, bl.size[k]})
	}
	b, err := json.Marshal(pairs)
	if err != nil {
		return err
	}
	return p.cache.Put(ctx, "b:"+bucket, b, p.ledgerOpt())
}

// reconcile drops from a bucket's ledger the keys the cache no longer holds.
func (p *PluginImports) reconcile(ctx context.Context, bucket string) error {
	live, err := p.cache.Keys(ctx, "", p.bucketOpt(bucket, 0))
	if err != nil {
		return err
	}
	in := make(map[string]bool, len(live))
	for _, k := range live {
		in[k] = true
	}
	bl := p.bucketLedger(bucket)
	kept := bl.order[:0]
	for _, k := range bl.order {
		if in[k] {
			kept = append(kept, k)
			continue
		}
		p.led.total -= bl.size[k]
		delete(bl.size, k)
	}
	bl.order = kept
	return nil
}

// makeRoom checks that n more bytes for bucket/key fit the quota, after
// dropping what the cache removed by itself and, when configured, evicting
// the bucket's least recently written entries.
func (p *PluginImports) makeRoom(ctx context.Context, bucket, key string, n int64) error {
	need := func() int64 { return p.led.total - p.bucketLedger(bucket).size[key] + n - p.cfg.maxBytes }
	if n > p.cfg.maxBytes {
		return fmt.Errorf("value of %d bytes (stored) exceeds the plugin's byte quota of %d", n, p.cfg.maxBytes)
	}
	if need() <= 0 {
		return nil
	}
	for b := range p.led.buckets {
		if err := p.reconcile(ctx, b); err != nil {
			return err
		}
	}
	if need() <= 0 {
		return nil
	}
	if !p.cfg.evict {
		return fmt.Errorf("byte quota exceeded: the plugin stores %d bytes, this value needs %d, the quota is %d", p.led.total, n, p.cfg.maxBytes)
	}
	bl := p.bucketLedger(bucket)
	for need() > 0 {
		victim := ""
		for _, k := range bl.order {
			if k != key {
				victim = k
				break
			}
		}
		if victim == "" {
			return fmt.Errorf("byte quota exceeded: %d bytes stored in other buckets leave no room for %d bytes (quota %d)", p.led.total, n, p.cfg.maxBytes)
		}
		if _, err := p.cache.Delete(ctx, victim, p.bucketOpt(bucket, 0)); err != nil {
			return err
		}
		if err := p.record(ctx, bucket, victim, -1); err != nil {
			return err
		}
	}
	return nil
}
