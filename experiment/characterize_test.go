package experiment

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nanospike/nanospike/device"
)

// characterizeText characterizes the devices named (presets or device files) into out and
// returns the text WriteCharacterizationSummary writes: what `nanospike device characterize`
// prints.
func characterizeText(t *testing.T, out, format string, seed uint64, names ...string) string {
	t.Helper()
	var devs []*device.Params
	for _, n := range names {
		p, err := ResolveDevice(n)
		require.NoError(t, err)
		devs = append(devs, p)
	}
	reports, err := Characterize(context.Background(), CharacterizeOptions{Out: out, Format: format, Seed: seed}, devs, names)
	require.NoError(t, err)
	var b strings.Builder
	require.NoError(t, WriteCharacterizationSummary(&b, out, devs, reports))
	return b.String()
}

func fileBytes(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}

func csvRecords(t *testing.T, path string) [][]string {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(fileBytes(t, path))).ReadAll()
	require.NoError(t, err, path)
	return recs
}

func TestCharacterize(t *testing.T) {
	dir := t.TempDir()
	// Huang 2020's MAPbI3:Si NC synapse: the review quotes a 4.8 Hz gain cutoff.
	out := characterizeText(t, dir, "png", 3, "mapbi3-si-nc")
	assert.Contains(t, out, "gain high-pass cutoff")
	assert.Contains(t, out, "4.8")
	sub := filepath.Join(dir, "mapbi3-si-nc")
	for _, base := range []string{"ltp_ltd", "ppf", "epsc_vs_spikes", "gain_vs_frequency", "stdp", "retention"} {
		recs := csvRecords(t, filepath.Join(sub, base+".csv"))
		assert.Greater(t, len(recs), 5, base)
		b := fileBytes(t, filepath.Join(sub, base+".png"))
		_, err := png.Decode(bytes.NewReader(b))
		assert.NoError(t, err, base)
	}
	var sum CharacterizationSummary
	require.NoError(t, json.Unmarshal(fileBytes(t, filepath.Join(sub, "summary.json")), &sum))
	assert.Equal(t, "mapbi3-si-nc", sum.Device)
	assert.Equal(t, uint64(3), sum.Seed)
	require.NotEmpty(t, sum.Rows)
	var found bool
	for _, r := range sum.Rows {
		if r.Figure == "gain high-pass cutoff" {
			found = true
			assert.Equal(t, 4.8, r.Review)
			assert.InEpsilon(t, 4.8, r.Simulated, 0.25, "simulated cutoff")
		}
	}
	assert.True(t, found, "cutoff row in summary.json")
	recs := csvRecords(t, filepath.Join(sub, "summary.csv"))
	require.Len(t, recs, len(sum.Rows)+1)
	assert.Equal(t, []string{"figure", "unit", "review", "simulated", "simulated_over_review", "kind", "match", "note"}, recs[0])
	// Every CSV's header is ASCII snake_case, with the unit last (the plots keep the labels).
	headers := map[string][]string{
		"ltp_ltd":           {"pulse", "conductance_s", "noiseless_conductance_s"},
		"ppf":               {"interval_s", "ppf_index_percent", "fit_ppf_index_percent"},
		"epsc_vs_spikes":    {"spike", "response_conductance_s"},
		"gain_vs_frequency": {"frequency_hz", "gain_ratio", "fit_gain_ratio"},
		"stdp":              {"delta_t_s", "delta_g_over_g0_percent"},
		"retention":         {"time_s", "retained_fraction", "fit_retained_fraction"},
	}
	for base, want := range headers {
		assert.Equal(t, want, csvRecords(t, filepath.Join(sub, base+".csv"))[0], base)
	}

	// SVG output, and a user device file; a device without review figures says so.
	out = characterizeText(t, dir, "svg", 1, filepath.Join("..", "device", "testdata", "user-device.json"))
	svg := fileBytes(t, filepath.Join(dir, "my-si-nc-synapse", "ppf.svg"))
	assert.Contains(t, string(svg), "<svg")
	assert.Contains(t, out, "my-si-nc-synapse")

	// A list runs side by side and ends with one table of every review-vs-simulated row, the
	// same whatever the order of completion.
	dir2 := t.TempDir()
	list := []string{"graphene-pnc-ppf", "ag-a-si", "ideal"}
	out = characterizeText(t, dir2, "svg", 1, list...)
	assert.Less(t, strings.Index(out, "graphene-pnc-ppf (phototransistor)"), strings.Index(out, "ag-a-si (memristor)"), "argument order")
	assert.Contains(t, out, "review vs simulated, all devices")
	assert.Contains(t, out, "(the review quotes no figure of merit for this device)") // ideal
	all := csvRecords(t, filepath.Join(dir2, "summary.csv"))
	require.GreaterOrEqual(t, len(all), 4)
	assert.Equal(t, []string{"device", "figure", "unit", "review", "simulated", "simulated_over_review", "kind", "match"}, all[0])
	snake := regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)
	csvs, err := filepath.Glob(filepath.Join(dir2, "*", "*.csv"))
	require.NoError(t, err)
	csvs = append(csvs, filepath.Join(dir2, "summary.csv"))
	for _, f := range csvs {
		for _, h := range csvRecords(t, f)[0] {
			assert.Regexp(t, snake, h, "a column of %s", f)
		}
	}
	var ppf []string
	for _, r := range all {
		if r[0] == "graphene-pnc-ppf" && r[1] == "PPF index" {
			ppf = r
		}
	}
	require.NotNil(t, ppf, "Han 2022's PPF index row")
	assert.Equal(t, "196", ppf[3])
	assert.Equal(t, []string{"simulated", "yes"}, ppf[6:8], "a protocol's check, and it matches")
	for _, r := range all {
		if r[0] == "ag-a-si" && r[1] == "conductance states" {
			assert.Equal(t, []string{"parameter", "–"}, r[6:8], "a restated parameter is no match")
		}
	}
	assert.Contains(t, out, "restate a parameter")
	for _, d := range list {
		assert.FileExists(t, filepath.Join(dir2, d, "summary.json"))
	}
	again := characterizeText(t, dir2, "svg", 1, list...)
	assert.Equal(t, out, again, "same seed, same output")
}
