package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nanospike/nanospike/datasets"
)

// runCLI runs nanospike in-process and returns exit code, stdout, stderr.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), &env{stdout: &out, stderr: &errb}, args)
	return code, out.String(), errb.String()
}

func TestDataDefault(t *testing.T) {
	code, out, _ := runCLI(t, "data")
	require.Equal(t, 0, code)
	assert.Contains(t, out, "train: 60000 images")
	assert.Contains(t, out, "test:  10000 images")
	assert.Contains(t, out, "5923") // class 0 in train
}

// TestDataTruncated: a folder holding a truncated image file makes `data`
// exit non-zero with a one-line error naming that file.
func TestDataTruncated(t *testing.T) {
	src, err := datasets.Locate()
	require.NoError(t, err)
	dir := t.TempDir()
	for _, f := range []string{"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"} {
		b, err := os.ReadFile(filepath.Join(src, f))
		require.NoError(t, err)
		if f == "t10k-images-idx3-ubyte.gz" {
			b = b[:len(b)*2/3]
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), b, 0o644))
	}
	code, out, errOut := runCLI(t, "data", "--data", dir)
	assert.Equal(t, 1, code)
	assert.Empty(t, out)
	assert.Equal(t, 1, strings.Count(errOut, "\n"), "one-line error: %q", errOut)
	assert.Contains(t, errOut, filepath.Join(dir, "t10k-images-idx3-ubyte.gz"))
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{}, {"nope"}, {"data", "--bogus"}, {"data", "extra"}} {
		code, _, _ := runCLI(t, args...)
		assert.Equal(t, 2, code, "args %q", args)
	}
	code, _, errOut := runCLI(t, "data", "--help")
	assert.Equal(t, 0, code)
	assert.Contains(t, errOut, "usage: nanospike data")
}

func TestCPUProfileEnv(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cpu.prof")
	t.Setenv("NANOSPIKE_CPUPROFILE", path)
	stop := startProfile()
	code, _, stderr := runCLI(t, "device", "show", "ideal")
	stop()
	require.Equal(t, 0, code, stderr)
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Positive(t, fi.Size(), "a profile was written")
}

func TestTrainProgrammingFlag(t *testing.T) {
	code, _, stderr := runCLI(t, "train", "--programming", "open-loop")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "--programming must be nominal or model")
	code, _, stderr = runCLI(t, "train", "--rule", "backprop", "--programming", "model")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "--programming applies to --rule stdp")
}
