package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/fgia/fgia/fgia/override"
)

// alias is a flag that sets one field of a config: --lr X is --set
// optim.schedule.lr=X.
type alias struct {
	flag, path, usage string
}

// configFlags are the flags of a command that builds a JSON-shaped config
// (train, pretrain): --config FILE (a run's config.json, or a file of the
// same shape), repeated --set path=value, and the aliases. Only flags given
// on the command line apply, in the order given, so 0 is a value like any
// other and the last assignment of a field wins.
type configFlags struct {
	file        string
	assignments []string          // "path=value", in command-line order
	given       map[string]string // path -> the flag that set it last, for errors
	aliases     []alias
}

func newConfigFlags(fs *flag.FlagSet, aliases []alias) *configFlags {
	c := &configFlags{aliases: aliases, given: map[string]string{}}
	fs.StringVar(&c.file, "config", "", "start from this config: a run's config.json, or a JSON file of the same shape (then the preset is not used)")
	fs.Func("set", "set a config field by its path in config.json, e.g. --set optim.schedule.lr=1e-3, --set model.head.kind=arcface, --set augment.hflip=0 (repeatable; an unknown path is an error that lists the known ones)", func(v string) error {
		path, _, ok := strings.Cut(v, "=")
		if !ok {
			return fmt.Errorf("want path=value, e.g. optim.schedule.lr=1e-3")
		}
		c.assignments = append(c.assignments, v)
		c.given[strings.TrimSpace(path)] = "--set " + strings.TrimSpace(path)
		return nil
	})
	for _, a := range aliases {
		fs.Var(&aliasValue{c, a}, a.flag, fmt.Sprintf("%s (= --set %s=V; default: the preset's)", a.usage, a.path))
	}
	return c
}

// aliasValue is an alias flag: setting it records the assignment.
type aliasValue struct {
	c *configFlags
	a alias
}

func (v *aliasValue) String() string      { return "" }
func (v *aliasValue) Placeholder() string { return "V" }
func (v *aliasValue) Set(s string) error {
	v.c.assignments = append(v.c.assignments, v.a.path+"="+s)
	v.c.given[v.a.path] = "--" + v.a.flag
	return nil
}

// changes says whether any config flag was given.
func (c *configFlags) changes() bool { return c.file != "" || len(c.assignments) > 0 }

// load reads --config into cfg: a JSON object of cfg's shape, or a run's
// config.json whose "config" member has it. Unknown keys are errors.
func (c *configFlags) load(cfg any) error {
	b, err := os.ReadFile(c.file)
	if err != nil {
		return fmt.Errorf("--config: %w", err)
	}
	var wrapper struct {
		Config json.RawMessage `json:"config"`
	}
	if json.Unmarshal(b, &wrapper) == nil && len(wrapper.Config) > 0 {
		b = wrapper.Config // a run folder's config.json
	}
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.DisallowUnknownFields()
	if err := d.Decode(cfg); err != nil {
		return fmt.Errorf("--config %s: %w", c.file, err)
	}
	return nil
}

// apply sets the assignments on cfg.
func (c *configFlags) apply(cfg any) error { return override.SetAll(cfg, c.assignments) }

// explain names the flag behind a bad value in a config's validation error.
func (c *configFlags) explain(err error) error {
	var fe *override.FieldError
	if !errors.As(err, &fe) {
		return err
	}
	if f, ok := c.given[fe.Path]; ok {
		return fmt.Errorf("%s %v: want %s (%s)", f, fe.Value, fe.Want, fe.Path)
	}
	if c.file != "" {
		return fmt.Errorf("%s in --config %s: %v", fe.Path, c.file, err)
	}
	return err
}
