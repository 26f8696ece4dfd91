package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"github.com/nanospike/nanospike/device"
	"github.com/nanospike/nanospike/energy"
	"github.com/nanospike/nanospike/learning"
)

// A --config file has the format of a run's config.json: "options" holds the flags (their
// JSON names), "stdp", "backprop", "energy" and "device_params" every other setting of the
// model, the rule, the energy model and the device. Every section and key is optional;
// what is missing takes its default, flags given on the command line override the file, and
// a run's own config.json is a valid --config. In the stdp and backprop sections the keys
// the flags also set (neurons, samples, epochs, seed, hidden, steps, batch, lr, …) follow
// "options"; a file in which they disagree is refused.

// modelSettings are the model sections of a --config file (nil: the defaults).
type modelSettings struct {
	STDP     *learning.STDPConfig
	Backprop *learning.BackpropConfig
}

// fileConfig is a --config file, read.
type fileConfig struct {
	path    string
	options []byte // the options section, decoded onto the flags' defaults
	model   modelSettings
	device  *device.Params // nil: not given
	energy  *energy.Config // nil: not given
	present map[string]any // the stdp and backprop sections as written (keys present)
}

// readConfigFile reads and checks a --config file (or a run's config.json, for flag): unknown keys are errors naming the key,
// each section is validated.
func readConfigFile(path, flag string) (*fileConfig, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", flag, err)
	}
	return parseConfigFile(b, path, flag)
}

// parseConfigFile is readConfigFile on the file's content b.
func parseConfigFile(b []byte, path, flag string) (*fileConfig, error) {
	var raw struct {
		Command  string          `json:"command"`
		Options  json.RawMessage `json:"options"`
		Device   json.RawMessage `json:"device_params"`
		STDP     json.RawMessage `json:"stdp"`
		Backprop json.RawMessage `json:"backprop"`
		Energy   json.RawMessage `json:"energy"`
	}
	if err := strictDecode(b, &raw); err != nil {
		return nil, fmt.Errorf("%s %s: %w", flag, path, err)
	}
	fc := &fileConfig{path: path, options: raw.Options, present: map[string]any{}}
	if len(raw.STDP) > 0 && string(raw.STDP) != "null" {
		c := learning.DefaultSTDPConfig()
		if err := strictDecode(raw.STDP, &c); err != nil {
			return nil, fmt.Errorf("%s %s: stdp: %w", flag, path, err)
		}
		if err := c.Validate(); err != nil {
			return nil, fmt.Errorf("%s %s: stdp: %w", flag, path, err)
		}
		fc.model.STDP = &c
		fc.present["stdp"] = jsonTree(raw.STDP)
	}
	if len(raw.Backprop) > 0 && string(raw.Backprop) != "null" {
		c := learning.DefaultBackpropConfig()
		if err := strictDecode(raw.Backprop, &c); err != nil {
			return nil, fmt.Errorf("%s %s: backprop: %w", flag, path, err)
		}
		if err := c.Validate(); err != nil {
			return nil, fmt.Errorf("%s %s: backprop: %w", flag, path, err)
		}
		fc.model.Backprop = &c
		fc.present["backprop"] = jsonTree(raw.Backprop)
	}
	if len(raw.Energy) > 0 && string(raw.Energy) != "null" {
		c, err := energy.ParseConfig(raw.Energy)
		if err != nil {
			return nil, fmt.Errorf("%s %s: energy: %w", flag, path, err)
		}
		fc.energy = &c
	}
	if len(raw.Device) > 0 && string(raw.Device) != "null" {
		p, err := device.ParseParams(raw.Device, path+": device_params")
		if err != nil {
			return nil, fmt.Errorf("%s: %w", flag, err)
		}
		fc.device = p
	}
	return fc, nil
}

// strictDecode decodes one JSON value into v, refusing unknown keys (named in the error)
// and trailing data.
func strictDecode(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if _, key, ok := strings.Cut(err.Error(), "unknown field "); ok {
			return fmt.Errorf("unknown key %s", key)
		}
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("data after the JSON object")
	}
	return nil
}

// jsonTree decodes b into maps, slices and numbers (nil if it does not decode).
func jsonTree(b []byte) any {
	var v any
	if json.Unmarshal(b, &v) != nil {
		return nil
	}
	return v
}

