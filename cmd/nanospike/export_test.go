package main

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nanospike/nanospike/device"
	"github.com/nanospike/nanospike/experiment"
	"github.com/nanospike/nanospike/internal/npy"
	"github.com/nanospike/nanospike/learning"
)

// readNpy reads an exported .npy file, checks it is a C-order array of the given shape and
// returns it.
func readNpy(t *testing.T, path string, shape ...int) *npy.Array {
	t.Helper()
	st, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o644), st.Mode().Perm(), path)
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	a, err := npy.Read(f)
	require.NoError(t, err, path)
	assert.False(t, a.FortranOrder, path)
	assert.Equal(t, shape, a.Shape, path)
	return a
}

// readExportCSV returns an exported CSV file's header and its data rows.
func readExportCSV(t *testing.T, path string) (header string, rows []string) {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	require.True(t, sc.Scan(), path)
	header = sc.Text()
	for sc.Scan() {
		rows = append(rows, sc.Text())
	}
	require.NoError(t, sc.Err())
	return header, rows
}

// trainExportRun trains a tiny run of args into a new folder and returns it.
func trainExportRun(t *testing.T, args []string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "run")
	code, _, stderr := runCLI(t, append([]string{"train", "--out", dir}, args...)...)
	require.Equal(t, 0, code, stderr)
	return dir
}

// TestExportSTDP: the .npy files hold the model's weights, conductances (on a device only),
// θ and labels; the CSV files are long tables with their headers; index.json lists them.
func TestExportSTDP(t *testing.T) {
	for _, dev := range []string{device.DefaultPreset, experiment.FloatDevice} {
		t.Run(dev, func(t *testing.T) {
			dir := trainExportRun(t, append(tinySTDP, "--device", dev))
			b, err := os.ReadFile(filepath.Join(dir, experiment.ModelFile))
			require.NoError(t, err)
			m, err := learning.UnmarshalSTDPModel(b)
			require.NoError(t, err)
			rows, cols := m.Syn.Rows(), m.Syn.Cols()
			require.Equal(t, 784, rows)
			require.Equal(t, 10, cols)

			code, stdout, stderr := runCLI(t, "export", "--model", dir, "--format", "npy")
			require.Equal(t, 0, code, stderr)
			out := filepath.Join(dir, "export")
			assert.Contains(t, stdout, out)
			assert.Equal(t, m.Syn.WeightsTo(nil), readNpy(t, filepath.Join(out, "weights.npy"), rows, cols).Floats)
			assert.Equal(t, m.Net.Theta(), readNpy(t, filepath.Join(out, "theta_mv.npy"), cols).Floats)
			labels := readNpy(t, filepath.Join(out, "labels.npy"), cols)
			assert.Equal(t, npy.Int64, labels.Descr)
			got := make([]int, len(labels.Ints))
			for k, x := range labels.Ints {
				got[k] = int(x)
			}
			assert.Equal(t, m.Labels, got)
			names := []string{"weights", "theta_mv", "labels"}
			if a, ok := m.Syn.(*device.Array); ok {
				c := readNpy(t, filepath.Join(out, "conductances_s.npy"), rows, cols)
				assert.Equal(t, npy.Float64, c.Descr)
				assert.Equal(t, a.Conductances(), c.Floats)
				names = []string{"weights", "conductances_s", "theta_mv", "labels"}
			} else {
				assert.NoFileExists(t, filepath.Join(out, "conductances_s.npy"), "no devices, no conductances")
			}
			var idx exportIndex
			require.NoError(t, experiment.ReadJSON(filepath.Join(out, exportIndexFile), &idx))
			assert.Equal(t, "stdp", idx.Rule)
			var listed []string
			for _, en := range idx.Arrays {
				listed = append(listed, en.Name)
				assert.Equal(t, en.Name+".npy", en.File)
				assert.NotEmpty(t, en.Meaning)
			}
			assert.Equal(t, names, listed)

			csvDir := filepath.Join(t.TempDir(), "csv")
			code, _, stderr = runCLI(t, "export", "--model", dir, "--format", "csv", "--out", csvDir)
			require.Equal(t, 0, code, stderr)
			h, lines := readExportCSV(t, filepath.Join(csvDir, "weights.csv"))
			assert.Equal(t, "pre,post,weight", h)
			require.Len(t, lines, rows*cols)
			w := m.Syn.WeightsTo(nil)
			assert.Equal(t, "0,0,"+strconv.FormatFloat(w[0], 'g', -1, 64), lines[0])
			assert.Equal(t, "783,9,"+strconv.FormatFloat(w[len(w)-1], 'g', -1, 64), lines[len(lines)-1])
			h, lines = readExportCSV(t, filepath.Join(csvDir, "theta_mv.csv"))
			assert.Equal(t, "neuron,theta_mv", h)
			assert.Len(t, lines, cols)
			h, lines = readExportCSV(t, filepath.Join(csvDir, "labels.csv"))
			assert.Equal(t, "neuron,label", h)
			require.Len(t, lines, cols)
			assert.Equal(t, "0,"+strconv.Itoa(m.Labels[0]), lines[0])
			if dev != experiment.FloatDevice {
				h, lines = readExportCSV(t, filepath.Join(csvDir, "conductances_s.csv"))
				assert.Equal(t, "pre,post,conductance_s", h)
				assert.Len(t, lines, rows*cols)
			}
		})
	}
}

