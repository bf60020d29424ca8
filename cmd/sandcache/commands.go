package main

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/sandcache/sandcache/internal/guest/jsonv"
	"github.com/sandcache/sandcache/sdk"
)

// withStore opens the store the flags select, runs f on it and closes it.
func (a *app) withStore(f func(c *sdk.Cache, o sdk.Option) error) error {
	c, o, err := a.openStore()
	if err != nil {
		return err
	}
	defer c.Close()
	return f(c, sdk.WithOptions(o))
}

func cmdGet(a *app, pos []string) error {
	if err := args(pos, 1, 1, "get KEY"); err != nil {
		return err
	}
	return a.withStore(func(c *sdk.Cache, o sdk.Option) error {
		v, hit, err := c.Get(a.ctx, pos[0], o)
		if err != nil {
			return err
		}
		if a.g.json {
			return a.writeRaw(getEnvelope(v, hit))
		}
		if !hit {
			return errMiss
		}
		return a.writeRaw(v)
	})
}

func cmdPut(a *app, pos []string) error {
	if err := args(pos, 1, 2, "put KEY [VALUE_JSON | -]"); err != nil {
		return err
	}
	var value []byte
	if len(pos) == 2 && pos[1] != "-" {
		value = []byte(pos[1])
	} else {
		b, err := io.ReadAll(a.stdin)
		if err != nil {
			return fmt.Errorf("reading the value from stdin: %w", err)
		}
		value = bytes.TrimSpace(b)
	}
	return a.withStore(func(c *sdk.Cache, o sdk.Option) error {
		if err := c.Put(a.ctx, pos[0], value, o); err != nil {
			return err
		}
		if a.g.json {
			return a.writeJSON(putEnvelope(pos[0]))
		}
		return nil
	})
}

func cmdDelete(a *app, pos []string) error {
	if err := args(pos, 1, 1, "delete KEY"); err != nil {
		return err
	}
	return a.withStore(func(c *sdk.Cache, o sdk.Option) error {
		existed, err := c.Delete(a.ctx, pos[0], o)
		if err != nil {
			return err
		}
		if a.g.json {
			return a.writeJSON(jsonObject("deleted", jsonv.Bool(existed)))
		}
		if !existed {
			return errMiss
		}
		return nil
	})
}

func cmdClear(a *app, pos []string) error {
	if err := args(pos, 0, 0, "clear"); err != nil {
		return err
	}
	return a.withStore(func(c *sdk.Cache, o sdk.Option) error {
		if err := c.Clear(a.ctx, o); err != nil {
			return err
		}
		if a.g.json {
			return a.writeJSON(jsonv.Null())
		}
		return nil
	})
}

func cmdPurge(a *app, pos []string) error {
	if err := args(pos, 0, 0, "purge"); err != nil {
		return err
	}
	return a.withStore(func(c *sdk.Cache, o sdk.Option) error {
		n, err := c.Purge(a.ctx, o)
		if err != nil {
			return err
		}
		if a.g.json {
			return a.writeJSON(jsonObject("removed", jsonv.Uint(n)))
		}
		_, err = fmt.Fprintln(a.stdout, n)
		return err
	})
}

func keysFlags(a *app, fs *flagSet) { fs.str("prefix", &a.keysPrefix) }

func cmdKeys(a *app, pos []string) error {
	if err := args(pos, 0, 0, "keys [--prefix P]"); err != nil {
		return err
	}
	return a.withStore(func(c *sdk.Cache, o sdk.Option) error {
		keys, err := c.Keys(a.ctx, a.keysPrefix, o)
		if err != nil {
			return err
		}
		if a.g.json {
			items := make([]jsonv.Value, len(keys))
			for i, k := range keys {
				items[i] = jsonv.String(k)
			}
			return a.writeJSON(jsonv.Array(items...))
		}
		for _, k := range keys {
			if _, err := fmt.Fprintln(a.stdout, k); err != nil {
				return err
			}
		}
		return nil
	})
}

func cmdStats(a *app, pos []string) error {
	if err := args(pos, 0, 0, "stats"); err != nil {
		return err
	}
	return a.withStore(func(c *sdk.Cache, o sdk.Option) error {
		s, err := c.Stats(a.ctx, o)
		if err != nil {
			return err
		}
		if a.g.json {
			return a.writeJSON(statsObject(s))
		}
		_, err = fmt.Fprintf(a.stdout,
			"entries      %d\nexpired      %d\nhits         %d\nmisses       %d\nevictions    %d\nexpirations  %d\nhit_rate     %.2f\n",
			s.Entries, s.Expired, s.Hits, s.Misses, s.Evictions, s.Expirations, s.HitRate())
		return err
	})
}

