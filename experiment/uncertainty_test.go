package experiment

import (
	"math"
	"testing"

	"github.com/nanospike/nanospike/device"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDrawsLatinHypercube(t *testing.T) {
	p, err := device.Preset("si-nc-phototransistor")
	require.NoError(t, err)
	const k = 8
	ds, err := Draws(p, k, 1)
	require.NoError(t, err)
	require.Len(t, ds, k)
	again, err := Draws(p, k, 1)
	require.NoError(t, err)
	other, err := Draws(p, k, 2)
	require.NoError(t, err)
	assert.Equal(t, ds, again, "same seed, same draws")
	assert.NotEqual(t, ds[0].C2C, other[0].C2C, "another seed, other draws")

	gmid := (p.Gmin + p.Gmax) / 2
	for f, r := range p.Ranges {
		if r[1] <= r[0] {
			continue
		}
		// Latin hypercube: each of the k strata of the range holds exactly one draw.
		hit := make([]int, k)
		for _, q := range ds {
			v := q.LearningValue(f)
			require.True(t, r[0]-1e-9*math.Abs(r[0]) <= v && v <= r[1]*(1+1e-9), "%s = %g outside [%g, %g]", f, v, r[0], r[1])
			u := (v - r[0]) / (r[1] - r[0])
			if logFields[f] {
				u = math.Log(v/r[0]) / math.Log(r[1]/r[0])
			}
			if f == "states" {
				continue // rounded to an integer: strata blur
			}
			hit[min(int(u*k), k-1)]++
		}
		if f != "states" {
			for i, h := range hit {
				assert.Equal(t, 1, h, "%s: stratum %d", f, i)
			}
		}
	}
	for _, q := range ds {
		require.NoError(t, q.Validate())
		assert.InEpsilon(t, gmid, (q.Gmin+q.Gmax)/2, 1e-12, "a drawn on/off keeps G_mid, so the pulse energies")
		assert.InEpsilon(t, p.EPot, q.EPot, 1e-9)
		assert.InDelta(t, 2*(q.PPFC1+q.PPFC2), q.STPMax, 1e-12, "the cap rule follows the drawn facilitation")
		assert.Contains(t, q.Source["c2c_sigma"], "drawn: ")
		assert.Equal(t, p.Name, q.Name)
	}
	assert.Equal(t, 0.02, p.C2C, "the preset itself is not changed")
}

func TestDrawsRules(t *testing.T) {
	p, err := device.Preset("ag-a-si") // no short-term part: a drawn C1 > 0 gets τ1
	require.NoError(t, err)
	ds, err := Draws(p, 4, 3)
	require.NoError(t, err)
	for _, q := range ds {
		if q.PPFC1 > 0 {
			assert.Equal(t, 0.1, q.PPFTau1)
		}
		assert.Equal(t, p.States, q.States, "NeuroSim's states are sourced: not drawn")
		assert.Equal(t, p.NLLTP, q.NLLTP)
	}
	ideal, err := device.Preset("ideal")
	require.NoError(t, err)
	none, err := Draws(ideal, 4, 1)
	require.NoError(t, err)
	assert.Nil(t, none, "nothing assumed, nothing to draw")
	_, err = Draws(p, 0, 1)
	assert.Error(t, err)
}

func TestSpreadsAndRobust(t *testing.T) {
	nominal := []Run{
		{Group: "ideal", Seed: 1, Accuracy: 0.80}, {Group: "ideal", Seed: 2, Accuracy: 0.82},
		{Group: "a", Seed: 1, Accuracy: 0.70}, {Group: "a", Seed: 2, Accuracy: 0.71},
		{Group: "b", Seed: 1, Accuracy: 0.60}, {Group: "b", Seed: 2, Accuracy: 0.62},
	}
	draws := []Run{
		{Group: "a", Seed: 1, Accuracy: 0.75, Energy: 2}, {Group: "a", Seed: 2, Accuracy: 0.65, Energy: 1},
		{Group: "b", Seed: 1, Accuracy: 0.50}, {Group: "b", Seed: 2, Accuracy: 0.83, Collapsed: true},
	}
	order := []string{"ideal", "a", "b"}
	sums := Summarize(nominal, order, "ideal")
	sp := Spreads(draws, nominal, sums, order, "ideal")
	require.Len(t, sp, 2)
	a, b := sp[0], sp[1]
	assert.Equal(t, "a", a.Group)
	assert.InDelta(t, 0.65, a.AccuracyMin, 1e-12)
	assert.InDelta(t, 0.75, a.AccuracyMax, 1e-12)
	assert.InDelta(t, 0.70, a.AccuracyMean, 1e-12)
	assert.Equal(t, 1.0, a.EnergyMin)
	assert.Equal(t, 2.0, a.EnergyMax)
	assert.InDelta(t, -0.17, *a.VsRefMin, 1e-12)
	assert.InDelta(t, -0.05, *a.VsRefMax, 1e-12)
	assert.Equal(t, VerdictBelow, sums[1].Verdict)
	assert.Equal(t, RobustBelow, a.Verdict, "every draw below the ideal on its seed")
	assert.Equal(t, NotRobust, b.Verdict, "one draw above the ideal")
	assert.Equal(t, 1, b.Collapsed)

	rob := Robust(sums, sp, []string{"ideal beats a (x)", "a beats b (y)", "c vs d: not distinguishable"})
	require.Len(t, rob, 2)
	assert.Contains(t, rob[0], "ideal beats a under every draw")
	assert.Contains(t, rob[1], "a beats b at the nominal values only")
}
