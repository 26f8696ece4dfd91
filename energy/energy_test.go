package energy

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nanospike/nanospike/device"
)

func TestCompute(t *testing.T) {
	// dev's measured event energy is a programming event's (device doc, Energy): its reads cost
	// V_read²·G·t_read like any device's, here 0 (no V_read).
	dev := &device.Params{Name: "t", Gmin: 1e-9, Gmax: 1e-8, States: 10, EEvent: 1e-13, EPot: 2e-12, EDep: 3e-12}
	ohm := &device.Params{Name: "o", Gmin: 1e-9, Gmax: 1e-8, States: 10, VRead: 0.5, TRead: 1e-6}
	cfg := DefaultConfig()
	require.NoError(t, cfg.Validate())
	paths := []Pathway{
		{Name: "in→exc", SOPs: 1000, Device: dev, Counter: device.Counters{Reads: 1000, PotPulses: 10, DepPulses: 20}},
		{Name: "ohmic", SOPs: 100, Device: ohm, Counter: device.Counters{Reads: 100, ReadGSum: 100 * 5e-9}},
		{Name: "inh→exc", SOPs: 500},
	}
	pops := []Population{{Name: "exc", Updates: 700, Spikes: 7}}
	b := Compute(cfg, paths, pops)
	ohmRead := 0.25 * 1e-6 * 100 * 5e-9
	assert.InEpsilon(t, ohmRead, b.Read, 1e-12)
	assert.InEpsilon(t, 500*0.9e-12, b.Digital, 1e-12)
	assert.InEpsilon(t, 700*4.6e-12, b.Neuron, 1e-12)
	assert.InEpsilon(t, 7*0.9e-12, b.Spike, 1e-12)
	assert.InEpsilon(t, 10*2e-12+20*3e-12, b.Program, 1e-12)
	assert.InEpsilon(t, b.Read+b.Digital+b.Neuron+b.Spike, b.Inference, 1e-12)
	assert.InEpsilon(t, b.Inference+b.Program, b.Training, 1e-12)
	assert.InEpsilon(t, 1600*TrueNorthSOP, b.TrueNorth, 1e-12)
	sum := 0.0
	for _, it := range b.Items {
		sum += it.Joules
	}
	assert.InEpsilon(t, b.Training, sum, 1e-12, "items add up to the total")
	p := b.Per(10)
	assert.InEpsilon(t, b.Inference/10, p.Inference, 1e-12)
	assert.InEpsilon(t, b.Items[0].Count/10, p.Items[0].Count, 1e-12)
}

func TestConfigValidate(t *testing.T) {
	for _, c := range []Config{{NeuronUpdate: -1}, {Spike: math.NaN()}, {DigitalSOP: math.Inf(1)}} {
		assert.Error(t, c.Validate())
	}
}
