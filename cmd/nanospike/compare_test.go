package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nanospike/nanospike/experiment"
)

// tinyArgs are training settings small enough for unit tests.
var tinyArgs = []string{"--neurons", "10", "--train-samples", "40", "--test-samples", "40", "--label-samples", "40"}

var threeDevices = "ideal,si-nc-phototransistor,pcmo"

func compareArgs(out string, extra ...string) []string {
	return append(append([]string{"compare", "--out", out}, tinyArgs...), extra...)
}

// readCSVTable reads compare.csv without the wall-clock columns.
func readCSVTable(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	require.NotEmpty(t, rows)
	var keep []int
	for j, h := range rows[0] {
		if !slices.Contains(experiment.WallColumns, h) {
			keep = append(keep, j)
		}
	}
	require.Len(t, keep, len(rows[0])-len(experiment.WallColumns), "every wall-clock column is in the header")
	out := make([][]string, len(rows))
	for i, r := range rows {
		for _, j := range keep {
			out[i] = append(out[i], r[j])
		}
	}
	return out
}

func readCompare(t *testing.T, dir string) experiment.Comparison {
	t.Helper()
	var cf experiment.Comparison
	require.NoError(t, experiment.ReadJSON(filepath.Join(dir, experiment.CompareJSON), &cf))
	return cf
}

func TestCompareWritesTablesAndSkipsFinished(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := runCLI(t, compareArgs(out, "--devices", threeDevices, "--jobs", "2")...)
	require.Equal(t, 0, code, stderr)
	for _, f := range []string{experiment.CompareCSV, experiment.CompareJSON, experiment.CompareMD, "accuracy.png", "accuracy.svg", "accuracy-vs-energy.png", "accuracy-vs-energy.svg",
		experiment.SummaryCSV, "ideal-s1/metrics.json", "si-nc-phototransistor-s2/metrics.json", "pcmo-s3/model.gob"} {
		assert.FileExists(t, filepath.Join(out, f))
	}
	for _, d := range strings.Split(threeDevices, ",") {
		for _, s := range []string{"1", "2", "3"} {
			assert.Contains(t, stderr, "["+d+"-s"+s+"] done in", "a progress line per run")
		}
		assert.Contains(t, stdout, d)
	}
	cf := readCompare(t, out)
	require.Len(t, cf.Rows, 9, "three devices × three seeds (the default)")
	assert.Equal(t, []uint64{1, 2, 3}, cf.Seeds)
	assert.Equal(t, []string{"ideal", "si-nc-phototransistor", "pcmo"}, cf.Groups)
	assert.Equal(t, []string{"ideal-s1", "ideal-s2", "ideal-s3", "si-nc-phototransistor-s1", "si-nc-phototransistor-s2", "si-nc-phototransistor-s3",
		"pcmo-s1", "pcmo-s2", "pcmo-s3"}, cf.Items)
	for i, r := range cf.Rows {
		ideal := cf.Rows[i%3]
		assert.Equal(t, i, r.Index)
		assert.Equal(t, cf.Items[i], r.Label)
		assert.Equal(t, uint64(i%3+1), r.Seed)
		assert.Equal(t, ideal.Seed, r.Seed)
		assert.Equal(t, 40, r.TestImages)
		assert.Greater(t, r.EnergyPerInference, 0.0)
		assert.Greater(t, r.SOPsPerInference, 0.0)
		require.NotNil(t, r.AccuracyLoss, "ideal is in the set")
		assert.InDelta(t, ideal.Accuracy-r.Accuracy, *r.AccuracyLoss, 1e-12, "paired with the ideal run of the same seed")
		require.NotNil(t, r.TestWinners, "STDP rows carry the collapse diagnosis")
		var m experiment.Metrics
		require.NoError(t, experiment.ReadJSON(filepath.Join(out, r.Label, experiment.MetricsFile), &m))
		assert.Equal(t, m.Accuracy, r.Accuracy)
		var cfg experiment.RunConfig
		require.NoError(t, experiment.ReadJSON(filepath.Join(out, r.Label, experiment.ConfigFile), &cfg))
		assert.Equal(t, 1, cfg.Options.Workers, "one evaluation worker per run")
	}
	assert.Equal(t, 65536, cf.Rows[0].States)
	assert.Equal(t, 50, cf.Rows[8].States)
	assert.InDelta(t, 3.68, cf.Rows[8].NLLTP, 1e-12)
	// The summary: one line per device over its three seeds.
	require.Len(t, cf.Summary, 3)
	for i, s := range cf.Summary {
		assert.Equal(t, cf.Groups[i], s.Group)
		assert.Equal(t, 3, s.Accuracy.N)
		acc := []float64{cf.Rows[3*i].Accuracy, cf.Rows[3*i+1].Accuracy, cf.Rows[3*i+2].Accuracy}
		assert.Equal(t, experiment.Describe(acc), s.Accuracy)
		if i == 0 {
			assert.Equal(t, experiment.VerdictReference, s.Verdict)
			continue
		}
		require.NotNil(t, s.VsRef)
		assert.InDelta(t, (acc[0]+acc[1]+acc[2]-cf.Rows[0].Accuracy-cf.Rows[1].Accuracy-cf.Rows[2].Accuracy)/3, s.VsRef.Mean, 1e-12)
	}
	assert.Len(t, cf.Ranking, 2, "neighbours by mean")
	md, err := os.ReadFile(filepath.Join(out, experiment.CompareMD))
	require.NoError(t, err)
	assert.Contains(t, string(md), "| device | accuracy (%), mean ± sd | 95 % CI | Δ vs ideal (pp, paired) | 95 % CI | vs ideal |")
	assert.Equal(t, 10, strings.Count(string(md), "\n| "), "two tables (accuracy, energy), each a header, its rule and three rows")
	assert.Contains(t, string(md), "| device | per inference | device: cells + word lines |")
	for _, f := range []string{"energy-inference.png", "energy-inference.svg", "energy-training.png", "energy-training.svg"} {
		assert.FileExists(t, filepath.Join(out, f))
	}
	assert.Contains(t, string(md), "programming nominal", "the table names the programming scheme")
	assert.Contains(t, string(md), "seeds 1–3")
	table := readCSVTable(t, filepath.Join(out, experiment.CompareCSV))
	require.Len(t, table, 10)
	sum, err := os.ReadFile(filepath.Join(out, experiment.SummaryCSV))
	require.NoError(t, err)
	assert.Equal(t, 4, strings.Count(string(sum), "\n"), "a header and three devices")

	// A second run finds every device finished and trains nothing.
	before, err := os.ReadFile(filepath.Join(out, "pcmo-s2", experiment.MetricsFile))
	require.NoError(t, err)
	code, _, stderr = runCLI(t, compareArgs(out, "--devices", threeDevices)...)
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, 9, strings.Count(stderr, "already finished"), stderr)
	assert.NotContains(t, stderr, "train 40/40")
	after, err := os.ReadFile(filepath.Join(out, "pcmo-s2", experiment.MetricsFile))
	require.NoError(t, err)
	assert.Equal(t, before, after)
	assert.Equal(t, table, readCSVTable(t, filepath.Join(out, experiment.CompareCSV)))

	// Other settings in the same folder are refused rather than mixed in.
	code, _, stderr = runCLI(t, append(compareArgs(out, "--devices", "pcmo"), "--epochs", "2")...)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "other settings")
}