// applyConfig sets o from the --config file named in args, then re-applies the flags the
// command line set explicitly (fs has parsed args), so the file supplies the defaults and
// the flags override it. register names the flags o's fields answer to. It returns the file
// (nil without --config).
func applyConfig(fs *flag.FlagSet, o *trainOptions, register func(*trainOptions, *flag.FlagSet)) (*fileConfig, error) {
	path := ""
	if f := fs.Lookup("config"); f != nil {
		path = f.Value.String()
	}
	if path == "" {
		return nil, nil
	}
	fc, err := readConfigFile(path, "--config")
	if err != nil {
		return nil, err
	}
	var fromFile trainOptions
	scratch := flag.NewFlagSet("config", flag.ContinueOnError)
	scratch.SetOutput(io.Discard)
	register(&fromFile, scratch) // the defaults
	if len(fc.options) > 0 && string(fc.options) != "null" {
		if err := strictDecode(fc.options, &fromFile); err != nil {
			return nil, fmt.Errorf("--config %s: options: %w", path, err)
		}
	}
	fromFile.model = &fc.model
	// The stdp and backprop sections must agree with the file's options on the keys both set.
	if fc.model.STDP != nil {
		if err := agrees(fc.present["stdp"], fromFile.stdpConfig(), "stdp"); err != nil {
			return nil, fmt.Errorf("--config %s: %w as the options section sets it: set it in one place", path, err)
		}
	}
	if fc.model.Backprop != nil {
		bc, err := fromFile.backpropConfig()
		if err != nil {
			return nil, fmt.Errorf("--config %s: %w", path, err)
		}
		if err := agrees(fc.present["backprop"], bc, "backprop"); err != nil {
			return nil, fmt.Errorf("--config %s: %w as the options section sets it: set it in one place", path, err)
		}
	}
	var setErr error
	fs.Visit(func(f *flag.Flag) {
		if scratch.Lookup(f.Name) == nil || setErr != nil {
			return
		}
		// scratch's flags point into fromFile: setting one overrides the file.
		if err := scratch.Set(f.Name, f.Value.String()); err != nil {
			setErr = fmt.Errorf("--%s: %w", f.Name, err)
		}
	})
	if setErr != nil {
		return nil, setErr
	}
	*o = fromFile
	return fc, nil
}

// agrees reports the first key present in the section as written whose value differs from
// the configuration the options give (a key the options set).
func agrees(written any, built any, section string) error {
	b, err := json.Marshal(built)
	if err != nil {
		return err
	}
	return agreesAt(written, jsonTree(b), section)
}

func agreesAt(w, b any, path string) error {
	if wm, ok := w.(map[string]any); ok {
		bm, _ := b.(map[string]any)
		keys := make([]string, 0, len(wm))
		for k := range wm {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if err := agreesAt(wm[k], bm[k], path+"."+k); err != nil {
				return err
			}
		}
		return nil
	}
	if !reflect.DeepEqual(w, b) {
		wj, _ := json.Marshal(w)
		bj, _ := json.Marshal(b)
		return fmt.Errorf("%s is %s, not %s", path, wj, bj)
	}
	return nil
}

// configFlag registers --config.
func configFlag(fs *flag.FlagSet) {
	fs.String("config", "", "JSON file of settings in config.json's format (options: the flags; stdp, backprop, energy, device_params: the model, rule, energy and device settings); flags given override it, and a run's config.json is a valid --config (docs/config.md)")
}

// flagSet reports whether the command line set the flag name.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// noteDevice says on stderr that a command running the devices it names ignores the file's
// device_params.
func (fc *fileConfig) noteDevice(e *env, command string) {
	if fc != nil && fc.device != nil {
		fmt.Fprintf(e.stderr, "note: --config %s: device_params not used: %s runs the devices its flags name\n", fc.path, command)
	}
}

// checkRunConfig checks a run's config.json as strictly as a --config file (unknown keys,
// values out of range), naming flag (--resume, --model) and the file.
func checkRunConfig(e *env, dir, flag string) error {
	path := filepath.Join(dir, configFile)
	fc, err := readConfigFile(path, flag)
	if err != nil {
		return err
	}
	var o trainOptions
	if err := strictDecode(fc.options, &o); err != nil {
		return fmt.Errorf("%s %s: options: %w", flag, path, err)
	}
	if err := o.validate(e); err != nil {
		return fmt.Errorf("%s %s: %w", flag, path, err)
	}
	return nil
}

// sets reports whether the file's options section names key (false without a file).
func (fc *fileConfig) sets(key string) bool {
	if fc == nil {
		return false
	}
	var opts map[string]any
	_ = json.Unmarshal(fc.options, &opts)
	return opts[key] != nil
}
