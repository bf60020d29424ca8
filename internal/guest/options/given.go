package options

import (
	"errors"
	"strconv"
)

// Source gives the options of one cache operation. The engine resolves it
// after checking the operation's other arguments, so an argument error is
// reported before an option error, as the original does.
type Source interface {
	Resolve() (Options, error)
}

// Resolve returns o as it is: typed options are already complete.
func (o Options) Resolve() (Options, error) { return o, nil }

// Given are the options a caller gave (the WIT record `options`): what is
// unset comes from the option dictionary Dict, else from the defaults.
type Given struct {
	Backend    Backend
	HasBackend bool
	Namespace  string // "" is unset
	Path       string // "" is unset
	TTLMillis  uint64
	HasTTL     bool
	MaxEntries int64 // clamped to 1..MaxMaxEntries
	HasMax     bool
	Dict       []byte // a Harn option dictionary (JSON text); empty for none
}

// Resolve parses the dictionary (ParseDict) and applies the given fields
// over it. This is the one place where the defaults and the max-entries
// clamp apply to what hosts pass.
func (g Given) Resolve() (Options, error) {
	o, err := ParseDict(g.Dict)
	if err != nil {
		return Options{}, err
	}
	if g.HasBackend {
		if g.Backend > Postgres {
			return Options{}, errors.New("cache backend " + strconv.Itoa(int(g.Backend)) + " is unknown")
		}
		o.Backend = g.Backend
	}
	if g.Namespace != "" {
		if o.Namespace, err = SanitizeNamespace(g.Namespace); err != nil {
			return Options{}, err
		}
	}
	if g.Path != "" {
		o.Path = g.Path
	}
	if g.HasTTL {
		o.TTLMillis = g.TTLMillis
	}
	if g.HasMax {
		o.MaxEntries = ClampMaxEntries(g.MaxEntries)
	}
	return o, nil
}
