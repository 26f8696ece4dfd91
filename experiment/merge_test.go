package experiment

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSameResultIgnoresWallClock(t *testing.T) {
	a := Row{Label: "x", Accuracy: 0.5, EnergyPerInference: 1e-9, TrainSeconds: 3, TestImagesPerS: 100}
	b := a
	b.TrainSeconds, b.TestSeconds, b.TrainImagesPerS, b.TestImagesPerS = 9, 9, 9, 9
	assert.True(t, sameResult(a, b))
	b.Accuracy = 0.51
	assert.False(t, sameResult(a, b))
	b = a
	b.SOPsPerInference = 1
	assert.False(t, sameResult(a, b))
}

func TestSameComparison(t *testing.T) {
	a := Comparison{Rule: "stdp", Options: Options{Rule: "stdp", Neurons: 10, Seed: 1}, Items: []string{"a", "b"}, Shard: "0/2"}
	b := a
	b.Shard = "1/2"
	assert.NoError(t, sameComparison(&a, &b), "shards of one comparison")
	for _, change := range []func(c *Comparison){
		func(c *Comparison) { c.Rule = "backprop" },
		func(c *Comparison) { c.Options.Seed = 2 },
		func(c *Comparison) { c.Items = []string{"a"} },
		func(c *Comparison) { c.Sweep, c.Preset = "c2c", "pcmo" },
	} {
		c := a
		change(&c)
		assert.Error(t, sameComparison(&a, &c))
	}
}

func TestCopyRunDir(t *testing.T) {
	root := t.TempDir()
	src := filepath.Join(root, "src", "run")
	require.NoError(t, os.MkdirAll(src, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(src, MetricsFile), []byte(`{"accuracy":0.5}`), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(src, ModelFile), []byte("model"), 0o644))
	dst := filepath.Join(root, "dst", "run")
	require.NoError(t, copyRunDir(src, dst))
	b, err := os.ReadFile(filepath.Join(dst, ModelFile))
	require.NoError(t, err)
	assert.Equal(t, "model", string(b))
	require.NoError(t, copyRunDir(src, dst), "the same run again")
	require.NoError(t, copyRunDir(src, src), "a folder onto itself")
	require.NoError(t, os.WriteFile(filepath.Join(dst, MetricsFile), []byte(`{"accuracy":0.6}`), 0o644))
	assert.ErrorContains(t, copyRunDir(src, dst), "another run")
}
