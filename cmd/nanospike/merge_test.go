package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nanospike/nanospike/experiment"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCompareShardsMergeToOneTable(t *testing.T) {
	devs := threeDevices + ",float"
	whole := t.TempDir()
	code, _, stderr := runCLI(t, compareArgs(whole, "--devices", devs, "--seeds", "2")...)
	require.Equal(t, 0, code, stderr)

	root := t.TempDir()
	var parts []string
	for i := range 2 {
		d := filepath.Join(root, "shard-"+string(rune('0'+i)))
		parts = append(parts, d)
		code, _, stderr := runCLI(t, compareArgs(d, "--devices", devs, "--seeds", "2", "--shard", string(rune('0'+i))+"/2")...)
		require.Equal(t, 0, code, stderr)
		cf := readCompare(t, d)
		assert.Len(t, cf.Rows, 4, "item k belongs to shard k mod 2")
		for _, r := range cf.Rows {
			assert.Equal(t, i, r.Index%2)
		}
	}
	// One part alone is refused: runs are missing.
	merged := filepath.Join(root, "all")
	code, _, stderr = runCLI(t, "merge", "--out", merged, parts[0])
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "missing")

	code, stdout, stderr := runCLI(t, "merge", "--out", merged, parts[0], parts[1])
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "merged 8 runs")
	assert.Equal(t, readCSVTable(t, filepath.Join(whole, experiment.CompareCSV)), readCSVTable(t, filepath.Join(merged, experiment.CompareCSV)))
	for _, f := range []string{"pcmo-s1/metrics.json", "float-s2/model.gob", "accuracy-vs-energy.svg", experiment.CompareMD, experiment.SummaryCSV} {
		assert.FileExists(t, filepath.Join(merged, f))
	}
	cf := readCompare(t, merged)
	assert.Empty(t, cf.Shard)

	// Merging again into the same folder is harmless (same runs).
	code, _, stderr = runCLI(t, "merge", "--out", merged, parts[1], parts[0])
	require.Equal(t, 0, code, stderr)
	// A comparison with other seeds or settings is not mixed in.
	for _, c := range []struct {
		flags []string
		want  string
	}{{[]string{"--seeds", "3"}, "seeds [1 2] vs [1 2 3]"}, {[]string{"--seeds", "2", "--seed", "2"}, "seeds [1 2] vs [2 3]"},
		{[]string{"--seeds", "2", "--epochs", "2"}, "settings"}} {
		other := t.TempDir()
		code, _, stderr = runCLI(t, append(compareArgs(other, "--devices", devs, "--shard", "1/2"), c.flags...)...)
		require.Equal(t, 0, code, stderr)
		code, _, stderr = runCLI(t, "merge", "--out", t.TempDir(), parts[0], other)
		assert.Equal(t, 1, code)
		assert.Contains(t, stderr, "not parts of one comparison", c.flags)
		assert.Contains(t, stderr, c.want, c.flags)
		assert.Equal(t, 1, strings.Count(strings.TrimSpace(stderr), "\n")+1, "one line: %s", stderr)
	}
	// A folder of another command or format is named.
	bad := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(bad, experiment.CompareJSON), []byte(`{"rule":"stdp","rows":[]}`), 0o644))
	code, _, stderr = runCLI(t, "merge", "--out", t.TempDir(), parts[0], bad)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, filepath.Join(bad, experiment.CompareJSON))
	assert.Contains(t, stderr, "not a compare record")
}
