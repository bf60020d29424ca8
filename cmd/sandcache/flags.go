package main

import (
	"fmt"
	"strings"
)

// usageError is a mistake on the command line: unknown command or flag,
// missing or extra argument, a flag value that does not parse. It exits 2
// with the usage text.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// flagDef is one flag: boolean (no value) or taking a value.
type flagDef struct {
	isBool bool
	set    func(value string) error
}

// flagSet is a tiny flag parser. Unlike package flag it mixes flags and
// positional arguments, treats "-" and negative numbers ("-5s") as
// positional, and records which flags were given.
type flagSet struct {
	defs  map[string]*flagDef
	given map[string]bool
}

func newFlagSet() *flagSet {
	return &flagSet{defs: map[string]*flagDef{}, given: map[string]bool{}}
}

func (fs *flagSet) str(name string, dst *string) {
	fs.defs[name] = &flagDef{set: func(v string) error { *dst = v; return nil }}
}

func (fs *flagSet) boolean(name string, dst *bool) {
	fs.defs[name] = &flagDef{isBool: true, set: func(v string) error {
		switch v {
		case "", "true", "1":
			*dst = true
		case "false", "0":
			*dst = false
		default:
			return fmt.Errorf("must be true or false")
		}
		return nil
	}}
}

// parse consumes args. With stopAtPositional it returns at the first
// positional argument (the command), leaving it and what follows in rest;
// otherwise it reads every argument and rest is empty. "--" ends the flags.
func (fs *flagSet) parse(args []string, stopAtPositional bool) (pos, rest []string, err error) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			if stopAtPositional {
				return pos, args[i+1:], nil
			}
			return append(pos, args[i+1:]...), nil, nil
		}
		if !looksLikeFlag(a) {
			if stopAtPositional {
				return pos, args[i:], nil
			}
			pos = append(pos, a)
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if name == "h" || name == "help" {
			return nil, nil, errHelp
		}
		def, ok := fs.defs[name]
		if !ok {
			return nil, nil, usagef("unknown flag %s", a)
		}
		if !def.isBool && !hasValue {
			if i+1 >= len(args) {
				return nil, nil, usagef("flag --%s needs a value", name)
			}
			i++
			value = args[i]
		}
		if err := def.set(value); err != nil {
			return nil, nil, usagef("flag --%s: %v", name, err)
		}
		fs.given[name] = true
	}
	return pos, nil, nil
}

// looksLikeFlag reports whether a is a flag rather than a positional
// argument: it starts with "-" and is neither "-" (stdin) nor a negative
// number such as "-5" or "-.5s".
func looksLikeFlag(a string) bool {
	if len(a) < 2 || a[0] != '-' {
		return false
	}
	c := a[1]
	return !('0' <= c && c <= '9' || c == '.')
}
