package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nanospike/nanospike/device"
	"github.com/nanospike/nanospike/experiment"
)

// TestFlippedByteRefused: a changed byte in model.gob or checkpoint.gob is refused with a
// one-line error naming the file, for both rules.
func TestFlippedByteRefused(t *testing.T) {
	for _, rule := range [][]string{{"--rule", "stdp"}, {"--rule", "backprop", "--hidden", "10", "--steps", "5"}} {
		dir := filepath.Join(t.TempDir(), "run")
		args := append(append([]string{"train", "--out", dir}, tinyArgs...), rule...)
		code, _, stderr := runCLI(t, args...)
		require.Equal(t, 0, code, stderr)
		model := filepath.Join(dir, experiment.ModelFile)
		b, err := os.ReadFile(model)
		require.NoError(t, err)
		code, _, stderr = runCLI(t, "eval", "--model", dir)
		require.Equal(t, 0, code, "%v: an intact model loads: %s", rule, stderr)

		bad := append([]byte(nil), b...)
		bad[len(bad)/2] ^= 0x04
		require.NoError(t, os.WriteFile(model, bad, 0o644))
		code, _, stderr = runCLI(t, "eval", "--model", dir)
		assert.Equal(t, 1, code, "%v", rule)
		assert.Contains(t, stderr, model, "%v", rule)
		assert.Contains(t, stderr, "corrupt", "%v", rule)
		assert.Equal(t, 1, strings.Count(strings.TrimSpace(stderr), "\n")+1, "%v: one line: %s", rule, stderr)

		// The checkpoint has the model's format: a flipped one stops the resume of an
		// unfinished run (no metrics.json), naming it.
		require.NoError(t, os.Remove(filepath.Join(dir, experiment.MetricsFile)))
		ckpt := filepath.Join(dir, experiment.CheckpointFile)
		require.NoError(t, os.WriteFile(ckpt, bad, 0o644))
		code, _, stderr = runCLI(t, "train", "--resume", dir)
		assert.Equal(t, 1, code, "%v", rule)
		assert.Contains(t, stderr, ckpt, "%v", rule)
		assert.Contains(t, stderr, "corrupt", "%v", rule)
	}
}

// TestUsageErrorOnce: a bad flag is one message and a pointer to --help, not the flag list;
// --help prints the list.
func TestUsageErrorOnce(t *testing.T) {
	for _, args := range [][]string{{"train", "--bogus"}, {"compare", "--jobs", "x"}, {"energy", "--tile", "3"}, {"targets", "--loss", "0", "--device", "ideal", "--out", t.TempDir()}} {
		code, _, stderr := runCLI(t, args...)
		assert.Equal(t, 2, code, "%v", args)
		assert.NotContains(t, stderr, "flags:", "%v: no flag list", args)
		assert.Equal(t, 2, strings.Count(stderr, "\n"), "%v: a message and the pointer to --help: %q", args, stderr)
		assert.Contains(t, stderr, "--help")
	}
	code, _, stderr := runCLI(t, "train", "--help")
	assert.Equal(t, 0, code)
	assert.Contains(t, stderr, "flags:")
	assert.Contains(t, stderr, "-neurons")
}

// TestSampleCountsAboveTheDataset: a count above the dataset's images is an error naming the
// flag, not a silent cap.
func TestSampleCountsAboveTheDataset(t *testing.T) {
	out := t.TempDir()
	for flag, args := range map[string][]string{
		"--test-samples":  {"train", "--out", out, "--test-samples", "20000"},
		"--train-samples": {"train", "--out", out, "--train-samples", "100000000"},
		"--label-samples": {"compare", "--out", out, "--devices", "ideal", "--label-samples", "100000000"},
		"--test-samples ": {"targets", "--out", out, "--device", "ideal", "--test-samples", "10001"},
	} {
		code, _, stderr := runCLI(t, args...)
		assert.Equal(t, 2, code, "%v: %s", args, stderr)
		assert.Contains(t, stderr, strings.TrimSpace(flag), "%v", args)
		assert.Contains(t, stderr, "images (0: all of them)")
	}
	entries, err := os.ReadDir(out)
	require.NoError(t, err)
	assert.Empty(t, entries, "nothing written")
}

