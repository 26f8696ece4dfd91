package experiment

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nanospike/nanospike/device"
)

// statesSweep is a states sweep whose loss falls as the states grow, with seed noise.
func statesSweep() []SweepPoint {
	base := map[float64]float64{8: 10, 16: 4, 32: 1.5, 64: 0.5, 128: 0.2}
	noise := []float64{-0.1, 0, 0.1}
	var pts []SweepPoint
	for _, v := range []float64{16, 128, 8, 64, 32} { // any order
		p := SweepPoint{Value: v}
		for _, n := range noise {
			p.Loss = append(p.Loss, base[v]+n)
		}
		pts = append(pts, p)
	}
	return pts
}

func TestFindTargetInterpolates(t *testing.T) {
	tg, err := FindTarget("states", 16, Higher, true, statesSweep(), 1)
	require.NoError(t, err)
	// Between 64 (0.5 pp) and 32 (1.5 pp), halfway on a log scale: √(64·32).
	assert.InEpsilon(t, math.Sqrt(64*32), tg.Threshold.Mean, 1e-12)
	assert.Equal(t, VerdictNeeds, tg.Verdict)
	assert.Equal(t, 3, tg.Threshold.N)
	assert.Less(t, tg.Threshold.Lo, tg.Threshold.Mean)
	assert.Greater(t, tg.Threshold.Hi, tg.Threshold.Mean)
	assert.True(t, tg.Effect.Excludes(0))

	own64, err := FindTarget("states", 64, Higher, true, statesSweep(), 1)
	require.NoError(t, err)
	assert.Equal(t, VerdictMeets, own64.Verdict)

	// A stricter target never asks for fewer states; a looser one never for more.
	prev := 0.0
	for _, target := range []float64{8, 5, 3, 1, 0.6, 0.3} {
		tg, err := FindTarget("states", 128, Higher, true, statesSweep(), target)
		require.NoError(t, err)
		assert.GreaterOrEqual(t, tg.Threshold.Mean, prev, "target %v", target)
		prev = tg.Threshold.Mean
		assert.Equal(t, VerdictMeets, tg.Verdict, "a device at the best value meets every reachable target")
	}
}

func TestFindTargetLowerIsBetter(t *testing.T) {
	// C2C: the loss grows with the spread.
	pts := []SweepPoint{{0, []float64{0, 0.1}}, {0.01, []float64{0.4, 0.6}}, {0.02, []float64{1.9, 2.1}}, {0.05, []float64{6, 7}}}
	tg, err := FindTarget("c2c_sigma", 0.05, Lower, false, pts, 1)
	require.NoError(t, err)
	// Between 0.01 (0.5 pp) and 0.02 (2 pp): 0.01 + 0.5/1.5·0.01.
	assert.InEpsilon(t, 0.01+0.01/3, tg.Threshold.Mean, 1e-12)
	assert.Equal(t, VerdictNeeds, tg.Verdict)
	tg, err = FindTarget("c2c_sigma", 0, Lower, false, pts, 1)
	require.NoError(t, err)
	assert.Equal(t, VerdictMeets, tg.Verdict, "the ideal value meets the target")
}

func TestFindTargetWithoutCrossing(t *testing.T) {
	all := []SweepPoint{{1, []float64{3, 3.2}}, {2, []float64{4, 4.1}}}
	tg, err := FindTarget("nl_ltp", 2, Lower, false, all, 1)
	require.NoError(t, err)
	assert.Equal(t, VerdictUnreachable, tg.Verdict)
	assert.True(t, math.IsNaN(tg.Threshold.Mean))

	within := []SweepPoint{{1, []float64{0.1, 0.2, 0.1}}, {2, []float64{0.5, 0.6, 0.55}}}
	tg, err = FindTarget("nl_ltp", 2, Lower, false, within, 1)
	require.NoError(t, err)
	assert.Equal(t, VerdictAnyValue, tg.Verdict)

	flat := []SweepPoint{{1, []float64{0.3, -0.2, 0.1}}, {2, []float64{-0.1, 0.3, 0.0}}}
	tg, err = FindTarget("read_noise", 2, Lower, false, flat, 1)
	require.NoError(t, err)
	assert.Equal(t, VerdictInsensitive, tg.Verdict, "a flat sweep says the run is insensitive, not that anything goes")
}