// cancelOn is a stderr that cancels a context when a line containing
// marker is written.
type cancelOn struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	marker string
	cancel context.CancelFunc
}

func (c *cancelOn) Write(b []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if bytes.Contains(b, []byte(c.marker)) {
		c.cancel()
	}
	return c.buf.Write(b)
}

func TestCompareResumesInterruptedRun(t *testing.T) {
	ref := t.TempDir()
	code, _, stderr := runCLI(t, compareArgs(ref, "--devices", "si-nc-phototransistor", "--seeds", "1", "--checkpoint-every", "10")...)
	require.Equal(t, 0, code, stderr)

	// Interrupt a second run half-way through training (as Ctrl-C would).
	out := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w := &cancelOn{marker: "train 20/40", cancel: cancel}
	code = run(ctx, &env{stdout: &bytes.Buffer{}, stderr: w}, compareArgs(out, "--devices", "si-nc-phototransistor", "--seeds", "1", "--checkpoint-every", "10"))
	require.Equal(t, 1, code, w.buf.String())
	assert.Contains(t, w.buf.String(), "interrupted")
	assert.FileExists(t, filepath.Join(out, "si-nc-phototransistor-s1", experiment.CheckpointFile))
	assert.NoFileExists(t, filepath.Join(out, "si-nc-phototransistor-s1", experiment.MetricsFile))

	code, _, stderr = runCLI(t, compareArgs(out, "--devices", "si-nc-phototransistor", "--seeds", "1", "--checkpoint-every", "10")...)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stderr, "resumed and done")
	assert.Equal(t, readCSVTable(t, filepath.Join(ref, experiment.CompareCSV)), readCSVTable(t, filepath.Join(out, experiment.CompareCSV)),
		"the resumed run ends where the uninterrupted one does")
}

