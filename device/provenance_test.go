package device

import (
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMeasuredEnergies: where a paper measured the energy of a synaptic event, the preset's
// modelled energy of that event, V²·G_mid·t_pulse from its pulse voltage, window and pulse
// width (not the stored e_pot_j), equals the measurement within 10 %.
func TestMeasuredEnergies(t *testing.T) {
	want := map[string]float64{"si-nc-optosynapse": 0.7e-12, "si-nc-wse2": 75e-15, "p3ht-pqd": 3e-17}
	seen := 0
	for _, p := range Presets() {
		measured := p.Review.EEvent
		if w, ok := want[p.Name]; ok {
			assert.Equal(t, w, measured, "%s: the measured energy the review quotes", p.Name)
		}
		if measured == 0 {
			continue
		}
		seen++
		require.Positive(t, p.VPot, "%s: a measured event energy needs the pulse voltage to model it", p.Name)
		gmid := (p.Gmin + p.Gmax) / 2
		modelled := p.VPot * p.VPot * gmid * p.TPulse
		assert.InEpsilon(t, measured, modelled, 0.10, "%s: modelled %g J per event vs measured %g J", p.Name, modelled, measured)
		assert.InEpsilon(t, modelled, p.EPot, 1e-9, "%s: e_pot_j is the modelled pulse energy", p.Name)
		// A depression pulse of the same kind costs the same; not 10⁴ times more.
		if p.VDep > 0 {
			assert.InEpsilon(t, p.PulseEnergy(p.VDep), p.EDep, 1e-9, p.Name)
		}
	}
	assert.GreaterOrEqual(t, seen, len(want))
}

// TestPresetEnergyConvention: every preset's programming energies follow V²·G_mid·t_pulse
// (doc.go, Energy), and none costs its reads with a measured spike energy.
func TestPresetEnergyConvention(t *testing.T) {
	for _, p := range Presets() {
		if p.Name == "ideal" {
			continue
		}
		assert.InDelta(t, p.PulseEnergy(p.VPot), p.EPot, 1e-9*p.EPot+1e-300, "%s: e_pot_j", p.Name)
		assert.InDelta(t, p.PulseEnergy(p.VDep), p.EDep, 1e-9*p.EDep+1e-300, "%s: e_dep_j", p.Name)
		c := Counters{Reads: 10, ReadGSum: 10 * p.Gmax}
		assert.InDelta(t, p.VRead*p.VRead*p.TRead*10*p.Gmax, p.EnergyOf(c).Read, 1e-12*p.EnergyOf(c).Read+1e-300, "%s: read energy", p.Name)
	}
}

// TestAssumedFieldsHaveRanges: every assumed learning-relevant field of a preset (the ideal
// device aside, which is a definition) has a plausible range that contains its value, unless
// a stated rule ties it to ranged fields.
func TestAssumedFieldsHaveRanges(t *testing.T) {
	for _, p := range Presets() {
		if p.Name == "ideal" {
			assert.Empty(t, p.Ranges)
			continue
		}
		assert.NotEmpty(t, p.Prior, "%s: the class prior its assumptions come from", p.Name)
		for _, q := range p.Provenance() {
			for _, a := range q.Assumed {
				if strings.HasPrefix(p.learningSource(a.Field), "derived (assumed rule)") {
					continue
				}
				if assert.NotNil(t, a.Range, "%s: assumed %s = %g has no range", p.Name, a.Field, a.Value) {
					lo, hi := a.Range[0], a.Range[1]
					assert.True(t, lo <= a.Value*(1+1e-9) && a.Value <= hi*(1+1e-9) || a.Value == 0 && lo == 0,
						"%s: %s = %g outside its range [%g, %g]", p.Name, a.Field, a.Value, lo, hi)
					assert.Less(t, lo, hi, "%s: %s: a range, not a point", p.Name, a.Field)
					assert.Contains(t, p.learningSource(a.Field), "range", "%s: %s: the source states the range", p.Name, a.Field)
				}
			}
		}
		for f := range p.Ranges {
			assert.True(t, IsAssumedSource(p.learningSource(f)), "%s: %s has a range but a sourced value", p.Name, f)
		}
	}
}

// TestNoIdenticalPresetsWithoutSaying: two presets that are identical in every
// learning-relevant field learn identically; that is allowed only where their sources say so:
// no source gives either of them a learning number (every learning field assumed), and both
// take the same class prior, which `device list` shows (the comparisons rank them as one).
func TestNoIdenticalPresetsWithoutSaying(t *testing.T) {
	byKey := map[string][]*Params{}
	for _, p := range Presets() {
		byKey[p.LearningKey()] = append(byKey[p.LearningKey()], p)
	}
	for _, ps := range byKey {
		for _, p := range ps[1:] {
			q := ps[0]
			assert.Equal(t, q.Prior, p.Prior, "%s and %s learn identically but have different priors", q.Name, p.Name)
			for _, x := range []*Params{p, q} {
				s, _ := x.SourcedCount()
				assert.Zero(t, s, "%s: a preset with a sourced learning number cannot equal another (%s)", x.Name, p.Name)
			}
		}
	}
}

func TestLearningKeySeesEveryLearningField(t *testing.T) {
	p, err := Preset("ag-a-si")
	require.NoError(t, err)
	base := p.LearningKey()
	for _, f := range LearningFields() {
		q, _ := Preset("ag-a-si")
		if f == "on_off" {
			q.Gmax *= 2
		} else {
			v := fieldByJSON(q, f)
			if v.CanInt() {
				v.SetInt(v.Int() + 1)
			} else {
				v.SetFloat(v.Float() + 0.125)
			}
		}
		assert.NotEqual(t, base, q.LearningKey(), f)
	}
	q, _ := Preset("ag-a-si")
	q.Gmin, q.Gmax, q.EPot, q.TPulse = q.Gmin*3, q.Gmax*3, 1, 2 // scale and energy only
	assert.Equal(t, base, q.LearningKey())
}

func TestProvenanceCounts(t *testing.T) {
	p, err := Preset("ag-a-si")
	require.NoError(t, err)
	s, n := p.SourcedCount()
	assert.Equal(t, len(LearningQuantities), n)
	assert.Equal(t, 5, s, "NeuroSim's table gives states, both NL labels, on/off and C2C")
	p, err = Preset("si-nc-phototransistor")
	require.NoError(t, err)
	s, _ = p.SourcedCount()
	assert.Zero(t, s)
	assert.True(t, IsAssumedSource("assumed: x"))
	assert.True(t, IsAssumedSource("derived (assumed rule): y"))
	assert.False(t, IsAssumedSource("Tan 2018, review §3.1"))
}

func TestValidateRangesAndPulseEnergy(t *testing.T) {
	p := testParams()
	p.Ranges = map[string]Range{"c2c_sigma": {0.01, 0.05}}
	require.NoError(t, p.Validate())
	p.Ranges = map[string]Range{"gmin_s": {0, 1}}
	assert.ErrorContains(t, p.Validate(), "gmin_s")
	p.Ranges = map[string]Range{"c2c_sigma": {0.05, 0.01}}
	assert.ErrorContains(t, p.Validate(), "ranges.c2c_sigma")
	p.Ranges = map[string]Range{"c2c_sigma": {math.NaN(), 1}}
	assert.ErrorContains(t, p.Validate(), "ranges.c2c_sigma")
	p.Ranges = nil
	p.VPot, p.TPulse = 2, 1e-3
	p.EPot = p.PulseEnergy(2)
	require.NoError(t, p.Validate())
	p.EPot *= 1.5
	assert.ErrorContains(t, p.Validate(), "e_pot_j")
}