// TestAbsurdSizesFailFast: sizes no machine holds and impossible device values fail at once
// with a message naming the flag or field, no trace.
func TestAbsurdSizesFailFast(t *testing.T) {
	dev := filepath.Join(t.TempDir(), "huge.json")
	p, err := device.Preset("pcmo")
	require.NoError(t, err)
	b, err := json.Marshal(p)
	require.NoError(t, err)
	b = bytes.Replace(b, []byte(`"states":`+strconv.Itoa(p.States)), []byte(`"states":1000000000000`), 1)
	require.NoError(t, os.WriteFile(dev, b, 0o644))
	out := t.TempDir()
	for want, args := range map[string][]string{
		"--neurons 1000000000": {"train", "--out", out, "--neurons", "1000000000"},
		"--hidden 1000000000":  {"train", "--out", out, "--rule", "backprop", "--hidden", "1000000000"},
		"--neurons 100000":     {"compare", "--out", out, "--devices", "ideal", "--neurons", "100000", "--max-memory", "4e9"},
		"states":               {"train", "--out", out, "--device", dev},
		"--workers":            {"train", "--out", out, "--workers", "-1"},
	} {
		start := time.Now()
		code, _, stderr := runCLI(t, args...)
		assert.NotEqual(t, 0, code, "%v", args)
		assert.Contains(t, stderr, want, "%v", args)
		assert.NotContains(t, stderr, "goroutine", "%v: no trace", args)
		assert.Less(t, time.Since(start), time.Second, "%v", args)
	}
}

// TestRunFolderOwnership: a folder holding a run is not trained into again without --force
// (which replaces every file of the old run); a folder in use by another run is refused at once
// naming the holder; temporary files of an interrupted write are removed by the next run.
func TestRunFolderOwnership(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	args := append([]string{"train", "--out", dir}, tinyArgs...)
	code, _, stderr := runCLI(t, args...)
	require.Equal(t, 0, code, stderr)
	first, err := os.ReadFile(filepath.Join(dir, experiment.MetricsFile))
	require.NoError(t, err)

	code, _, stderr = runCLI(t, args...)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "--force")
	again, err := os.ReadFile(filepath.Join(dir, experiment.MetricsFile))
	require.NoError(t, err)
	assert.Equal(t, first, again, "the finished run is intact")

	// Another process holds the folder: refused at once, nothing touched.
	unlock, err := experiment.LockRun(dir)
	require.NoError(t, err)
	code, _, stderr = runCLI(t, append(args, "--force")...)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "in use by process "+strconv.Itoa(os.Getpid()))
	code, _, stderr = runCLI(t, "train", "--resume", dir)
	assert.Equal(t, 1, code, "a resume is refused too")
	unlock()
	again, err = os.ReadFile(filepath.Join(dir, experiment.MetricsFile))
	require.NoError(t, err)
	assert.Equal(t, first, again)

	// --force replaces the run: a backprop run leaves no STDP weights.png behind; the
	// temporaries of an interrupted write are cleaned.
	for _, tmp := range []string{"checkpoint.gob.tmp123456", ".config.json.tmp42"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, tmp), nil, 0o644))
	}
	require.FileExists(t, filepath.Join(dir, "weights.png"))
	code, _, stderr = runCLI(t, append(args, "--force", "--rule", "backprop", "--hidden", "10", "--steps", "5")...)
	require.Equal(t, 0, code, stderr)
	assert.NoFileExists(t, filepath.Join(dir, "weights.png"))
	for _, tmp := range []string{"checkpoint.gob.tmp123456", ".config.json.tmp42"} {
		assert.NoFileExists(t, filepath.Join(dir, tmp))
	}
	var m experiment.Metrics
	require.NoError(t, experiment.ReadJSON(filepath.Join(dir, experiment.MetricsFile), &m))
	assert.Equal(t, "backprop", m.Rule)
}

