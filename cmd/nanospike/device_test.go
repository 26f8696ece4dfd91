package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nanospike/nanospike/device"
	"github.com/nanospike/nanospike/experiment"
)

func TestDeviceList(t *testing.T) {
	code, out, _ := runCLI(t, "device", "list")
	require.Equal(t, 0, code)
	names := device.PresetNames()
	require.NotEmpty(t, names)
	for _, n := range names {
		assert.Contains(t, out, n+" ", "preset %s listed", n)
	}
	assert.Contains(t, out, fmt.Sprintf("%d presets", len(names)))
	assert.Contains(t, out, device.DefaultPreset+" (default)")

	code, out, _ = runCLI(t, "device", "list", "--json")
	require.Equal(t, 0, code)
	var rows []experiment.PresetRow
	require.NoError(t, json.Unmarshal([]byte(out), &rows))
	require.Len(t, rows, len(names))
	for i, r := range rows {
		p, err := device.Preset(names[i])
		require.NoError(t, err)
		assert.Equal(t, p.Name, r.Name)
		assert.Equal(t, p.States, r.States)
		assert.InEpsilon(t, p.Gmax/p.Gmin, r.OnOff, 1e-12)
	}
}

func TestDeviceShow(t *testing.T) {
	code, out, _ := runCLI(t, "device", "show", "ag-a-si")
	require.Equal(t, 0, code)
	assert.Contains(t, out, "nl_ltd")
	assert.Contains(t, out, "-4.88")
	assert.Contains(t, out, "NeuroSim (MLP+NeuroSim V3.0) published device table") // a source

	// --json after the name, and the JSON reads back as a device file.
	code, out, _ = runCLI(t, "device", "show", "ag-a-si", "--json")
	require.Equal(t, 0, code)
	path := filepath.Join(t.TempDir(), "mine.json")
	require.NoError(t, os.WriteFile(path, []byte(out), 0o644))
	p, err := device.LoadParams(path)
	require.NoError(t, err)
	assert.Equal(t, 97, p.States)
	code, out, _ = runCLI(t, "device", "show", path)
	require.Equal(t, 0, code)
	assert.Contains(t, out, "ag-a-si: memristor")

	// A device file with an invalid field: exit 1, naming the file and the field.
	bad := strings.Replace(string(mustReadFile(t, path)), `"states": 97`, `"states": 1`, 1)
	require.NotEqual(t, string(mustReadFile(t, path)), bad)
	badPath := filepath.Join(t.TempDir(), "bad.json")
	require.NoError(t, os.WriteFile(badPath, []byte(bad), 0o644))
	code, out, errOut := runCLI(t, "device", "show", badPath)
	assert.Equal(t, 1, code)
	assert.Empty(t, out)
	assert.Contains(t, errOut, badPath)
	assert.Contains(t, errOut, "states")

	// A wrong type names the field too.
	bad = strings.Replace(string(mustReadFile(t, path)), `"c2c_sigma": 0.035`, `"c2c_sigma": "high"`, 1)
	require.NoError(t, os.WriteFile(badPath, []byte(bad), 0o644))
	code, _, errOut = runCLI(t, "device", "show", badPath)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "c2c_sigma")

	code, _, errOut = runCLI(t, "device", "show", "no-such-device")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "known presets")
}

// TestDeviceCharacterizeList: a comma-separated list is characterized in argument order and
// ends with the table of every device's rows.
func TestDeviceCharacterizeList(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := runCLI(t, "device", "characterize", "graphene-pnc-ppf,ag-a-si", "--out", dir, "--format", "svg")
	require.Equal(t, 0, code, errOut)
	assert.Less(t, strings.Index(out, "graphene-pnc-ppf (phototransistor)"), strings.Index(out, "ag-a-si (memristor)"), "argument order")
	assert.Contains(t, out, "review vs simulated, all devices")
	assert.FileExists(t, filepath.Join(dir, "summary.csv"))
}

func TestDeviceFitRoundTrip(t *testing.T) {
	// A synthetic measurement: a noiseless preset device's LTP/LTD protocol plus 0.3 % noise.
	p, err := device.Preset("ag-a-si")
	require.NoError(t, err)
	p.C2C, p.ReadNoise = 0, 0
	d, err := device.NominalDevice(p, 5)
	require.NoError(t, err)
	c := device.LTPLTD(d)
	rng := rand.New(rand.NewPCG(5, 6))
	var b strings.Builder
	b.WriteString("pulse,conductance_nS\n")
	for i := range c.X {
		fmt.Fprintf(&b, "%g,%.5f\n", c.X[i], 1e9*(c.Y[i]+0.003*(p.Gmax-p.Gmin)*rng.NormFloat64()))
	}
	dir := t.TempDir()
	curve := filepath.Join(dir, "curve.csv")
	require.NoError(t, os.WriteFile(curve, []byte(b.String()), 0o644))

	out := filepath.Join(dir, "fitted.json")
	plot := filepath.Join(dir, "fit.svg")
	code, stdout, errOut := runCLI(t, "device", "fit", curve, "--name", "my-ag", "--unit", "nS", "--out", out, "--plot", plot)
	require.Equal(t, 0, code, errOut)
	assert.Empty(t, stdout)
	assert.Contains(t, errOut, "R²")
	assert.Regexp(t, `states +97 +\[\d+, \d+\]`, errOut) // unlabelled: the bootstrap searches the split too
	assert.Contains(t, errOut, "95 % interval (200 bootstrap replicates)")
	q, err := device.LoadParams(out)
	require.NoError(t, err)
	assert.Equal(t, "my-ag", q.Name)
	assert.Equal(t, p.States, q.States)
	assert.InEpsilon(t, p.Gmax, q.Gmax, 0.05)
	assert.InEpsilon(t, p.Gmin, q.Gmin, 0.05)
	assert.InEpsilon(t, p.NLLTP, q.NLLTP, 0.05)
	assert.InEpsilon(t, p.NLLTD, q.NLLTD, 0.05)
	assert.Equal(t, "fitted from curve.csv by nanospike device fit", q.Source["nl_ltp"])
	assert.FileExists(t, plot)

	// Without --out the JSON goes to stdout; --base copies the other fields from a preset.
	code, stdout, _ = runCLI(t, "device", "fit", "--unit", "nS", "--base", "ag-a-si", curve)
	require.Equal(t, 0, code)
	var r device.Params
	require.NoError(t, json.Unmarshal([]byte(stdout), &r))
	assert.Equal(t, "curve", r.Name)
	assert.Equal(t, 0.035, r.C2C)

	// A bad curve names the file and the line.
	badCurve := filepath.Join(dir, "bad.csv")
	require.NoError(t, os.WriteFile(badCurve, []byte("pulse,G\n0,1\n1,2\n2,x\n3,3\n4,2\n5,1\n"), 0o644))
	code, _, errOut = runCLI(t, "device", "fit", badCurve)
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, badCurve+":4")
}