// TestExportBackprop: per layer, weights, biases and the pairs' conductances.
func TestExportBackprop(t *testing.T) {
	dir := trainExportRun(t, tinyBackprop)
	n, err := learning.LoadBackpropFile(filepath.Join(dir, experiment.ModelFile))
	require.NoError(t, err)
	require.Equal(t, 2, n.Layers())
	out := filepath.Join(t.TempDir(), "npy")
	code, _, stderr := runCLI(t, "export", "--model", dir, "--format", "npy", "--out", out)
	require.Equal(t, 0, code, stderr)
	sizes := []int{784, 20, 10}
	for l := range n.Layers() {
		in, o := sizes[l], sizes[l+1]
		s := "_l" + strconv.Itoa(l) + ".npy"
		w, b := n.Weights(l)
		assert.Equal(t, w, readNpy(t, filepath.Join(out, "weights"+s), in, o).Floats)
		assert.Equal(t, b, readNpy(t, filepath.Join(out, "biases"+s), o).Floats)
		pos, neg := n.Conductances(l)
		require.NotNil(t, pos, "in-situ: layer %d is on devices", l)
		assert.Equal(t, pos, readNpy(t, filepath.Join(out, "conductances_pos_s"+s), in, o).Floats)
		assert.Equal(t, neg, readNpy(t, filepath.Join(out, "conductances_neg_s"+s), in, o).Floats)
	}
	var idx exportIndex
	require.NoError(t, experiment.ReadJSON(filepath.Join(out, exportIndexFile), &idx))
	assert.Len(t, idx.Arrays, 8)

	csvDir := filepath.Join(t.TempDir(), "csv")
	code, _, stderr = runCLI(t, "export", "--model", dir, "--format", "csv", "--out", csvDir)
	require.Equal(t, 0, code, stderr)
	h, lines := readExportCSV(t, filepath.Join(csvDir, "conductances_pos_s_l0.csv"))
	assert.Equal(t, "pre,post,conductance_pos_s", h)
	assert.Len(t, lines, 784*20)
	h, lines = readExportCSV(t, filepath.Join(csvDir, "biases_l1.csv"))
	assert.Equal(t, "neuron,bias", h)
	assert.Len(t, lines, 10)
}

// TestExportErrors: a usage error exits 2, a missing or corrupt model 1, each with one line
// naming the culprit.
func TestExportErrors(t *testing.T) {
	code, _, stderr := runCLI(t, "export", "--model", t.TempDir(), "--format", "xlsx")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, `"xlsx"`)
	code, _, stderr = runCLI(t, "export", "--format", "npy")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "--model")

	missing := filepath.Join(t.TempDir(), "nothing")
	code, _, stderr = runCLI(t, "export", "--model", missing, "--format", "npy")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, missing)
	assert.Equal(t, 1, strings.Count(strings.TrimSpace(stderr), "\n")+1, stderr)

	dir := t.TempDir()
	require.NoError(t, experiment.WriteJSON(filepath.Join(dir, experiment.ConfigFile), experiment.RunConfig{Options: experiment.Options{Rule: "stdp"}}))
	code, _, stderr = runCLI(t, "export", "--model", dir, "--format", "csv")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, experiment.ModelFile)

	require.NoError(t, os.WriteFile(filepath.Join(dir, experiment.ModelFile), []byte("not a model"), 0o644))
	code, _, stderr = runCLI(t, "export", "--model", dir, "--format", "csv")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, filepath.Join(dir, experiment.ModelFile))
	assert.Equal(t, 1, strings.Count(strings.TrimSpace(stderr), "\n")+1, stderr)
}
