package device

import (
	"bytes"
	"encoding/gob"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// refFacil is the per-stimulus model of facilitation, as written: s1 and s2 decay exactly from
// the last stimulus (s_i(t) = s_i(t0)·e^(−(t−t0)/τ_i)) and grow by C_i (times the cap's room)
// at each stimulus.
type refFacil facil

func (f *refFacil) at(p *Params, t float64) float64 {
	if dt := t - f.T; dt > 0 {
		if f.S1 != 0 {
			f.S1 *= math.Exp(-dt / p.PPFTau1)
		}
		if f.S2 != 0 {
			f.S2 *= math.Exp(-dt / p.PPFTau2)
		}
		f.T = t
	}
	return f.S1 + f.S2
}

func (f *refFacil) stimulate(p *Params) {
	room := 1.0
	if p.STPMax > 0 {
		room = max(0, 1-(f.S1+f.S2)/p.STPMax)
	}
	f.S1 += p.PPFC1 * room
	f.S2 += p.PPFC2 * room
}

// TestRowSTPMatchesModel: an array's facilitation (referred to a common time, see rowSTP)
// is the per-stimulus model refFacil within the rounding of the times (relative, or absolute
// below 1e-6), with and
// without the cap, over spans long
// enough to move the common time many times, with rows read at random times.
func TestRowSTPMatchesModel(t *testing.T) {
	for _, name := range []string{"si-nc-phototransistor", "si-nc-memristor", "graphene-pnc-ppf"} {
		p, err := Preset(name)
		require.NoError(t, err)
		require.True(t, p.hasSTP(), name)
		for _, capped := range []bool{false, true} {
			q := *p
			if !capped {
				q.STPMax = 0
			}
			const rows = 7
			a, err := NewArray(&q, rows, 2, 1)
			require.NoError(t, err)
			ref := make([]refFacil, rows)
			r := rand.New(rand.NewPCG(3, 3))
			tm := 0.0
			worst := 0.0
			for range 20000 {
				// Mostly a few ms apart, sometimes a long silence (rebases).
				if r.IntN(50) == 0 {
					tm += 1000 * q.PPFTau1 * r.Float64()
				} else {
					tm += 0.0005 * float64(r.IntN(20))
				}
				i := r.IntN(rows)
				want := ref[i].at(&q, tm)
				ref[i].stimulate(&q)
				_, fac, _, _ := a.readRow(i, tm)
				got := fac - 1
				// Relative to the value, or to 1e-6 for values that no longer matter next to
				// the 1 of 1 + s (the common time can underflow them to 0 earlier).
				worst = max(worst, math.Abs(got-want)/max(want, 1e-6))
			}
			// Both compute e^(−Δt/τ) from times that carry an absolute rounding of ulp(t): their
			// results may differ by that much over τ, relatively.
			tau := q.PPFTau1
			if q.PPFC2 != 0 {
				tau = min(tau, q.PPFTau2)
			}
			tol := 1e-12 + 16*0x1p-52*tm/tau
			assert.Less(t, worst, tol, "%s capped=%v: worst relative error (t up to %g s)", name, capped, tm)
			assert.Greater(t, a.stp.T0, 0.0, "%s: the common time moved", name)
		}
	}
}

// TestRowSTPTimeOrder: reads must not go back in time across the array; resetShortTerm starts
// the clock again.
func TestRowSTPTimeOrder(t *testing.T) {
	p, err := Preset("si-nc-phototransistor")
	require.NoError(t, err)
	a, err := NewArray(p, 3, 2, 1)
	require.NoError(t, err)
	dst := make([]float64, 2)
	a.AccumulateRow(dst, 0, 1.0)
	a.AccumulateRow(dst, 1, 1.0) // the same time: fine
	assert.Panics(t, func() { a.AccumulateRow(dst, 2, 0.5) }, "another row, earlier")
	a.resetShortTerm()
	assert.NotPanics(t, func() { a.AccumulateRow(dst, 2, 0.5) })
}

// TestArrayLoadsPerRowFacilitation: a checkpoint written before version 3 (per-row facil
// states) loads and continues with the same facilitation.
func TestArrayLoadsPerRowFacilitation(t *testing.T) {
	p, err := Preset("si-nc-phototransistor")
	require.NoError(t, err)
	a, err := NewArray(p, 4, 3, 2)
	require.NoError(t, err)
	ref := []facil{{S1: 0.3, S2: 0.1, T: 2.0}, {}, {S1: 0.05, T: 1.5}, {S1: 0.2, S2: 0.2, T: 2.1}}
	data, err := a.MarshalBinary()
	require.NoError(t, err)
	var st arrayState
	require.NoError(t, gob.NewDecoder(bytes.NewReader(data)).Decode(&st))
	st.Version, st.STP, st.Facil = 2, nil, ref
	var buf bytes.Buffer
	require.NoError(t, gob.NewEncoder(&buf).Encode(&st))
	var b Array
	require.NoError(t, b.UnmarshalBinary(buf.Bytes()))
	for i := range ref {
		r := refFacil(ref[i])
		want := r.at(&b.p, 2.2)
		_, fac, _, _ := b.readRow(i, 2.2)
		assert.InDelta(t, want, fac-1, 1e-12*max(want, 1), "row %d", i)
	}
	st.Facil = ref[:2]
	buf.Reset()
	require.NoError(t, gob.NewEncoder(&buf).Encode(&st))
	assert.ErrorContains(t, b.UnmarshalBinary(buf.Bytes()), "facilitation states")
}

// TestRowSTPChainedFactors: reads on an engine's clock (t = k·dt, some steps skipped, with
// long silences, then a steady stretch long enough for the common time to move on a cached gap
// and for chains to hit their bound) take their factors from the cached gaps almost always,
// stay within 1e-12 of factors computed afresh at every read, and an array saved mid-chain
// continues with the bits of the original; a corrupt factor state is refused.
func TestRowSTPChainedFactors(t *testing.T) {
	p, err := Preset("si-nc-phototransistor")
	require.NoError(t, err)
	a, err := NewArray(p, 3, 2, 1)
	require.NoError(t, err)
	fresh := newRowSTP(3) // the same reads, its factors always computed afresh
	r := rand.New(rand.NewPCG(7, 7))
	const dt = 0.0005
	k, chained, reads, rebasedChained := 0, 0, 0, 0
	read := func(a *Array, k int) float64 {
		_, fac, _, _ := a.readRow(k%3, float64(k)*dt)
		return fac - 1
	}
	check := func(silences bool) {
		k += 1 + r.IntN(2) // a step without input spikes now and then
		if silences && r.IntN(700) == 0 {
			k += 300 + r.IntN(3000) // a rest, or a long silence
		}
		before, t0, cachedGap := a.stp.Chain, a.stp.T0, a.stp.Valid && a.stp.find(float64(k)*dt-a.stp.Tc) != nil
		got := read(a, k)
		require.LessOrEqual(t, a.stp.Chain, maxChain)
		if a.stp.Chain == before+1 {
			chained++
		}
		if a.stp.T0 != t0 && cachedGap {
			rebasedChained++
		}
		reads++
		fresh.Valid = false
		want := fresh.stimulate(p, k%3, float64(k)*dt)
		// Relative, or to 1e-6 for values that no longer matter next to 1 (as TestRowSTPMatchesDevice).
		require.LessOrEqual(t, math.Abs(got-want), 1e-12*max(want, 1e-6), "read %d at step %d: %v, fresh %v", reads, k, got, want)
	}
	for range 30000 {
		check(true)
	}
	// A steady clock past 500·τ: the common time moves on a cached gap, chains hit maxChain.
	tau := min(p.PPFTau1, p.PPFTau2)
	for end := a.stp.T0 + 600*tau; float64(k)*dt < end; {
		check(false)
	}
	assert.Greater(t, float64(chained)/float64(reads), 0.9, "most reads take chained factors")
	assert.Positive(t, rebasedChained, "the common time moved on a read one cached gap after the last")

	data, err := a.MarshalBinary()
	require.NoError(t, err)
	var b Array
	require.NoError(t, b.UnmarshalBinary(data))
	for range 2000 {
		k += 1 + r.IntN(2)
		require.Equal(t, math.Float64bits(read(a, k)), math.Float64bits(read(&b, k)), "step %d", k)
	}

	var st arrayState
	require.NoError(t, gob.NewDecoder(bytes.NewReader(data)).Decode(&st))
	for _, corrupt := range []func(*rowSTP){
		func(s *rowSTP) { s.Next = 8 },
		func(s *rowSTP) { s.Chain = -1 },
		func(s *rowSTP) { s.D1 = math.NaN() },
		func(s *rowSTP) { s.Steps[3].E2 = math.Inf(1) },
	} {
		var bad arrayState
		require.NoError(t, gob.NewDecoder(bytes.NewReader(data)).Decode(&bad))
		corrupt(bad.STP)
		var buf bytes.Buffer
		require.NoError(t, gob.NewEncoder(&buf).Encode(&bad))
		assert.ErrorContains(t, b.UnmarshalBinary(buf.Bytes()), "facilitation factor state")
	}
}
