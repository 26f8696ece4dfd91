package main

import (
	"path/filepath"
	"testing"

	"github.com/nanospike/nanospike/experiment"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTrainBackprop trains a tiny backprop network in-situ on a device,
// re-evaluates the saved model and checks the usage errors of its flags.
func TestTrainBackprop(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "bp")
	code, out, errOut := runCLI(t, "train", "--rule", "backprop", "--device", "epiram", "--hidden", "32",
		"--steps", "10", "--train-samples", "256", "--test-samples", "200", "--out", dir)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "rule backprop, device epiram")
	var m experiment.Metrics
	require.NoError(t, experiment.ReadJSON(filepath.Join(dir, "metrics.json"), &m))
	assert.Equal(t, 200, m.TestImages)
	assert.Greater(t, m.PulsesPerTrainImage, 0.0, "in-situ training programs the devices")
	assert.Greater(t, m.EnergyPerInference, 0.0)

	code, out, errOut = runCLI(t, "eval", "--model", dir)
	require.Equal(t, 0, code, errOut)
	var ev experiment.Metrics
	require.NoError(t, experiment.ReadJSON(filepath.Join(dir, "eval.json"), &ev))
	assert.Equal(t, m.Accuracy, ev.Accuracy, "same model, same test images, same seed")
	assert.Contains(t, out, "test accuracy")

	for _, args := range [][]string{
		{"--hidden", "0"}, {"--hidden", "x"}, {"--device", "float", "--mode", "insitu"}, {"--mode", "sideways"},
	} {
		a := append([]string{"train", "--rule", "backprop", "--train-samples", "10", "--out", filepath.Join(t.TempDir(), "x")}, args...)
		code, _, _ := runCLI(t, a...)
		assert.Equal(t, 2, code, "args %q", args)
	}
}