func TestFindTargetErrors(t *testing.T) {
	pts := statesSweep()
	for _, c := range []struct {
		target float64
		own    float64
		pts    []SweepPoint
		want   string
	}{
		{0, 16, pts, "loss target"},
		{-1, 16, pts, "loss target"},
		{math.NaN(), 16, pts, "loss target"},
		{1, 4, pts, "outside the swept range"},
		{1, 16, pts[:1], "at least two"},
		{1, 16, []SweepPoint{{8, []float64{1}}, {16, []float64{1, 2}}}, "same seeds"},
		{1, 16, []SweepPoint{{0, []float64{1}}, {16, []float64{1}}}, "log-scale"},
	} {
		_, err := FindTarget("states", c.own, Higher, true, c.pts, c.target)
		assert.ErrorContains(t, err, c.want)
	}
}

func TestTornado(t *testing.T) {
	s, err := Tornado(SweepPoint{16, []float64{4, 5}}, SweepPoint{65536, []float64{1, 1}})
	require.NoError(t, err)
	assert.Equal(t, 3.5, s.Mean)
	_, err = Tornado(SweepPoint{16, []float64{4}}, SweepPoint{65536, []float64{1, 1}})
	assert.Error(t, err)
}

func TestTargetParamGrid(t *testing.T) {
	st, err := TargetParamByName("states")
	require.NoError(t, err)
	assert.Equal(t, []float64{1024, 512, 256, 128, 64, 32, 16}, st.Grid(64))
	assert.Equal(t, []float64{65536, 32768, 16384}, st.Grid(65536), "a device better than the ideal end keeps its own value as the best")
	assert.Equal(t, []float64{1024, 512, 256, 128, 64, 32, 16, 12, 6, 3}, st.Grid(12))
	nl, _ := TargetParamByName("nl_ltp")
	assert.Equal(t, []float64{0, 0.6, 1.2, 2.4, 4.8}, nl.Grid(2.4))
	assert.Equal(t, []float64{0, 1, 2, 4}, nl.Grid(0))
	ltd, _ := TargetParamByName("nl_ltd")
	assert.Equal(t, []float64{0, -1.22, -2.44, -4.88, -9}, ltd.Grid(-4.88), "NeuroSim's table ends at |NL| = 9")
	oo, _ := TargetParamByName("on_off")
	g := oo.Grid(10)
	assert.Equal(t, 10.0, g[len(g)-2], "own, then worse")
	assert.Equal(t, 1000.0, g[0])
	_, err = TargetParamByName("colour")
	assert.ErrorContains(t, err, "colour")
	for _, p := range TargetParams {
		for _, own := range []float64{p.Ideal, 0.3, 7, 100} {
			if p.Name == "nl_ltd" {
				own = -own
			}
			g := p.Grid(own)
			assert.Contains(t, g, own, "%s: the grid holds the device's value", p.Name)
			tg, err := FindTarget(p.Name, own, p.Better, p.Log, flatPoints(g), 1)
			require.NoError(t, err, "%s %v: %v", p.Name, own, g)
			assert.Equal(t, VerdictInsensitive, tg.Verdict)
		}
	}
}

func flatPoints(vs []float64) []SweepPoint {
	var pts []SweepPoint
	for _, v := range vs {
		pts = append(pts, SweepPoint{Value: v, Loss: []float64{0.1, -0.1}})
	}
	return pts
}

