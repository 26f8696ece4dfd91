package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nanospike/nanospike/energy"
	"github.com/nanospike/nanospike/experiment"
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
	for _, s := range []string{"per inference", "per training image", "input→exc", "device cells", "word lines", "periphery",
		"neuron circuits", "leakage", "programming: cells", "programming: light", "decided by the device", "per cycle",
		"exc→inh", "TrueNorth", "Loihi", "total", "128×128"} {
		assert.Contains(t, stdout, s)
	}
	inferencePart, _, _ := strings.Cut(stdout, "per training image")
	assert.NotContains(t, inferencePart, "programming", "no programming in an inference")

	var m experiment.Metrics
	require.NoError(t, experiment.ReadJSON(filepath.Join(dev, experiment.MetricsFile), &m))
	r := energyJSON(t, "--model", dev)
	assert.False(t, r.Overridden)
	assert.Equal(t, energy.DefaultConfig(), r.Constants)
	assert.Equal(t, m.Accuracy, r.Accuracy)
	assert.Equal(t, "raw counts", r.Source)
	// Recomputing with the run's constants gives back metrics.json.
	assert.InDelta(t, m.Inference.Inference, r.Inference.Inference, 1e-12*m.Inference.Inference)
	assert.InDelta(t, m.Training.Training, r.Training.Training, 1e-12*m.Training.Training)
	// The device reads of an inference are the network's reads of the test pass.
	require.NotEmpty(t, r.Inference.Items)
	assert.Equal(t, "cells", r.Inference.Items[0].Component)
	assert.InDelta(t, float64(m.Counts.Test.DeviceReads)/float64(m.Counts.TestImages), r.Inference.Items[0].Count, 1e-6)
	assert.InDelta(t, r.Inference.SOPs*energy.TrueNorthSOP, r.Inference.TrueNorth, 1e-18)
	in := r.Inference
	assert.InDelta(t, in.Cells+in.Wires+in.Periphery+in.Neurons+in.Routing+in.Digital+in.Leakage, in.Inference, 1e-12*in.Inference)
	assert.Equal(t, 7, in.Tiles, "784 × 100 devices on 128 × 128 tiles")
	assert.Greater(t, in.Wires, 0.0)
	assert.Greater(t, in.Leakage, 0.0)
	assert.Greater(t, in.DeviceShare, 0.0)
	assert.Less(t, in.DeviceShare, 1.0)
	// The phototransistor is depressed by light (Yin 2019): light energy in training.
	assert.Greater(t, r.Training.ProgramLight, 0.0)
	assert.Greater(t, r.Training.ProgramCells, 0.0)

	// Other constants: the digital neurons scale, the device's part does not.
	r2 := energyJSON(t, "--model", dev, "--e-neuron", "9.2e-12", "--e-spike", "0", "--e-digital-sop", "0.9e-12")
	assert.True(t, r2.Overridden)
	assert.InDelta(t, 2*r.Inference.Neurons, r2.Inference.Neurons, 1e-9*r.Inference.Neurons)
	assert.Zero(t, r2.Inference.Routing)
	assert.Equal(t, r.Inference.Cells, r2.Inference.Cells)
	assert.Equal(t, r.Training.Program, r2.Training.Program)

	// The IF neuron circuit, larger tiles, real-time steps, a config file.
	ri := energyJSON(t, "--model", dev, "--neuron-circuit", "if", "--tile", "256x256", "--step-time", "5e-4")
	assert.Equal(t, energy.NeuronIF, ri.Constants.NeuronCircuit)
	assert.Equal(t, 4, ri.Inference.Tiles)
	assert.Equal(t, 5e-4, ri.Inference.StepTime)
	assert.Greater(t, ri.Inference.Leakage, 10*r.Inference.Leakage, "real time (500 µs steps, not 16 µs) leaks far longer")
	file := filepath.Join(t.TempDir(), "energy.json")
	require.NoError(t, os.WriteFile(file, []byte(`{"neuron_circuit": "if", "crossbar": {"tile_rows": 256, "tile_cols": 256}}`), 0o644))
	rf := energyJSON(t, "--model", dev, "--energy-config", file)
	assert.Equal(t, 4, rf.Inference.Tiles)
	assert.Equal(t, energy.NeuronIF, rf.Constants.NeuronCircuit)

	// The float rule: no devices, digital synapses.
	fl := filepath.Join(out, "float-s1")
	var fm experiment.Metrics
	require.NoError(t, experiment.ReadJSON(filepath.Join(fl, experiment.MetricsFile), &fm))
	rfl := energyJSON(t, "--model", fl)
	assert.InDelta(t, fm.Inference.Inference, rfl.Inference.Inference, 1e-12*fm.Inference.Inference)
	assert.Zero(t, rfl.Inference.Cells)
	assert.Zero(t, rfl.Inference.Tiles)
	assert.Greater(t, rfl.Inference.Digital, 0.0)
}

