package sdk

import "time"

// PluginConfig configures the cache lent to one plugin module by
// InstantiatePluginImports. It is immutable: WithX methods return copies.
type PluginConfig struct {
	cache       Config
	maxEntries  int
	maxBytes    int64
	evict       bool
	callTimeout time.Duration
	ttl         time.Duration
}

// Defaults of NewPluginConfig.
const (
	DefaultPluginMaxEntries  = 1000
	DefaultPluginMaxBytes    = 16 << 20
	DefaultPluginCallTimeout = 5 * time.Second
	DefaultPluginTTL         = 24 * time.Hour
)

// NewPluginConfig returns the configuration of a plugin whose grant (its
// own folder: isolation between plugins is by grant) and limits are
// cache's, with the default quotas: 1000 entries per bucket (least
// recently used evicted beyond), 16 MiB of stored values per plugin (a set
// over it refused), 5 s per keyvalue call, entries living 24 hours.
func NewPluginConfig(cache Config) PluginConfig {
	return PluginConfig{cache: cache, maxEntries: DefaultPluginMaxEntries, maxBytes: DefaultPluginMaxBytes,
		callTimeout: DefaultPluginCallTimeout, ttl: DefaultPluginTTL}
}

// WithMaxEntries sets the entries kept per bucket (at least 1; the guest
// clamps it to its largest namespace, 100000); the least recently used are
// evicted beyond.
func (c PluginConfig) WithMaxEntries(n int) PluginConfig { c.maxEntries = n; return c }

// WithMaxBytes sets the plugin's byte quota: the stored size (JSON text)
// of its values, all buckets together.
func (c PluginConfig) WithMaxBytes(n int64) PluginConfig { c.maxBytes = n; return c }

// WithEvictOverQuota chooses what a set over the byte quota does: refused
// with keyvalue error::other (false, the default), or evicting the
// plugin's least recently written entries of the same bucket until it
// fits (true; refused still when the value alone exceeds the quota).
func (c PluginConfig) WithEvictOverQuota(evict bool) PluginConfig { c.evict = evict; return c }

// WithCallTimeout bounds each keyvalue call of the plugin (the call fails
// with error::other when it passes).
func (c PluginConfig) WithCallTimeout(d time.Duration) PluginConfig { c.callTimeout = d; return c }

// WithTTL sets how long entries set through keyvalue live.
func (c PluginConfig) WithTTL(d time.Duration) PluginConfig { c.ttl = d; return c }

// Cache returns the configuration of the plugin's cache.
func (c PluginConfig) Cache() Config { return c.cache }
