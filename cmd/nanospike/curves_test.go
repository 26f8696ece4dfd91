package main

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nanospike/nanospike/experiment"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tinySTDP is an STDP setting that trains in about a second.
var tinySTDP = []string{"--rule", "stdp", "--neurons", "10", "--train-samples", "200", "--label-samples", "100", "--test-samples", "100"}

// TestRunHistoryAndEval: a run keeps its learning curve in metrics.json and draws it;
// eval --model repeats the run's test exactly; resuming a finished run changes nothing.
func TestRunHistoryAndEval(t *testing.T) {
	for name, args := range map[string][]string{"stdp": tinySTDP, "stdp-gain": append(slices.Clone(tinySTDP), "--normalise", "gain"),
		"backprop": append(slices.Clone(tinyBackprop), "--epochs", "2")} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "run")
			code, _, stderr := runCLI(t, append([]string{"train", "--out", dir}, args...)...)
			require.Equal(t, 0, code, stderr)
			var m experiment.Metrics
			require.NoError(t, experiment.ReadJSON(filepath.Join(dir, experiment.MetricsFile), &m))
			require.NotEmpty(t, m.History)
			last := m.History[len(m.History)-1]
			assert.Equal(t, m.TrainImages, last.Images, "the curve ends at the last training image")
			for i := 1; i < len(m.History); i++ {
				assert.Greater(t, m.History[i].Images, m.History[i-1].Images)
			}
			if name == "backprop" {
				require.Len(t, m.History, 2) // one point per epoch
				require.NotNil(t, last.TestAccuracy)
				require.NotNil(t, last.Loss)
				assert.Equal(t, m.Accuracy, *last.TestAccuracy, "the last epoch's test is the run's test")
			}
			for _, f := range []string{"curves.png", "curves.svg"} {
				assert.FileExists(t, filepath.Join(dir, f))
			}

			code, _, stderr = runCLI(t, "eval", "--model", dir)
			require.Equal(t, 0, code, stderr)
			var ev experiment.Metrics
			require.NoError(t, experiment.ReadJSON(filepath.Join(dir, "eval.json"), &ev))
			assert.Equal(t, m.Accuracy, ev.Accuracy, "eval --model = the run's test")
			assert.Equal(t, m.Confusion, ev.Confusion)

			before, err := os.ReadFile(filepath.Join(dir, experiment.MetricsFile))
			require.NoError(t, err)
			code, _, stderr = runCLI(t, "train", "--resume", dir)
			require.Equal(t, 0, code, stderr)
			assert.Contains(t, stderr, "the run has finished; nothing to resume")
			after, err := os.ReadFile(filepath.Join(dir, experiment.MetricsFile))
			require.NoError(t, err)
			assert.Equal(t, before, after, "a finished run resumed is left as it was")
		})
	}
}

// TestConfigFile: a run's config.json is a valid --config and repeats the run; a partial
// file changes only what it names, flags override it, and a typo, a disagreement or a
// value out of range is refused naming the key.
func TestConfigFile(t *testing.T) {
	tmp := t.TempDir()
	first := filepath.Join(tmp, "first")
	code, _, stderr := runCLI(t, append([]string{"train", "--out", first}, tinySTDP...)...)
	require.Equal(t, 0, code, stderr)
	again := filepath.Join(tmp, "again")
	code, _, stderr = runCLI(t, "train", "--config", filepath.Join(first, experiment.ConfigFile), "--out", again)
	require.Equal(t, 0, code, stderr)
	var a, b experiment.Metrics
	require.NoError(t, experiment.ReadJSON(filepath.Join(first, experiment.MetricsFile), &a))
	require.NoError(t, experiment.ReadJSON(filepath.Join(again, experiment.MetricsFile), &b))
	assert.Equal(t, a.Accuracy, b.Accuracy)
	assert.Equal(t, a.Confusion, b.Confusion)

	file := filepath.Join(tmp, "my.json")
	write := func(s string) {
		require.NoError(t, os.WriteFile(file, []byte(s), 0o644))
	}
	write(`{"options": {"neurons": 10, "train_samples": 200, "label_samples": 100, "test_samples": 100},
	        "stdp": {"rule": {"nu_pre": 0.0002}, "network": {"present_ms": 250, "exc": {"tau_m_ms": 80}}}}`)
	edited := filepath.Join(tmp, "edited")
	code, _, stderr = runCLI(t, "train", "--config", file, "--neurons", "12", "--out", edited)
	require.Equal(t, 0, code, stderr)
	var cfg experiment.RunConfig
	require.NoError(t, experiment.ReadJSON(filepath.Join(edited, experiment.ConfigFile), &cfg))
	require.NotNil(t, cfg.STDP)
	assert.Equal(t, 0.0002, cfg.STDP.Rule.NuPre)
	assert.Equal(t, 250.0, cfg.STDP.Net.Present)
	assert.Equal(t, 80.0, cfg.STDP.Net.Exc.TauM)
	assert.Equal(t, 20.0, cfg.STDP.Rule.TauPre, "what the file does not name keeps its default")
	assert.Equal(t, 12, cfg.STDP.Neurons, "a flag overrides the file")
	assert.Equal(t, 200, cfg.Options.TrainSamples, "the file's options set the flags' defaults")

	for _, c := range []struct{ file, want string }{
		{`{"stdp": {"rule": {"nu_pree": 0.0002}}}`, `unknown key "nu_pree"`},
		{`{"optoins": {}}`, `unknown key "optoins"`},
		{`{"options": {"neurons": 10}, "stdp": {"neurons": 20}}`, "stdp.neurons is 20, not 10"},
		{`{"stdp": {"network": {"present_ms": -5}}}`, "Present"},
		{`{"options": {"epochs": 0}}`, "--epochs must be ≥ 1"},
		{`{"energy": {"crossbar": {"rows": 0}}}`, "energy"},
		{`{"backprop": {"lr": -1}}`, "backprop"},
	} {
		write(c.file)
		code, _, stderr := runCLI(t, "train", "--config", file, "--out", filepath.Join(tmp, "bad"))
		assert.Equal(t, 2, code, c.file)
		assert.Contains(t, stderr, c.want, c.file)
	}
	code, _, stderr = runCLI(t, "train", "--config", filepath.Join(first, experiment.ConfigFile), "--resume", first)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "--config starts a new run")
}

