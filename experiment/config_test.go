package experiment

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzParseConfigFile: a --config file (or a run's config.json) of any content is either
// refused with an error or gives sections that validate; it never panics.
func FuzzParseConfigFile(f *testing.F) {
	for _, s := range []string{
		`{}`,
		`{"options": {"neurons": 10, "train_samples": 200}, "stdp": {"rule": {"nu_pre": 0.0002}, "network": {"present_ms": 250}}}`,
		`{"backprop": {"lr": 0.001, "hidden": [20]}, "energy": {"model": "circuit-1"}}`,
		`{"device_params": {"name": "x"}}`,
		`{"stdp": {"neurons": 20}, "options": {"neurons": 10}}`,
		`{"stdp": {"network": {"present_ms": -5}}}`,
		`{"optoins": {}}`,
		`not json`,
		`{"stdp": null} trailing`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fc, err := parseConfigFile(b, "fuzz.json", "--config")
		if err != nil {
			return
		}
		if fc.Model.STDP != nil {
			require.NoError(t, fc.Model.STDP.Validate())
		}
		if fc.Model.Backprop != nil {
			require.NoError(t, fc.Model.Backprop.Validate())
		}
		if fc.Device != nil {
			require.NoError(t, fc.Device.Validate())
		}
	})
}