// TestEnergyWithoutCounts: a run whose metrics.json has no raw counts (made before they were
// stored) is an error that says so.
func TestEnergyWithoutCounts(t *testing.T) {
	out := trainTiny(t, "pcmo")
	dir := filepath.Join(out, "pcmo-s1")
	var m experiment.Metrics
	require.NoError(t, experiment.ReadJSON(filepath.Join(dir, experiment.MetricsFile), &m))
	m.Counts = experiment.RunCounts{}
	require.NoError(t, experiment.WriteJSON(filepath.Join(dir, experiment.MetricsFile), m))
	code, _, stderr := runCLI(t, "energy", "--model", dir)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "no raw event counts")
}

func TestEnergyUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"energy"}, {"energy", "extra"}, {"energy", "--bogus"},
		{"energy", "--model", "x", "--e-neuron", "-1"}, {"energy", "--model", "x", "--e-spike", "abc"},
	} {
		code, _, stderr := runCLI(t, args...)
		assert.Equal(t, 2, code, "args %q: %s", args, stderr)
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"crossbar": {"tile_rows": 128, "tile_depth": 3}}`), 0o644))
	neg := filepath.Join(dir, "neg.json")
	require.NoError(t, os.WriteFile(neg, []byte(`{"crossbar": {"wire_cap_f_per_m": -2e-10}}`), 0o644))
	for want, args := range map[string][]string{
		"tile":              {"--tile", "0x128"},
		"--tile":            {"--tile", "big"},
		"step_time_s":       {"--step-time", "-1"},
		"neuron_circuit":    {"--neuron-circuit", "hodgkin-huxley"},
		"tile_depth":        {"--energy-config", bad},
		"wire_cap_f_per_m":  {"--energy-config", neg},
		"periphery.e_dff_j": {"--energy-config", writeTemp(t, `{"periphery": {"e_dff_j": -1}}`)},
	} {
		code, _, stderr := runCLI(t, append([]string{"energy", "--model", "x"}, args...)...)
		assert.Equal(t, 2, code, "args %q: %s", args, stderr)
		assert.Contains(t, stderr, want, "args %q", args)
	}
	code, _, stderr := runCLI(t, "energy", "--model", filepath.Join(t.TempDir(), "none"))
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "config.json")
}

// writeTemp writes content to a new temporary file and returns its path.
func writeTemp(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "f.json")
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	return p
}

// TestEnergyConfigInTrainAndCompare: --energy-config sets a run's constants (train) or costs a
// whole comparison anew (compare, finished runs included); a bad file is a usage error.
func TestEnergyConfigInTrainAndCompare(t *testing.T) {
	out := trainTiny(t, "pcmo")
	cf := readCompare(t, out)
	file := writeTemp(t, `{"neuron_circuit": "if", "crossbar": {"tile_rows": 64, "tile_cols": 64}}`)
	code, _, stderr := runCLI(t, compareArgs(out, "--devices", "pcmo", "--seeds", "1", "--energy-config", file)...)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stderr, "already finished")
	cf2 := readCompare(t, out)
	require.NotNil(t, cf2.Energy)
	assert.Equal(t, 64, cf2.Energy.Crossbar.Rows)
	assert.Equal(t, cf.Rows[0].Accuracy, cf2.Rows[0].Accuracy)
	assert.NotEqual(t, cf.Rows[0].EnergyPerInference, cf2.Rows[0].EnergyPerInference, "costed with 64 × 64 tiles and IF neurons")

	dir := filepath.Join(t.TempDir(), "run")
	code, _, stderr = runCLI(t, append([]string{"train", "--out", dir, "--energy-config", file}, tinyArgs...)...)
	require.Equal(t, 0, code, stderr)
	var rc experiment.RunConfig
	require.NoError(t, experiment.ReadJSON(filepath.Join(dir, experiment.ConfigFile), &rc))
	assert.Equal(t, energy.NeuronIF, rc.Energy.NeuronCircuit)
	r := energyJSON(t, "--model", dir)
	assert.Equal(t, 13, r.Inference.Tiles, "784 × 10 devices on 13 tiles of 64 × 64")

	bad := writeTemp(t, `{"crossbar": {"tile_rows": 0}}`)
	for _, args := range [][]string{
		{"train", "--out", t.TempDir(), "--energy-config", bad},
		append(compareArgs(t.TempDir(), "--devices", "pcmo", "--seeds", "1"), "--energy-config", bad),
		{"train", "--resume", dir, "--energy-config", file},
	} {
		code, _, stderr := runCLI(t, args...)
		assert.Equal(t, 2, code, "args %q: %s", args, stderr)
		assert.Contains(t, stderr, "energy-config")
	}
}
