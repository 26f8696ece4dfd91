package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nanospike/nanospike/device"
	"github.com/nanospike/nanospike/experiment"
)

// tinyBackprop is a backprop setting that trains in a fraction of a second.
var tinyBackprop = []string{"--rule", "backprop", "--hidden", "20", "--steps", "10", "--train-samples", "300", "--test-samples", "200", "--epochs", "1"}

func readTargets(t *testing.T, dir string) experiment.TargetsFile {
	t.Helper()
	var tf experiment.TargetsFile
	b, err := os.ReadFile(filepath.Join(dir, "targets.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &tf))
	return tf
}

// TestTargetsIdealMeetsEverything: a device already at the ideal values never needs a change.
func TestTargetsIdealMeetsEverything(t *testing.T) {
	out := t.TempDir()
	args := append([]string{"targets", "--device", "ideal", "--loss", "1", "--params", "states,c2c,nl_ltp", "--pairs", "states:c2c",
		"--seeds", "2", "--out", out}, tinyBackprop...)
	code, stdout, stderr := runCLI(t, args...)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "Design targets of ideal")
	for _, f := range []string{"targets.json", "targets.csv", "targets.md", "tornado.png", "tornado.svg", "heat-states-c2c.png", "heat-states-c2c.svg"} {
		assert.FileExists(t, filepath.Join(out, f))
	}
	tf := readTargets(t, out)
	require.Len(t, tf.Params, 3)
	require.Len(t, tf.Pairs, 1)
	assert.Len(t, tf.Ideal, 2)
	for _, p := range tf.Params {
		assert.NotEqual(t, experiment.VerdictNeeds, p.Verdict, "%s: the ideal device needs nothing", p.Param)
		assert.Contains(t, p.Target.Param, p.Param)
		assert.Equal(t, p.Own, p.Points[0].Value, "%s: the ideal device sits at the best end", p.Param)
	}
	// Rerunning skips every run and gives the same file.
	code, _, stderr = runCLI(t, args...)
	require.Equal(t, 0, code, stderr)
	assert.NotContains(t, stderr, "done in")
	again, err := os.ReadFile(filepath.Join(out, "targets.json"))
	require.NoError(t, err)
	var tf2 experiment.TargetsFile
	require.NoError(t, json.Unmarshal(again, &tf2))
	b1, _ := json.Marshal(tf.Params)
	b2, _ := json.Marshal(tf2.Params)
	assert.Equal(t, string(b1), string(b2))
}

// directionBackprop is a small backprop setting long enough (about 90 % test accuracy) for the
// devices' parameters to move the accuracy more than the seeds do.
var directionBackprop = []string{"--rule", "backprop", "--hidden", "20", "--steps", "10", "--train-samples", "3000", "--test-samples", "500", "--epochs", "1"}

// TestTargetsPhysicsDirection: a worse device parameter (fewer states, larger |NL|, larger
// C2C) loses more, and a stricter loss target never asks for a laxer threshold.
func TestTargetsPhysicsDirection(t *testing.T) {
	for _, c := range []struct {
		param  string
		set    func(p *device.Params)
		values string // best first
		want   []float64
		better experiment.Better
		log    bool
		own    float64
	}{
		{"states", func(p *device.Params) { p.States, p.Analog = 8, false }, "states=2,8,64,1024", []float64{1024, 64, 8, 2}, experiment.Higher, true, 8},
		{"nl_ltp", func(p *device.Params) { p.States, p.NLLTP = 64, 3 }, "nl_ltp=0,1,3,9", []float64{0, 1, 3, 9}, experiment.Lower, false, 3},
		{"c2c", func(p *device.Params) { p.States, p.C2C = 64, 0.1 }, "c2c=0,0.1,0.3,1", []float64{0, 0.1, 0.3, 1}, experiment.Lower, false, 0.1},
	} {
		t.Run(c.param, func(t *testing.T) {
			p, err := device.Preset("ideal")
			require.NoError(t, err)
			p.Ranges = nil
			c.set(p)
			file := filepath.Join(t.TempDir(), "dev.json")
			b, err := json.Marshal(p)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(file, b, 0o644))
			out := t.TempDir()
			code, _, stderr := runCLI(t, append([]string{"targets", "--device", file, "--loss", "2", "--params", c.param, "--pairs", "",
				"--seeds", "2", "--values", c.values, "--out", out}, directionBackprop...)...)
			require.Equal(t, 0, code, stderr)
			tf := readTargets(t, out)
			require.Len(t, tf.Params, 1)
			st := tf.Params[0]
			var vals []float64
			for _, pt := range st.Points {
				vals = append(vals, pt.Value)
			}
			assert.Equal(t, c.want, vals, "best first")
			first, last := experiment.Describe(st.Points[0].Loss).Mean, experiment.Describe(st.Points[len(st.Points)-1].Loss).Mean
			assert.Greater(t, last, first+2, "the worst value loses more than the best")
			assert.NotEqual(t, experiment.VerdictInsensitive, st.Verdict)
			// A stricter target never asks for a laxer threshold.
			loose, err := experiment.FindTarget(c.param, c.own, c.better, c.log, st.Points, 15)
			require.NoError(t, err)
			strict, err := experiment.FindTarget(c.param, c.own, c.better, c.log, st.Points, 5)
			require.NoError(t, err)
			t.Logf("points %+v; loose %+v; strict %+v", st.Points, loose, strict)
			require.False(t, math.IsNaN(strict.Threshold.Mean), "the 5 pp target is crossed within the sweep")
			if !math.IsNaN(loose.Threshold.Mean) {
				if c.better == experiment.Higher {
					assert.GreaterOrEqual(t, strict.Threshold.Mean, loose.Threshold.Mean)
				} else {
					assert.LessOrEqual(t, strict.Threshold.Mean, loose.Threshold.Mean)
				}
			}
		})
	}
}