// TestConfigFileCompare: compare takes --config for every run, and a folder holding runs of
// other model settings is not mixed with them.
func TestConfigFileCompare(t *testing.T) {
	tmp := t.TempDir()
	file := filepath.Join(tmp, "my.json")
	require.NoError(t, os.WriteFile(file, []byte(`{"options": {"train_samples": 200, "label_samples": 100, "test_samples": 100},
		"stdp": {"network": {"present_ms": 250}}}`), 0o644))
	out := filepath.Join(tmp, "cmp")
	code, _, stderr := runCLI(t, "compare", "--devices", "ideal", "--neurons", "10", "--seeds", "2", "--config", file, "--out", out)
	require.Equal(t, 0, code, stderr)
	var cf struct {
		Rows []json.RawMessage `json:"rows"`
	}
	require.NoError(t, experiment.ReadJSON(filepath.Join(out, "compare.json"), &cf))
	assert.Len(t, cf.Rows, 2)
	var cfg experiment.RunConfig
	require.NoError(t, experiment.ReadJSON(filepath.Join(out, "ideal-s1", experiment.ConfigFile), &cfg))
	assert.Equal(t, 250.0, cfg.STDP.Net.Present)
	assert.Equal(t, 200, cfg.Options.TrainSamples, "the file's workload, not compare's default")
	assert.FileExists(t, filepath.Join(out, "curves.png"), "compare overlays its runs' curves")

	code, _, stderr = runCLI(t, "compare", "--devices", "ideal", "--neurons", "10", "--seeds", "2",
		"--train-samples", "200", "--label-samples", "100", "--test-samples", "100", "--out", out)
	assert.NotEqual(t, 0, code)
	assert.Contains(t, stderr, "stdp.network.present_ms is 250, not 350")
}

// TestJSONOutput: with --json, train, eval and compare print one JSON document on stdout and
// nothing else.
func TestJSONOutput(t *testing.T) {
	tmp := t.TempDir()
	run := filepath.Join(tmp, "run")
	for _, args := range [][]string{
		append([]string{"train", "--json", "--out", run}, tinyBackprop...),
		{"eval", "--json", "--model", run},
		{"train", "--json", "--resume", run},
		append([]string{"compare", "--json", "--devices", "ideal", "--seeds", "2", "--out", filepath.Join(tmp, "cmp")}, tinyBackprop...),
	} {
		code, stdout, stderr := runCLI(t, args...)
		require.Equal(t, 0, code, "%v: %s", args, stderr)
		dec := json.NewDecoder(strings.NewReader(stdout))
		var v map[string]any
		require.NoError(t, dec.Decode(&v), "%v: %s", args, stdout)
		assert.False(t, dec.More(), "%v: one document", args)
		_, err := dec.Token()
		assert.ErrorIs(t, err, io.EOF, "%v: nothing after it", args)
		if args[0] == "compare" {
			assert.Contains(t, v, "rows")
		} else {
			assert.Contains(t, v, "accuracy")
		}
	}
}

// TestRunConfigChecked: resume and eval read a run's config.json as strictly as --config.
func TestRunConfigChecked(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	code, _, stderr := runCLI(t, append([]string{"train", "--out", dir}, tinyBackprop...)...)
	require.Equal(t, 0, code, stderr)
	require.NoError(t, os.Remove(filepath.Join(dir, experiment.MetricsFile))) // unfinished, so resume reads on
	path := filepath.Join(dir, experiment.ConfigFile)
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, []byte(strings.Replace(string(b), `"lr"`, `"learning_rate"`, 1)), 0o644))
	for _, args := range [][]string{{"train", "--resume", dir}, {"eval", "--model", dir}} {
		code, _, stderr := runCLI(t, args...)
		assert.NotEqual(t, 0, code, "%v", args)
		assert.Contains(t, stderr, `unknown key "learning_rate"`, "%v", args)
		assert.Contains(t, stderr, path, "%v", args)
	}
}

func TestNormaliseFlag(t *testing.T) {
	for want, args := range map[string][]string{
		"--normalise must be program or gain": append(slices.Clone(tinySTDP), "--normalise", "scale"),
		"--normalise applies to --rule stdp":  append(slices.Clone(tinyBackprop), "--normalise", "gain"),
	} {
		code, _, stderr := runCLI(t, append([]string{"train", "--out", t.TempDir()}, args...)...)
		assert.Equal(t, 2, code)
		assert.Contains(t, stderr, want)
	}
}