// TestPermOutputFiles: the files a device command and a run write through a temporary file
// (os.CreateTemp's 0600) are 0644 whatever the umask, and under the usual umask 022 every file
// they write is 0644 and every folder 0755.
func TestPermOutputFiles(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permissions")
	}
	dir := t.TempDir()
	// Under another umask, os.Create's files (plots, CSVs) and MkdirAll's folders follow it; the
	// files written through a temporary file are 0644 whatever the umask.
	ref := filepath.Join(dir, "ref")
	f, err := os.Create(ref)
	require.NoError(t, err)
	require.NoError(t, f.Close())
	created := mustStat(t, ref).Mode().Perm()
	require.NoError(t, os.Remove(ref))
	wantDir := os.FileMode(0o755)
	if created != 0o644 {
		t.Logf("umask gives os.Create files %v: only the files written through a temporary file are checked", created)
		wantDir = 0
	}

	chz := filepath.Join(dir, "chz", "sub")
	code, _, errOut := runCLI(t, "device", "characterize", "pcmo", "--out", chz, "--format", "svg")
	require.Equal(t, 0, code, errOut)
	fitted := filepath.Join(chz, "pcmo", "fitted.json")
	code, _, errOut = runCLI(t, "device", "fit", filepath.Join(chz, "pcmo", "ltp_ltd.csv"), "--out", fitted, "--bootstrap", "0")
	require.Equal(t, 0, code, errOut)
	run := filepath.Join(dir, "run")
	args := append(append([]string{"train", "--out", run}, tinyArgs...), "--rule", "backprop", "--hidden", "10", "--steps", "5")
	code, _, errOut = runCLI(t, args...)
	require.Equal(t, 0, code, errOut)

	atomic := map[string]bool{ // written through a temporary file
		filepath.Join(chz, "pcmo", "summary.json"): true,
		fitted: true,
		filepath.Join(run, experiment.ConfigFile):     true,
		filepath.Join(run, experiment.MetricsFile):    true,
		filepath.Join(run, experiment.ModelFile):      true,
		filepath.Join(run, experiment.CheckpointFile): true,
	}
	seen := 0
	require.NoError(t, filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || path == dir {
			return err
		}
		perm := mustStat(t, path).Mode().Perm()
		switch {
		case d.IsDir():
			if wantDir != 0 {
				assert.Equal(t, wantDir.String(), perm.String(), "folder %s", path)
			}
		case atomic[path]:
			seen++
			assert.Equal(t, "-rw-r--r--", perm.String(), "file %s", path)
		case created == 0o644:
			assert.Equal(t, "-rw-r--r--", perm.String(), "file %s", path)
		}
		return nil
	}))
	assert.Equal(t, len(atomic), seen, "every file written through a temporary file was found")
}

func mustStat(t *testing.T, path string) os.FileInfo {
	t.Helper()
	fi, err := os.Stat(path)
	require.NoError(t, err)
	return fi
}

func TestDeviceUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"device"},
		{"device", "bogus"},
		{"device", "list", "extra"},
		{"device", "list", "--bogus"},
		{"device", "show"},
		{"device", "show", "a", "b"},
		{"device", "characterize"},
		{"device", "characterize", ","},
		{"device", "characterize", "ideal,ideal"},
		{"device", "characterize", "ideal", "--format", "gif"},
		{"device", "characterize", "ideal", "--seed", "-1"},
		{"device", "fit"},
		{"device", "fit", "x.csv", "--unit", "parsec"},
		{"device", "fit", "x.csv", "--plot", "x.gif"},
		{"device", "fit", "x.csv", "--bootstrap", "-1"},
	} {
		code, _, _ := runCLI(t, args...)
		assert.Equal(t, 2, code, "args %q", args)
	}
	code, _, errOut := runCLI(t, "device", "--help")
	assert.Equal(t, 0, code)
	assert.Contains(t, errOut, "usage: nanospike device")
	code, _, errOut = runCLI(t, "device", "fit", "--help")
	assert.Equal(t, 0, code)
	assert.Contains(t, errOut, "usage: nanospike device fit")
	code, _, errOut = runCLI(t, "device", "fit", "x.csv", "--bootstrap", "-5")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, "--bootstrap must be a number of replicates ≥ 0 (0: no intervals), got -5")
}

func mustReadFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}