func TestTargetsUsageErrors(t *testing.T) {
	out := t.TempDir()
	for want, extra := range map[string][]string{
		"--loss":      {"--device", "ideal", "--loss", "0"},
		"--loss ":     {"--device", "ideal", "--loss", "-1"},
		"colour":      {"--device", "ideal", "--params", "colour"},
		"--pairs":     {"--device", "ideal", "--pairs", "states:states"},
		"float":       {"--device", "float"},
		"--device":    {"--loss", "1"},
		"contain":     {"--device", "ideal", "--params", "states", "--values", "states=2,4"},
		"--values":    {"--device", "ideal", "--params", "c2c", "--values", "states=2,4,65536"},
		"nowhere":     {"--device", "nowhere"},
		"states must": {"--device", "ideal", "--params", "states", "--values", "states=1.5,65536"},
		// Sweep values are checked before the data are read.
		"contain ": {"--device", "ideal", "--params", "states", "--values", "states=2,4", "--data", filepath.Join(out, "none")},
	} {
		code, _, stderr := runCLI(t, append([]string{"targets", "--out", out}, extra...)...)
		assert.Equal(t, 2, code, "%v: %s", extra, stderr)
		assert.Contains(t, stderr, strings.TrimSpace(want), "%v", extra)
	}
}

func TestReportTargetsView(t *testing.T) {
	out := t.TempDir()
	code, _, stderr := runCLI(t, append([]string{"targets", "--device", "ideal", "--params", "c2c", "--pairs", "", "--seeds", "2", "--out", out}, tinyBackprop...)...)
	require.Equal(t, 0, code, stderr)
	docs := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(docs, "records"), 0o755))
	rec, err := os.ReadFile(filepath.Join(out, "targets.json"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(docs, "records", "t.json"), rec, 0o644))
	md := filepath.Join(docs, "t.md")
	require.NoError(t, os.WriteFile(md, []byte("<!-- report: records/t.json targets -->\n<!-- end report -->\n"), 0o644))
	code, _, stderr = runCLI(t, "report", md)
	require.Equal(t, 0, code, stderr)
	got, err := os.ReadFile(md)
	require.NoError(t, err)
	want, err := os.ReadFile(filepath.Join(out, "targets.md"))
	require.NoError(t, err)
	assert.Contains(t, string(got), string(want))
	assert.FileExists(t, filepath.Join(docs, "img", "t-tornado.png"))
	code, _, stderr = runCLI(t, "report", "--check", md)
	assert.Equal(t, 0, code, stderr)

	// Side by side: one column per record, one row per parameter swept by any.
	require.NoError(t, os.WriteFile(md, []byte("<!-- report: records/t.json targets-table records/t.json -->\n<!-- end report -->\n"), 0o644))
	code, _, stderr = runCLI(t, "report", md)
	require.Equal(t, 0, code, stderr)
	got, err = os.ReadFile(md)
	require.NoError(t, err)
	assert.Contains(t, string(got), "| | ideal, backprop | ideal, backprop |")
	assert.Regexp(t, `\| c2c \| [a-z ]+ \(device 0\); [+-]`, string(got))
	require.NoError(t, os.WriteFile(md, []byte("<!-- report: records/t.json targets-table records/missing.json -->\n<!-- end report -->\n"), 0o644))
	code, _, stderr = runCLI(t, "report", md)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "missing.json")
}

// TestTargetsBackpropEpochs: targets' backprop runs three epochs unless told otherwise (one
// has not converged for the ideal device).
func TestTargetsBackpropEpochs(t *testing.T) {
	out := t.TempDir()
	args := []string{"targets", "--device", "ideal", "--params", "c2c", "--pairs", "", "--seeds", "1", "--out", out,
		"--rule", "backprop", "--hidden", "10", "--steps", "5", "--train-samples", "100", "--test-samples", "50"}
	code, _, stderr := runCLI(t, args...)
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, 3, readTargets(t, out).Options.Epochs)
}