func TestSetTarget(t *testing.T) {
	p, err := device.Preset("si-nc-phototransistor")
	require.NoError(t, err)
	for _, tp := range TargetParams {
		q := *p
		own, err := TargetValue(&q, tp.Name)
		require.NoError(t, err)
		for _, v := range tp.Grid(own) {
			r := q
			require.NoError(t, SetTarget(&r, tp.Name, v), "%s = %v", tp.Name, v)
			got, err := TargetValue(&r, tp.Name)
			require.NoError(t, err)
			assert.InEpsilon(t, v+1e-300, got+1e-300, 1e-9, "%s", tp.Name)
		}
	}
	q := *p
	assert.Error(t, SetTarget(&q, "states", 1), "an impossible value fails validation")
	assert.ErrorContains(t, SetTarget(&q, "colour", 1), "colour")
	_, err = TargetValue(&q, "colour")
	assert.Error(t, err)
	assert.NotNil(t, p.Ranges["c2c_sigma"], "the preset's ranges are not touched")
}

// TestFindTargetReversed: when the nominally best value loses more than the target and the
// device's own value does not, the parameter is reversed (no threshold), not unreachable;
// Reversal says whether that is established over the seeds.
func TestFindTargetReversed(t *testing.T) {
	pts := []SweepPoint{
		{Value: 1024, Loss: []float64{25, 30, 28}},
		{Value: 256, Loss: []float64{10, 12, 9}},
		{Value: 64, Loss: []float64{-5, -4, -6}},
		{Value: 16, Loss: []float64{3, 2, 4}},
	}
	tg, err := FindTarget("states", 64, Higher, true, pts, 1)
	require.NoError(t, err)
	assert.Equal(t, VerdictReversed, tg.Verdict)
	assert.True(t, math.IsNaN(tg.Threshold.Mean))
	// Own loses more than the target but clearly less than the better values: reversed too.
	tg, err = FindTarget("states", 16, Higher, true, pts, 1)
	require.NoError(t, err)
	assert.Equal(t, VerdictReversed, tg.Verdict)
	// Own loses more than the target and better values do not lose more: unreachable.
	flat := []SweepPoint{{Value: 1024, Loss: []float64{3, 3.2, 2.9}}, {Value: 64, Loss: []float64{3.1, 3, 3.3}}}
	tg, err = FindTarget("states", 64, Higher, true, flat, 1)
	require.NoError(t, err)
	assert.Equal(t, VerdictUnreachable, tg.Verdict)
	r, ok := Reversal(pts, 64, Higher)
	require.True(t, ok)
	assert.True(t, r.Excludes(0), "established: %+v", r)
	// Noisy: still reversed, but the paired difference's interval holds 0.
	noisy := []SweepPoint{{Value: 1024, Loss: []float64{25, -10, 20}}, {Value: 64, Loss: []float64{-5, 0, -6}}}
	tg, err = FindTarget("states", 64, Higher, true, noisy, 1)
	require.NoError(t, err)
	assert.Equal(t, VerdictReversed, tg.Verdict)
	r, ok = Reversal(noisy, 64, Higher)
	require.True(t, ok)
	assert.False(t, r.Excludes(0))
}

// TestFindTargetNotMonotone: a sweep that crosses the target between its best value and the
// device's, while the device's own value is within it, gives no threshold (reversed), not
// "needs".
func TestFindTargetNotMonotone(t *testing.T) {
	pts := []SweepPoint{
		{Value: 1024, Loss: []float64{0.5, 0.4, 0.5}},
		{Value: 256, Loss: []float64{1.5, 1.4, 1.5}},
		{Value: 128, Loss: []float64{2.2, 2.1, 2.2}},
		{Value: 50, Loss: []float64{0.8, 0.9, 0.8}},
		{Value: 25, Loss: []float64{1.8, 1.7, 1.8}},
	}
	tg, err := FindTarget("states", 50, Higher, true, pts, 1)
	require.NoError(t, err)
	assert.Equal(t, VerdictReversed, tg.Verdict)
	assert.True(t, math.IsNaN(tg.Threshold.Mean))
	r, ok := Reversal(pts, 50, Higher)
	require.True(t, ok)
	assert.InDelta(t, 1.33, r.Mean, 0.01, "128 states lose 1.33 pp more than 50")
	// A device past the crossing and beyond the target needs the threshold.
	tg, err = FindTarget("states", 25, Higher, true, pts, 1)
	require.NoError(t, err)
	assert.Equal(t, VerdictNeeds, tg.Verdict)
}
