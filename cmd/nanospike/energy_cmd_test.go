package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nanospike/nanospike/energy"
)

// trainTiny trains the given devices with compare's tiny settings and
// returns the output folder.
func trainTiny(t *testing.T, devices string) string {
	t.Helper()
	out := t.TempDir()
	code, _, stderr := runCLI(t, compareArgs(out, "--devices", devices, "--seeds", "1")...)
	require.Equal(t, 0, code, stderr)
	return out
}

func energyJSON(t *testing.T, args ...string) energyReport {
	t.Helper()
	code, stdout, stderr := runCLI(t, append([]string{"energy", "--json"}, args...)...)
	require.Equal(t, 0, code, stderr)
	var r energyReport
	require.NoError(t, json.Unmarshal([]byte(stdout), &r))
	return r
}

func TestEnergyCommand(t *testing.T) {
	out := trainTiny(t, "float,si-nc-phototransistor")
	dev := filepath.Join(out, "si-nc-phototransistor-s1")

	code, stdout, stderr := runCLI(t, "energy", "--model", dev)
	require.Equal(t, 0, code, stderr)
	for _, s := range []string{"per inference", "per training image", "input→exc", "read", "potentiation", "exc→inh", "digital-sop",
		"neuron updates", "TrueNorth", "Loihi", "total"} {
		assert.Contains(t, stdout, s)
	}
	inferencePart, _, _ := strings.Cut(stdout, "per training image")
	assert.NotContains(t, inferencePart, "potentiation", "no programming in an inference")

	var m metrics
	require.NoError(t, readJSON(filepath.Join(dev, metricsFile), &m))
	r := energyJSON(t, "--model", dev)
	assert.False(t, r.Overridden)
	assert.Equal(t, energy.DefaultConfig(), r.Constants)
	assert.Equal(t, m.Accuracy, r.Accuracy)
	// The device reads of an inference are the network's reads of the test pass.
	require.NotEmpty(t, r.Inference.Items)
	assert.Equal(t, "read", r.Inference.Items[0].Component)
	assert.InDelta(t, float64(m.Counts.Test.DeviceReads)/float64(m.Counts.TestImages), r.Inference.Items[0].Count, 1e-6)
	assert.InDelta(t, r.Inference.SOPs*energy.TrueNorthSOP, r.Inference.TrueNorth, 1e-18)
	sum := r.Inference.Read + r.Inference.Digital + r.Inference.Neuron + r.Inference.Spike
	assert.InDelta(t, sum, r.Inference.Inference, 1e-15)
	// Training, whose device counters are the array's own, is as stored.
	assert.InDelta(t, m.Training.Training, r.Training.Training, 1e-12*m.Training.Training)
	assert.Greater(t, r.Training.Program, 0.0)

	// Other constants: neuron energy scales, device energy does not.
	r2 := energyJSON(t, "--model", dev, "--e-neuron", "9.2e-12", "--e-spike", "0", "--e-digital-sop", "0.9e-12")
	assert.True(t, r2.Overridden)
	assert.Contains(t, r2.Source, "raw counts")
	assert.InDelta(t, 2*r.Inference.Neuron, r2.Inference.Neuron, 1e-9*r.Inference.Neuron)
	assert.Zero(t, r2.Inference.Spike)
	assert.Equal(t, r.Inference.Read, r2.Inference.Read)
	assert.Equal(t, r.Training.Program, r2.Training.Program)

	// The float rule: recomputing from raw counts with the run's constants
	// gives back metrics.json, and costing the stored items anew (the path
	// for runs without raw counts) agrees with recomputing from the counts.
	fl := filepath.Join(out, "float-s1")
	var fm metrics
	require.NoError(t, readJSON(filepath.Join(fl, metricsFile), &fm))
	rf := energyJSON(t, "--model", fl)
	assert.InDelta(t, fm.Inference.Inference, rf.Inference.Inference, 1e-12*fm.Inference.Inference)
	assert.Equal(t, "raw counts", rf.Source)
	c := energy.Config{NeuronUpdate: 1e-12, Spike: 2e-12, DigitalSOP: 3e-12}
	rf2 := energyJSON(t, "--model", fl, "--e-neuron", "1e-12", "--e-spike", "2e-12", "--e-digital-sop", "3e-12")
	items := recostItems(c, fm.Inference)
	assert.InDelta(t, rf2.Inference.Inference, items.Inference, 1e-9*items.Inference)
	assert.InDelta(t, rf2.Inference.Digital, items.Digital, 1e-9*items.Digital)
	trItems := recostItems(c, fm.Training)
	assert.InDelta(t, rf2.Training.Training, trItems.Training, 1e-9*trItems.Training)
}

// TestEnergyWithoutCounts: a run whose metrics.json has no raw counts (a
// backprop run) is recosted from its breakdown items.
func TestEnergyWithoutCounts(t *testing.T) {
	out := trainTiny(t, "pcmo")
	dir := filepath.Join(out, "pcmo-s1")
	var m metrics
	require.NoError(t, readJSON(filepath.Join(dir, metricsFile), &m))
	m.Counts = runCounts{}
	m.Rule = "backprop"
	require.NoError(t, writeJSON(filepath.Join(dir, metricsFile), m))

	r := energyJSON(t, "--model", dir)
	assert.Equal(t, "metrics.json", r.Source)
	assert.Equal(t, m.Inference.Inference, r.Inference.Inference)
	r2 := energyJSON(t, "--model", dir, "--e-neuron", "0", "--e-spike", "0", "--e-digital-sop", "0")
	assert.Equal(t, "breakdown items", r2.Source)
	assert.Equal(t, r2.Inference.Read, r2.Inference.Inference, "only the device reads are left")
	assert.InDelta(t, m.Training.Program, r2.Training.Program, 1e-12*m.Training.Program)
	assert.InDelta(t, m.Training.Read+m.Training.Program, r2.Training.Training, 1e-12*m.Training.Training)
}

func TestRecostItems(t *testing.T) {
	b := energy.Breakdown{Items: []energy.Item{
		{Name: "a", Component: "read", Count: 10, Joules: 5},
		{Name: "a", Component: "potentiation", Count: 2, Joules: 7},
		{Name: "b", Component: "digital-sop", Count: 3, Joules: 0},
		{Name: "n", Component: "neuron", Count: 4, Joules: 0},
		{Name: "n", Component: "spike", Count: 5, Joules: 0},
	}, SOPs: 13}
	r := recostItems(energy.Config{NeuronUpdate: 1, Spike: 10, DigitalSOP: 100}, b)
	assert.Equal(t, 5.0, r.Read)
	assert.Equal(t, 7.0, r.Program)
	assert.Equal(t, 300.0, r.Digital)
	assert.Equal(t, 4.0, r.Neuron)
	assert.Equal(t, 50.0, r.Spike)
	assert.Equal(t, 359.0, r.Inference)
	assert.Equal(t, 366.0, r.Training)
	assert.Equal(t, 0.0, b.Items[2].Joules, "the input is not modified")
}

func TestEnergyUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"energy"}, {"energy", "extra"}, {"energy", "--bogus"},
		{"energy", "--model", "x", "--e-neuron", "-1"}, {"energy", "--model", "x", "--e-spike", "abc"},
	} {
		code, _, stderr := runCLI(t, args...)
		assert.Equal(t, 2, code, "args %q: %s", args, stderr)
	}
	code, _, stderr := runCLI(t, "energy", "--model", filepath.Join(t.TempDir(), "none"))
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "config.json")
}