func cmdDuration(a *app, pos []string) error {
	if err := args(pos, 1, 1, "duration TEXT"); err != nil {
		return err
	}
	c, err := a.openBase()
	if err != nil {
		return err
	}
	defer c.Close()
	secs, err := c.ParseDuration(a.ctx, pos[0])
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(a.stdout, secs) // the same text with or without --json
	return err
}

// llmValues are the request fields llm-key takes as flags.
type llmValues struct {
	provider, model, maxTokens, temperature, topP, extra string
}

func llmFlags(a *app, fs *flagSet) {
	v := &a.llm
	fs.str("provider", &v.provider)
	fs.str("model", &v.model)
	fs.str("max-tokens", &v.maxTokens)
	fs.str("temperature", &v.temperature)
	fs.str("top-p", &v.topP)
	fs.str("extra", &v.extra)
}

func cmdLLMKey(a *app, pos []string) error {
	if err := args(pos, 1, 2, "llm-key PROMPT_JSON [SYSTEM_JSON]"); err != nil {
		return err
	}
	request, err := a.llmRequest()
	if err != nil {
		return err
	}
	var system []byte
	if len(pos) == 2 {
		system = []byte(pos[1])
	}
	c, err := a.openBase()
	if err != nil {
		return err
	}
	defer c.Close()
	key, err := c.LLMKeyJSON(a.ctx, []byte(pos[0]), system, request)
	if err != nil {
		return err
	}
	if a.g.json {
		return a.writeJSON(jsonv.String(key))
	}
	_, err = fmt.Fprintln(a.stdout, key)
	return err
}

// llmRequest builds the request object: --options, then --extra's
// members, then the named flags, with the number types the key needs
// (max_tokens an integer, temperature and top_p floats). Without flags,
// --options is passed as given (nil when absent).
func (a *app) llmRequest() ([]byte, error) {
	v, given := &a.llm, a.flags.given
	var ms []jsonv.Member
	if a.g.options != "" {
		base, err := jsonv.Parse([]byte(a.g.options))
		if err != nil {
			return nil, usagef("--options is not valid JSON: %v", err)
		}
		if base.Kind() != jsonv.KindObject {
			if given["extra"] || given["provider"] || given["model"] || given["max-tokens"] || given["temperature"] || given["top-p"] {
				return nil, usagef("--options must be a JSON object to combine with request flags")
			}
			return []byte(a.g.options), nil
		}
		ms = append(ms, base.Members()...)
	}
	if given["extra"] {
		extra, err := jsonv.Parse([]byte(v.extra))
		if err != nil || extra.Kind() != jsonv.KindObject {
			return nil, usagef("--extra must be a JSON object")
		}
		ms = append(ms, extra.Members()...)
	}
	if given["provider"] {
		ms = append(ms, jsonv.Member{Key: "provider", Value: jsonv.String(v.provider)})
	}
	if given["model"] {
		ms = append(ms, jsonv.Member{Key: "model", Value: jsonv.String(v.model)})
	}
	if given["max-tokens"] {
		n, err := strconv.ParseInt(v.maxTokens, 10, 64)
		if err != nil {
			return nil, usagef("flag --max-tokens must be an integer; got %q", v.maxTokens)
		}
		ms = append(ms, jsonv.Member{Key: "max_tokens", Value: jsonv.Int(n)})
	}
	for _, f := range []struct{ flag, field, text string }{
		{"temperature", "temperature", v.temperature},
		{"top-p", "top_p", v.topP},
	} {
		if !given[f.flag] {
			continue
		}
		x, err := strconv.ParseFloat(strings.TrimSpace(f.text), 64)
		if err != nil {
			return nil, usagef("flag --%s must be a number; got %q", f.flag, f.text)
		}
		ms = append(ms, jsonv.Member{Key: f.field, Value: jsonv.Float(x)})
	}
	if ms == nil && a.g.options == "" {
		return nil, nil
	}
	return jsonv.Object(ms...).AppendCompact(nil), nil
}
