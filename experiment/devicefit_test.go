package experiment

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nanospike/nanospike/device"
)

// fitText fits the curve in file with bootstrap replicates, saves the device to out and
// returns the text WriteFitReport writes: what `nanospike device fit --out` prints.
func fitText(t *testing.T, file, out string, bootstrap int) string {
	t.Helper()
	cfg := device.DefaultFitConfig()
	cfg.Bootstrap = bootstrap
	r, err := device.FitFile(file, cfg)
	require.NoError(t, err)
	var b strings.Builder
	WriteFitReport(&b, file, r)
	require.NoError(t, SaveDevice(out, r.Params))
	return b.String()
}

func TestParseConductanceUnit(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want float64
		ok   bool
	}{
		{"S", 1, true}, {"nS", 1e-9, true}, {" µS ", 1e-6, true}, {"1e-7", 1e-7, true},
		{"parsec", 0, false}, {"-1", 0, false}, {"0", 0, false}, {"Inf", 0, false},
	} {
		got, ok := ParseConductanceUnit(tc.in)
		assert.Equal(t, tc.ok, ok, "%q", tc.in)
		if tc.ok {
			assert.Equal(t, tc.want, got, "%q", tc.in)
		}
	}
}

// TestFitCharacterizeOutput: a fit of the ltp_ltd.csv that Characterize writes reports 95 %
// intervals that hold the device's own parameters, the same on every run.
func TestFitCharacterizeOutput(t *testing.T) {
	dir := t.TempDir()
	characterizeText(t, dir, "svg", 1, "si-nc-phototransistor")
	curve := filepath.Join(dir, "si-nc-phototransistor", "ltp_ltd.csv")
	out := filepath.Join(dir, "fitted.json")
	errOut := fitText(t, curve, out, device.DefaultFitBootstrap)
	assert.Contains(t, errOut, "95 % interval (200 bootstrap replicates)")
	p, err := device.Preset("si-nc-phototransistor")
	require.NoError(t, err)
	ivs := map[string][2]float64{}
	for _, m := range regexp.MustCompile(`(?m)^  (states|Gmin|Gmax|NL_LTP|NL_LTD) +(\S+)(?: S)? +\[(\S+), (\S+)\]`).FindAllStringSubmatch(errOut, -1) {
		lo, err1 := strconv.ParseFloat(m[3], 64)
		hi, err2 := strconv.ParseFloat(m[4], 64)
		require.NoError(t, err1)
		require.NoError(t, err2)
		ivs[m[1]] = [2]float64{lo, hi}
	}
	require.Len(t, ivs, 5, "an interval for every parameter:\n%s", errOut)
	for name, v := range map[string]float64{"states": float64(p.States), "Gmin": p.Gmin, "Gmax": p.Gmax, "NL_LTP": p.NLLTP, "NL_LTD": p.NLLTD} {
		iv := ivs[name]
		// The printed bounds are rounded to 4 digits (NL: 2 decimals).
		tol := max(math.Abs(v)*5e-4, 0.005)
		if name == "Gmin" || name == "Gmax" {
			tol = math.Abs(v) * 5e-4
		}
		assert.True(t, v >= iv[0]-tol && v <= iv[1]+tol, "%s: true %g outside the printed interval %v", name, v, iv)
	}
	q, err := device.LoadParams(out)
	require.NoError(t, err)
	assert.Equal(t, "ltp_ltd", q.Name)

	// The same output on every run; no intervals without the bootstrap.
	again := fitText(t, curve, out, device.DefaultFitBootstrap)
	assert.Equal(t, errOut, again)
	errOut = fitText(t, curve, out, 0)
	assert.NotContains(t, errOut, "interval")
	assert.Contains(t, errOut, "NL LTP")
}

// TestFitCharacterized: a fit of the ltp_ltd.csv that Characterize writes gives back the
// device's parameters: exactly for a device without cycle-to-cycle and read noise, within
// the noise for the default preset.
func TestFitCharacterized(t *testing.T) {
	dir := t.TempDir()
	p, err := device.Preset(device.DefaultPreset)
	require.NoError(t, err)
	require.Positive(t, p.C2C)
	quiet := *p
	quiet.Name, quiet.C2C, quiet.ReadNoise = "quiet", 0, 0
	quietFile := filepath.Join(dir, "quiet.json")
	var b bytes.Buffer
	require.NoError(t, quiet.WriteJSON(&b))
	require.NoError(t, os.WriteFile(quietFile, b.Bytes(), 0o644))

	for _, tc := range []struct {
		arg, sub        string
		states, nl, win float64 // tolerances: states and window relative, NL absolute
	}{
		{quietFile, "quiet", 0, 0.01, 0.001},
		{p.Name, p.Name, 0.1, 0.5, 0.25},
	} {
		characterizeText(t, dir, "svg", 1, tc.arg)
		curve := filepath.Join(dir, tc.sub, "ltp_ltd.csv")
		out := filepath.Join(dir, tc.sub+".fitted.json")
		fitText(t, curve, out, 0)
		q, err := device.LoadParams(out)
		require.NoError(t, err)
		assert.InDelta(t, p.States, q.States, tc.states*float64(p.States), "%s: states", tc.sub)
		assert.InDelta(t, p.NLLTP, q.NLLTP, tc.nl, "%s: nl_ltp", tc.sub)
		assert.InDelta(t, p.NLLTD, q.NLLTD, tc.nl, "%s: nl_ltd", tc.sub)
		assert.InEpsilon(t, p.Gmin, q.Gmin, tc.win, "%s: gmin", tc.sub)
		assert.InEpsilon(t, p.Gmax, q.Gmax, tc.win, "%s: gmax", tc.sub)
	}
}