// TestRunFilesValidated: eval of a backprop run whose metrics.json is missing or garbage, a
// resume whose config.json was edited, and a config.json of the other rule are errors naming
// the file and the cause.
func TestRunFilesValidated(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "bp")
	code, _, stderr := runCLI(t, append([]string{"train", "--out", dir, "--rule", "backprop", "--hidden", "10", "--steps", "5"}, tinyArgs...)...)
	require.Equal(t, 0, code, stderr)
	mpath := filepath.Join(dir, experiment.MetricsFile)
	good, err := os.ReadFile(mpath)
	require.NoError(t, err)
	for name, content := range map[string][]byte{"empty": {}, "garbage": []byte("{not json"), "other": []byte(`{"rule": "stdp"}`)} {
		require.NoError(t, os.WriteFile(mpath, content, 0o644))
		code, _, stderr := runCLI(t, "eval", "--model", dir)
		assert.Equal(t, 1, code, name)
		assert.Contains(t, stderr, mpath, name)
	}
	require.NoError(t, os.Remove(mpath))
	code, _, stderr = runCLI(t, "eval", "--model", dir)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, mpath)
	require.NoError(t, os.WriteFile(mpath, good, 0o644))

	// An edited config.json of an unfinished run (no metrics.json: a finished run resumed is
	// a no-op): the resume refuses, naming both files.
	require.NoError(t, os.Remove(mpath))
	cpath := filepath.Join(dir, experiment.ConfigFile)
	var cfg experiment.RunConfig
	require.NoError(t, experiment.ReadJSON(cpath, &cfg))
	cfg.Options.Backprop.Steps = 9
	require.NoError(t, experiment.WriteJSON(cpath, cfg))
	code, _, stderr = runCLI(t, "train", "--resume", dir)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "disagree")
	cfg.Options.Backprop.Steps = 5
	cfg.Options.Rule = "stdp"
	require.NoError(t, experiment.WriteJSON(cpath, cfg))
	code, _, stderr = runCLI(t, "train", "--resume", dir)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "holds a backprop run")

	sdir := filepath.Join(t.TempDir(), "stdp")
	code, _, stderr = runCLI(t, append([]string{"train", "--out", sdir}, tinyArgs...)...)
	require.Equal(t, 0, code, stderr)
	require.NoError(t, os.Remove(filepath.Join(sdir, experiment.MetricsFile)))
	scpath := filepath.Join(sdir, experiment.ConfigFile)
	require.NoError(t, experiment.ReadJSON(scpath, &cfg))
	cfg.Options.TrainSamples = 20
	require.NoError(t, experiment.WriteJSON(scpath, cfg))
	code, _, stderr = runCLI(t, "train", "--resume", sdir)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "train samples 20/40")
	cfg.Options.TrainSamples = 40
	cfg.Options.Rule = "backprop"
	require.NoError(t, experiment.WriteJSON(scpath, cfg))
	code, _, stderr = runCLI(t, "train", "--resume", sdir)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "holds an STDP run")
}

// TestDiskFull: a run whose disk fills up stops with one line naming the file and the cause,
// leaves no temporary file and no metrics.json (nothing looks finished) and its last
// checkpoint intact: once there is room, --resume finishes it with the model of the same run
// uninterrupted. It needs a small tmpfs, so root where mounting is allowed.
func TestDiskFull(t *testing.T) {
	if testing.Short() || os.Geteuid() != 0 {
		t.Skip("mounts a tmpfs: root only")
	}
	mnt := t.TempDir()
	// 784-50-10 on devices: a checkpoint is about 1.9 MB; 3 MB hold one but not the next
	// beside it (a checkpoint is written to a temporary file, then renamed over the last).
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", mnt).Run() })
	args := []string{"--rule", "backprop", "--hidden", "50", "--steps", "5", "--train-samples", "1000", "--test-samples", "100", "--checkpoint-every", "128"}
	whole := filepath.Join(t.TempDir(), "whole")
	code, _, stderr := runCLI(t, append([]string{"train", "--out", whole}, args...)...)
	require.Equal(t, 0, code, stderr)

	dir := filepath.Join(mnt, "run")
	code, _, stderr = runCLI(t, append([]string{"train", "--out", dir}, args...)...)
	require.Equal(t, 1, code, stderr)
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	last := lines[len(lines)-1] // after the progress lines: the error, one line
	assert.True(t, strings.HasPrefix(last, "nanospike train: "), last)
	assert.Contains(t, last, "no space left on device")
	assert.Contains(t, last, filepath.Join(dir, experiment.CheckpointFile))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		assert.NotContains(t, e.Name(), ".tmp", "no temporary file is left")
		assert.NotEqual(t, experiment.MetricsFile, e.Name(), "a failed run does not look finished")
	}

	// Room again: the last checkpoint resumes to the uninterrupted run's model.
	if out, err := exec.Command("mount", "-o", "remount,size=64m", mnt).CombinedOutput(); err != nil {
		t.Fatalf("remount: %v %s", err, out)
	}
	code, _, stderr = runCLI(t, "train", "--resume", dir)
	require.Equal(t, 0, code, stderr)
	a, err := os.ReadFile(filepath.Join(whole, experiment.ModelFile))
	require.NoError(t, err)
	b, err := os.ReadFile(filepath.Join(dir, experiment.ModelFile))
	require.NoError(t, err)
	assert.True(t, bytes.Equal(a, b), "resumed after the full disk = uninterrupted")
}
