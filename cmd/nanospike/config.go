package main

import (
	"flag"
	"fmt"
	"path/filepath"

	"github.com/nanospike/nanospike/energy"
	"github.com/nanospike/nanospike/experiment"
)

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
func noteDevice(e *env, fc *experiment.FileConfig, command string) {
	if fc != nil && fc.Device != nil {
		fmt.Fprintf(e.stderr, "note: --config %s: device_params not used: %s runs the devices its flags name\n", fc.Path, command)
	}
}

// checkRunConfig checks a run's config.json as strictly as a --config file (unknown keys,
// values out of range), naming flag (--resume, --model) and the file.
func checkRunConfig(e *env, dir, flag string) error {
	path := filepath.Join(dir, experiment.ConfigFile)
	fc, err := experiment.ReadConfigFile(path, flag)
	if err != nil {
		return err
	}
	var o experiment.Options
	if err := experiment.StrictDecode(fc.Options, &o); err != nil {
		return fmt.Errorf("%s %s: options: %w", flag, path, err)
	}
	if err := validate(e, &o); err != nil {
		return fmt.Errorf("%s %s: %w", flag, path, err)
	}
	return nil
}

// energyConfig is the energy model's constants a command costs with: --energy-config's file,
// else the --config file's energy section; nil for the defaults.
func energyConfig(e *env, file string, fc *experiment.FileConfig) (*energy.Config, error) {
	if file != "" {
		c, err := experiment.ReadEnergyConfig(file)
		if err != nil {
			return nil, e.usagef("--energy-config: %v", err)
		}
		return &c, nil
	}
	if fc != nil {
		return fc.Energy, nil
	}
	return nil, nil
}
