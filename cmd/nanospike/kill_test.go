package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nanospike/nanospike/experiment"
	"github.com/nanospike/nanospike/learning"
)

// TestMain lets the test binary act as nanospike (NANOSPIKE_TEST_CLI=1), so that a test can run
// the CLI as a process of its own and kill it.
func TestMain(m *testing.M) {
	if os.Getenv("NANOSPIKE_TEST_CLI") == "1" {
		os.Exit(run(context.Background(), &env{stdout: os.Stdout, stderr: os.Stderr}, os.Args[1:]))
	}
	os.Exit(m.Run())
}

// TestKillAndResumeFromPeriodicCheckpoint: a run killed with SIGKILL once its first periodic
// checkpoint is on disk, then continued by `nanospike train --resume`, ends with the same model
// as the same run uninterrupted, for both rules.
func TestKillAndResumeFromPeriodicCheckpoint(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the CLI as processes")
	}
	for name, args := range map[string][]string{
		"stdp": {"--rule", "stdp", "--neurons", "10", "--train-samples", "400", "--label-samples", "40",
			"--test-samples", "40", "--checkpoint-every", "50"},
		"backprop": {"--rule", "backprop", "--hidden", "20", "--steps", "8", "--train-samples", "3000",
			"--test-samples", "40", "--checkpoint-every", "300"},
	} {
		t.Run(name, func(t *testing.T) {
			whole := filepath.Join(t.TempDir(), "whole")
			code, _, stderr := runCLI(t, append([]string{"train", "--out", whole}, args...)...)
			require.Equal(t, 0, code, stderr)

			dir := filepath.Join(t.TempDir(), "killed")
			cmd := exec.Command(os.Args[0], append([]string{"train", "--out", dir}, args...)...)
			cmd.Env = append(os.Environ(), "NANOSPIKE_TEST_CLI=1")
			var errb bytes.Buffer
			cmd.Stderr = &errb
			require.NoError(t, cmd.Start())
			ckpt := filepath.Join(dir, experiment.CheckpointFile)
			deadline := time.Now().Add(60 * time.Second)
			for {
				if _, err := os.Stat(ckpt); err == nil {
					break
				}
				require.True(t, time.Now().Before(deadline), "no checkpoint: %s", errb.String())
				time.Sleep(2 * time.Millisecond)
			}
			require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
			_ = cmd.Wait()
			_, err := os.Stat(filepath.Join(dir, experiment.MetricsFile))
			require.ErrorIs(t, err, os.ErrNotExist, "killed before the run finished")

			code, _, stderr = runCLI(t, "train", "--resume", dir)
			require.Equal(t, 0, code, stderr)
			assert.Equal(t, modelState(t, name, whole), modelState(t, name, dir), "resumed from a periodic checkpoint = uninterrupted")
			var a, b experiment.Metrics
			require.NoError(t, experiment.ReadJSON(filepath.Join(whole, experiment.MetricsFile), &a))
			require.NoError(t, experiment.ReadJSON(filepath.Join(dir, experiment.MetricsFile), &b))
			assert.Equal(t, a.Accuracy, b.Accuracy)
			assert.Equal(t, a.PulsesPerTrainImage, b.PulsesPerTrainImage)
			// The learning curve continues across the kill: the same points, the same values.
			assert.Equal(t, a.History, b.History)
			// The training time counts the killed segment up to its checkpoint too.
			var entries experiment.ProgressEntries
			require.NoError(t, experiment.ReadJSON(filepath.Join(dir, experiment.ProgressFile), &entries))
			assert.Greater(t, b.TrainSeconds, entries.Checkpoints[0].TrainSeconds)
			assert.Greater(t, entries.Checkpoints[0].TrainSeconds, 0.0)
		})
	}
}

// modelState returns the model of a finished run without its recorded training time.
func modelState(t *testing.T, rule, dir string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, experiment.ModelFile))
	require.NoError(t, err)
	if rule == "backprop" {
		return b // no wall time in a backprop model
	}
	m, err := learning.UnmarshalSTDPModel(b)
	require.NoError(t, err)
	m.TrainSeconds = 0
	out, err := m.MarshalBinary()
	require.NoError(t, err)
	return out
}