// TestCompareBackprop: compare trains whatever rule experiment.Train knows, backprop too.
func TestCompareBackprop(t *testing.T) {
	out := t.TempDir()
	code, _, stderr := runCLI(t, compareArgs(out, "--rule", "backprop", "--devices", "ideal,pcmo", "--seeds", "1", "--hidden", "20", "--steps", "10")...)
	require.Equal(t, 0, code, stderr)
	cf := readCompare(t, out)
	require.Len(t, cf.Rows, 2)
	for _, r := range cf.Rows {
		assert.Equal(t, "backprop", r.Rule)
		assert.Greater(t, r.EnergyPerInference, 0.0)
		if r.Device == "pcmo" { // programming pulses cost energy (not on ideal)
			assert.Greater(t, r.EnergyPerTrainImage, r.EnergyPerInference)
		}
	}
	// Its energy is recomputed from the stored counters.
	rep := energyJSON(t, "--model", filepath.Join(out, "pcmo-s1"), "--e-neuron", "0")
	assert.Equal(t, "raw counts", rep.Source)
	assert.Zero(t, rep.Inference.Neurons)
	assert.Equal(t, 7+1, rep.Inference.Tiles, "784 × 20 pairs (40 columns) on 7 tiles, 20 × 10 pairs on one")
	for _, r := range cf.Rows {
		if r.Device == "pcmo" {
			var m experiment.Metrics
			require.NoError(t, experiment.ReadJSON(filepath.Join(out, "pcmo-s1", experiment.MetricsFile), &m))
			assert.InDelta(t, m.EnergyPerInference, r.EnergyPerInference, 1e-12*m.EnergyPerInference)
			assert.Greater(t, r.CellsPerInference, 0.0)
			assert.Greater(t, r.ProgramCells, 0.0)
		}
	}
	// Rerunning skips both; the STDP options do not matter to a backprop run.
	code, _, stderr = runCLI(t, compareArgs(out, "--rule", "backprop", "--devices", "ideal,pcmo", "--seeds", "1", "--hidden", "20", "--steps", "10")...)
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, 2, strings.Count(stderr, "already finished"))
}

func TestCompareUsageErrors(t *testing.T) {
	out := t.TempDir()
	for _, extra := range [][]string{
		{"--shard", "2/2"}, {"--shard", "-1/2"}, {"--shard", "1/0"}, {"--shard", "x"}, {"--shard", "1"},
		{"--devices", "ideal,pcmo", "--sweep", "states=8,16"},
		{"--devices", "ideal", "--sweep", "colour=1,2"},
		{"--devices", "ideal", "--sweep", "states=8,abc"},
		{"--devices", "ideal", "--sweep", "states=8.5"},
		{"--devices", "ideal", "--sweep", "states=1"},
		{"--devices", "ideal", "--sweep", "c2c=-0.1"},
		{"--devices", "ideal", "--sweep", "stuck=3"},
		{"--devices", "ideal", "--sweep", "c2c=0.1,0.1"},
		{"--devices", "ideal", "--sweep", "states"},
		{"--devices", "float", "--sweep", "states=8"},
		{"--devices", "no-such-device"},
		{"--devices", "pcmo,pcmo"},
		{"--devices", ","},
		{"--jobs", "-1"},
		{"--seeds", "0"}, {"--seeds", "-1"}, {"--seeds", "x"}, {"--seeds", "100000"},
		{"--uncertainty", "-1"}, {"--uncertainty", "1000"}, {"--devices", "ideal", "--sweep", "states=8,16", "--uncertainty", "2"},
		{"--device", "pcmo"}, // compare has --devices
		{"--epochs", "0"},
		{"--rule", "hebb"},
	} {
		code, _, stderr := runCLI(t, compareArgs(out, extra...)...)
		assert.Equal(t, 2, code, "args %q: %s", extra, stderr)
	}
	entries, err := os.ReadDir(out)
	require.NoError(t, err)
	assert.Empty(t, entries, "a usage error trains nothing")
	for _, args := range [][]string{{"merge"}, {"merge", "--out", out}, {"merge", "--bogus"}} {
		code, _, _ := runCLI(t, args...)
		assert.Equal(t, 2, code, "args %q", args)
	}
	code, _, stderr := runCLI(t, "compare", "--help")
	assert.Equal(t, 0, code)
	assert.Contains(t, stderr, "--sweep")
	assert.Contains(t, stderr, "-train-samples")
	assert.NotContains(t, stderr, "-workers", "each run evaluates on one core")
}

func TestCompareDefaultWorkload(t *testing.T) {
	for _, c := range []struct {
		args                 []string
		wantTrain, wantLabel int
	}{
		{nil, experiment.CompareSTDPTrain, experiment.CompareSTDPLabel},
		{[]string{"--train-samples", "500"}, 500, experiment.CompareSTDPLabel},
		{[]string{"--label-samples", "0"}, experiment.CompareSTDPTrain, 0},
		{[]string{"--rule", "backprop"}, 0, 0},
	} {
		fs := flag.NewFlagSet("compare", flag.ContinueOnError)
		var o experiment.Options
		registerTrainFlags(fs, &o)
		require.NoError(t, fs.Parse(c.args))
		applyCompareDefaults(fs, nil, &o)
		assert.Equal(t, c.wantTrain, o.TrainSamples, c.args)
		assert.Equal(t, c.wantLabel, o.LabelSamples, c.args)
	}
}
