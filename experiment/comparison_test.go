package experiment

import (
	"testing"

	"github.com/nanospike/nanospike/device"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestApplySweep(t *testing.T) {
	for _, tc := range []struct {
		sweep, label string
		check        func(p *device.Params) bool
	}{
		{"states=16", "pcmo-states-16", func(p *device.Params) bool { return p.States == 16 }},
		{"nl=3", "pcmo-nl-3", func(p *device.Params) bool { return p.NLLTP == 3 && p.NLLTD == -3 }},
		{"c2c=0.10", "pcmo-c2c-0.1", func(p *device.Params) bool { return p.C2C == 0.1 }},
		{"d2d=0.2", "pcmo-d2d-0.2", func(p *device.Params) bool { return p.D2DNL == 0.2 && p.D2DG == 0.2 }},
		{"stuck=0.1", "pcmo-stuck-0.1", func(p *device.Params) bool { return p.StuckMin == 0.05 && p.StuckMax == 0.05 }},
		{"read_noise=5e-2", "pcmo-read_noise-0.05", func(p *device.Params) bool { return p.ReadNoise == 0.05 }},
	} {
		items, _, err := CompareItems("pcmo", tc.sweep)
		require.NoError(t, err, tc.sweep)
		require.Len(t, items, 1)
		assert.Equal(t, tc.label, items[0].Label)
		assert.True(t, tc.check(items[0].DeviceParams), tc.sweep)
		base, err := device.Preset("pcmo")
		require.NoError(t, err)
		assert.Equal(t, base.Gmax, items[0].DeviceParams.Gmax, "other parameters are the preset's")
	}
}

func TestCompareSet(t *testing.T) {
	items, _, err := CompareItems("pcmo", "states=16,32", "c2c=0", "read_noise=0.01")
	require.NoError(t, err)
	require.Len(t, items, 2)
	for _, it := range items {
		assert.Zero(t, it.DeviceParams.C2C, it.Label)
		assert.Equal(t, 0.01, it.DeviceParams.ReadNoise, it.Label)
	}
	assert.Equal(t, 32, items[1].DeviceParams.States)
	base, err := device.Preset("pcmo")
	require.NoError(t, err)
	assert.NotZero(t, base.C2C, "the preset itself is untouched")

	for _, tc := range []struct{ devices, set, want string }{
		{"float", "c2c=0", "not to the float rule"},
		{"pcmo", "colour=3", "param one of"},
		{"pcmo", "c2c=x", "not a finite number"},
		{"pcmo", "c2c", "param=v"},
		{"pcmo", "states=1.5", "integer"},
		{"pcmo", "c2c=-1", "pcmo"},
	} {
		_, _, err := CompareItems(tc.devices, "", tc.set)
		require.Error(t, err, tc.set)
		assert.Contains(t, err.Error(), tc.want, tc.set)
	}
}
