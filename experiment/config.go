package experiment

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
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

// ModelSettings are the model sections of a --config file (nil: the defaults).
type ModelSettings struct {
	STDP     *learning.STDPConfig
	Backprop *learning.BackpropConfig
}

// FileConfig is a --config file, read.
type FileConfig struct {
	Path    string
	Options []byte // the options section, decoded onto the flags' defaults
	Model   ModelSettings
	Device  *device.Params // nil: not given
	Energy  *energy.Config // nil: not given
	Present map[string]any // the stdp and backprop sections as written (keys present)
}

// ReadConfigFile reads and checks a --config file (or a run's config.json, for flag): unknown keys are errors naming the key,
// each section is validated.
func ReadConfigFile(path, flag string) (*FileConfig, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", flag, err)
	}
	return parseConfigFile(b, path, flag)
}

// parseConfigFile is ReadConfigFile on the file's content b.
func parseConfigFile(b []byte, path, flag string) (*FileConfig, error) {
	var raw struct {
		Command  string          `json:"command"`
		Options  json.RawMessage `json:"options"`
		Device   json.RawMessage `json:"device_params"`
		STDP     json.RawMessage `json:"stdp"`
		Backprop json.RawMessage `json:"backprop"`
		Energy   json.RawMessage `json:"energy"`
	}
	if err := StrictDecode(b, &raw); err != nil {
		return nil, fmt.Errorf("%s %s: %w", flag, path, err)
	}
	fc := &FileConfig{Path: path, Options: raw.Options, Present: map[string]any{}}
	var err error
	if fc.Model.STDP, err = modelSection(raw.STDP, learning.DefaultSTDPConfig()); err != nil {
		return nil, fmt.Errorf("%s %s: stdp: %w", flag, path, err)
	} else if fc.Model.STDP != nil {
		fc.Present["stdp"] = jsonTree(raw.STDP)
	}
	if fc.Model.Backprop, err = modelSection(raw.Backprop, learning.DefaultBackpropConfig()); err != nil {
		return nil, fmt.Errorf("%s %s: backprop: %w", flag, path, err)
	} else if fc.Model.Backprop != nil {
		fc.Present["backprop"] = jsonTree(raw.Backprop)
	}
	if len(raw.Energy) > 0 && string(raw.Energy) != "null" {
		c, err := energy.ParseConfig(raw.Energy)
		if err != nil {
			return nil, fmt.Errorf("%s %s: energy: %w", flag, path, err)
		}
		fc.Energy = &c
	}
	if len(raw.Device) > 0 && string(raw.Device) != "null" {
		p, err := device.ParseParams(raw.Device, path+": device_params")
		if err != nil {
			return nil, fmt.Errorf("%s: %w", flag, err)
		}
		fc.Device = p
	}
	return fc, nil
}

// StrictDecode decodes one JSON value into v, refusing unknown keys (named in the error)
// and trailing data.
func StrictDecode(b []byte, v any) error {
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

// Agrees reports the first key present in the section as written whose value differs from
// the configuration the options give (a key the options set).
func Agrees(written any, built any, section string) error {
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

// Sets reports whether the file's options section names key (false without a file).
func (fc *FileConfig) Sets(key string) bool {
	if fc == nil {
		return false
	}
	var opts map[string]any
	_ = json.Unmarshal(fc.Options, &opts)
	return opts[key] != nil
}

// ApplyConfig sets o from the --config file named in args, then re-applies the flags the
// command line set explicitly (fs has parsed args), so the file supplies the defaults and
// the flags override it. register names the flags o's fields answer to. It returns the file
// (nil without --config).
func ApplyConfig(fs *flag.FlagSet, o *Options, register func(*flag.FlagSet, *Options)) (*FileConfig, error) {
	path := ""
	if f := fs.Lookup("config"); f != nil {
		path = f.Value.String()
	}
	if path == "" {
		return nil, nil
	}
	fc, err := ReadConfigFile(path, "--config")
	if err != nil {
		return nil, err
	}
	var fromFile Options
	scratch := flag.NewFlagSet("config", flag.ContinueOnError)
	scratch.SetOutput(io.Discard)
	register(scratch, &fromFile) // the defaults
	if len(fc.Options) > 0 && string(fc.Options) != "null" {
		if err := StrictDecode(fc.Options, &fromFile); err != nil {
			return nil, fmt.Errorf("--config %s: options: %w", path, err)
		}
	}
	fromFile.Model = &fc.Model
	// The stdp and backprop sections must agree with the file's options on the keys both set.
	if fc.Model.STDP != nil {
		if err := Agrees(fc.Present["stdp"], fromFile.STDPConfig(), "stdp"); err != nil {
			return nil, fmt.Errorf("--config %s: %w as the options section sets it: set it in one place", path, err)
		}
	}
	if fc.Model.Backprop != nil {
		bc, err := fromFile.BackpropConfig()
		if err != nil {
			return nil, fmt.Errorf("--config %s: %w", path, err)
		}
		if err := Agrees(fc.Present["backprop"], bc, "backprop"); err != nil {
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

// modelSection decodes a model section over its defaults c and validates it; nil when the
// section is absent.
func modelSection[T any, PT interface {
	*T
	Validate() error
}](raw json.RawMessage, c T) (*T, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if err := StrictDecode(raw, &c); err != nil {
		return nil, err
	}
	if err := PT(&c).Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}
