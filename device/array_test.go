package device

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func meanStd(x []float64) (m, s float64) {
	for _, v := range x {
		m += v
	}
	m /= float64(len(x))
	for _, v := range x {
		s += (v - m) * (v - m)
	}
	return m, math.Sqrt(s / float64(len(x)-1))
}

func hashG(a *Array) uint64 {
	h := fnv.New64a()
	for _, g := range a.Conductances() {
		b := math.Float64bits(g)
		h.Write([]byte{byte(b), byte(b >> 8), byte(b >> 16), byte(b >> 24), byte(b >> 32), byte(b >> 40), byte(b >> 48), byte(b >> 56)})
	}
	return h.Sum64()
}

func storm(a *Array, seed uint64, n int) {
	r := rand.New(rand.NewPCG(seed, 9))
	for range n {
		a.program(r.IntN(a.Rows()), r.IntN(a.Cols()), (r.Float64()-0.5)*80)
	}
}

func TestNewArrayErrors(t *testing.T) {
	_, err := NewArray(testParams(), 0, 3, 1)
	assert.ErrorContains(t, err, "rows and cols")
	p := testParams()
	p.Gmax = p.Gmin
	_, err = NewArray(p, 2, 3, 1)
	assert.ErrorContains(t, err, "gmax_s")
}

func TestArrayStaysInWindow(t *testing.T) {
	p := testParams()
	p.C2C = 0.3 // a violent device
	p.D2DNL, p.D2DG = 1, 0.2
	p.StuckMin, p.StuckMax = 0.05, 0.05
	a, err := NewArray(p, 20, 30, 7)
	require.NoError(t, err)
	storm(a, 1, 20000)
	for i := range a.Rows() {
		for j := range a.Cols() {
			lo, hi := a.window(i, j)
			g := a.conductance(i, j)
			require.True(t, g >= lo && g <= hi, "G %g outside [%g, %g] at (%d,%d)", g, lo, hi, i, j)
			require.True(t, lo >= 0 && lo < hi)
		}
	}
}

func TestStuckDevicesNeverMove(t *testing.T) {
	p := testParams()
	p.StuckMin, p.StuckMax = 0.1, 0.1
	a, err := NewArray(p, 40, 50, 3)
	require.NoError(t, err)
	before := append([]float64(nil), a.Conductances()...)
	storm(a, 2, 50000)
	nStuck := 0
	for i := range a.Rows() {
		for j := range a.Cols() {
			if a.isStuck(i, j) {
				nStuck++
				require.Equal(t, before[i*a.Cols()+j], a.conductance(i, j))
			}
		}
	}
	assert.InDelta(t, 0.2*2000, float64(nStuck), 5*math.Sqrt(2000*0.2*0.8), "fraction of stuck devices")
	// A stuck-at-max device starts and stays at Gmax.
	p.StuckMin, p.StuckMax = 0, 1
	b, err := NewArray(p, 2, 2, 1)
	require.NoError(t, err)
	b.program(0, 0, -50)
	assert.Equal(t, p.Gmax, b.conductance(0, 0))
}

func TestPmaxPulsesReachGmax(t *testing.T) {
	p := testParams()
	p.C2C, p.ReadNoise = 0, 0
	a, err := NewArray(p, 1, 3, 1)
	require.NoError(t, err)
	for range p.States {
		a.program(0, 0, 1)
	}
	a.program(0, 1, float64(p.States))
	assert.InEpsilon(t, p.Gmax, a.conductance(0, 0), 1e-12)
	assert.InEpsilon(t, p.Gmax, a.conductance(0, 1), 1e-12)
	assert.InDelta(t, 1, a.weight(0, 0), 1e-9)
	a.program(0, 0, -float64(p.States))
	assert.InDelta(t, p.Gmin, a.conductance(0, 0), 1e-12*p.Gmax)
	c := a.Counters()
	assert.Equal(t, Counters{PotPulses: 2 * uint64(p.States), DepPulses: uint64(p.States)},
		Counters{PotPulses: c.PotPulses, DepPulses: c.DepPulses})
	assert.Greater(t, c.PotGSum, float64(2*p.States)*p.Gmin, "pulses see the present conductance, above Gmin")
	assert.Less(t, c.PotGSum, float64(2*p.States)*p.Gmax)
}

func TestC2CSpread(t *testing.T) {
	p := testParams()
	p.ReadNoise = 0
	const n = 4
	for _, sigma := range []float64{0.01, 0.035} {
		p.C2C = sigma
		a, err := NewArray(p, 100, 100, 11)
		require.NoError(t, err)
		// Start every device in mid-window so that clipping never acts.
		mid := 0.5 * (p.Gmin + p.Gmax)
		g := a.Conductances()
		for k := range g {
			g[k] = mid
		}
		want := a.curves[0].pot(mid, n)
		var d []float64
		for i := range a.Rows() {
			for j := range a.Cols() {
				a.program(i, j, n)
				d = append(d, a.conductance(i, j)-want)
			}
		}
		m, s := meanStd(d)
		wantS := sigma * (p.Gmax - p.Gmin) * math.Sqrt(n)
		assert.InDelta(t, 0, m, 4*wantS/100, "mean of the C2C noise (σ %g)", sigma)
		assert.InEpsilon(t, wantS, s, 0.05, "σ of an n-pulse step is σ_c2c·ΔG·√n")
	}
}

func TestD2DSpread(t *testing.T) {
	p := testParams()
	p.D2DG, p.D2DNL = 0.05, 0.5
	a, err := NewArray(p, 100, 100, 5)
	require.NoError(t, err)
	var lo, hi, kp []float64
	for i := range a.Rows() {
		for j := range a.Cols() {
			l, h := a.window(i, j)
			lo = append(lo, l/p.Gmin)
			hi = append(hi, h/p.Gmax)
			kp = append(kp, a.curves[i*a.Cols()+j].kP)
		}
	}
	m, s := meanStd(lo)
	assert.InDelta(t, 1, m, 0.003)
	assert.InEpsilon(t, p.D2DG, s, 0.05)
	m, s = meanStd(hi)
	assert.InDelta(t, 1, m, 0.003)
	assert.InEpsilon(t, p.D2DG, s, 0.05)
	// The NL labels vary: recover the σ of the label through the (monotone) table.
	var nl []float64
	for _, k := range kp {
		nl = append(nl, labelOf(k*float64(p.States)))
	}
	m, s = meanStd(nl)
	assert.InDelta(t, p.NLLTP, m, 0.03)
	assert.InEpsilon(t, p.D2DNL, s, 0.05)
	// Devices start at their own Gmin.
	l, _ := a.window(3, 4)
	assert.Equal(t, l, a.conductance(3, 4))
}

// labelOf inverts invNormA by bisection (for the test only).
func labelOf(k float64) float64 {
	lo, hi := -9.0, 9.0
	for range 100 {
		m := 0.5 * (lo + hi)
		if invNormA(m) < k {
			lo = m
		} else {
			hi = m
		}
	}
	return 0.5 * (lo + hi)
}

func TestSeedDeterminism(t *testing.T) {
	p := testParams()
	p.D2DNL, p.D2DG, p.StuckMin = 0.3, 0.05, 0.01
	mk := func(seed uint64) *Array {
		a, err := NewArray(p, 30, 40, seed)
		require.NoError(t, err)
		storm(a, 4, 5000)
		dst := make([]float64, a.Cols())
		for i := range a.Rows() {
			a.AccumulateRow(dst, i, 0.01*float64(i))
		}
		return a
	}
	a1, a2, b := mk(42), mk(42), mk(43)
	assert.Equal(t, hashG(a1), hashG(a2), "same seed, same array bit for bit")
	assert.NotEqual(t, hashG(a1), hashG(b), "different seed, different array")
	assert.Equal(t, a1.Counters(), a2.Counters())
}

func TestStochasticRoundingMean(t *testing.T) {
	p := idealParams()
	p.States = MaxStates // pulses are counted whether or not the device saturates
	a, err := NewArray(p, 1, 1, 3)
	require.NoError(t, err)
	const trials = 200000
	for _, frac := range []float64{0.3, 2.7} {
		a.ResetCounters()
		for range trials {
			a.program(0, 0, frac)
		}
		got := float64(a.Counters().PotPulses) / trials
		f := frac - math.Floor(frac)
		assert.InDelta(t, frac, got, 5*math.Sqrt(f*(1-f)/trials), "mean pulses of %g", frac)
	}
	a.ResetCounters()
	for range trials {
		a.program(0, 0, -0.25)
	}
	assert.InDelta(t, 0.25, float64(a.Counters().DepPulses)/trials, 5*math.Sqrt(0.25*0.75/trials))
}

func TestReadNoiseAndWeights(t *testing.T) {
	p := idealParams()
	p.ReadNoise = 0.05
	a, err := NewArray(p, 50, 40, 1)
	require.NoError(t, err)
	a.setWMax(2)
	for i := range a.Rows() {
		for j := range a.Cols() {
			a.program(i, j, 32) // mid window, linear
		}
	}
	w := a.weight(3, 3)
	assert.InDelta(t, 1.0, w, 1e-12)
	assert.Equal(t, 2.0, a.wmax)
	g := 0.5 * (p.Gmin + p.Gmax)
	var reads []float64
	for range 20 {
		reads = append(reads, a.readTo(nil)...)
	}
	m, s := meanStd(reads)
	wantS := 2 * g * p.ReadNoise / (p.Gmax - p.Gmin)
	assert.InDelta(t, w, m, 4*wantS/math.Sqrt(float64(len(reads))))
	assert.InEpsilon(t, wantS, s, 0.03)
	assert.Equal(t, uint64(20*50*40), a.Counters().Reads)
	ws := a.WeightsTo(nil)
	assert.Len(t, ws, 2000)
	assert.InDelta(t, 1, ws[77], 1e-12)
	assert.Panics(t, func() { a.setWMax(0) })
	assert.Panics(t, func() { a.weight(50, 0) })
}

func TestAccumulateRowFacilitation(t *testing.T) {
	p := testParams()
	p.ReadNoise, p.C2C = 0, 0
	a, err := NewArray(p, 3, 5, 1)
	require.NoError(t, err)
	a.program(1, 2, 50)
	g := a.conductance(1, 2)
	toW := func(gr float64) float64 { return (gr - p.Gmin) / (p.Gmax - p.Gmin) }
	dst := make([]float64, 5)
	a.AccumulateRow(dst, 1, 0.1)
	assert.InDelta(t, toW(g), dst[2], 1e-12)
	assert.InDelta(t, 0, dst[0], 1e-12)
	clear(dst)
	dt := 0.03
	a.AccumulateRow(dst, 1, 0.1+dt)
	s := p.PPFC1*math.Exp(-dt/p.PPFTau1) + p.PPFC2*math.Exp(-dt/p.PPFTau2)
	assert.InDelta(t, toW(g*(1+s)), dst[2], 1e-12)
	// Other rows are not facilitated.
	clear(dst)
	a.AccumulateRow(dst, 0, 0.2)
	assert.InDelta(t, 0, dst[0], 1e-12)
	assert.Equal(t, uint64(15), a.Counters().Reads)
	assert.Panics(t, func() { a.AccumulateRow(dst, 1, 0.05) }, "time going backwards")
	a.resetShortTerm()
	assert.NotPanics(t, func() { a.AccumulateRow(dst, 1, 0.05) })
	assert.Panics(t, func() { a.AccumulateRow(dst[:4], 1, 1) })
}

func TestProgramTo(t *testing.T) {
	p := testParams()
	a, err := NewArray(p, 4, 4, 9)
	require.NoError(t, err)
	for _, w := range []float64{0.8, 0.3, 0.55} {
		used := a.programTo(1, 1, w, 0.03, 500)
		assert.Greater(t, used, 0)
		assert.InDelta(t, w, a.weight(1, 1), 0.1, "write-and-verify toward %g", w)
	}
	assert.Equal(t, 10, a.programTo(2, 2, 5, 0.01, 10), "an unreachable target uses all pulses")
	assert.InDelta(t, 25.0, a.pulsesFor(0.25)*100/float64(p.States), 1e-9)
}

func TestMarshalRoundTripAndClone(t *testing.T) {
	p := testParams()
	p.D2DNL, p.D2DG, p.StuckMin = 0.2, 0.03, 0.02
	a, err := NewArray(p, 10, 12, 77)
	require.NoError(t, err)
	a.setWMax(0.5)
	storm(a, 5, 3000)
	dst := make([]float64, 12)
	a.AccumulateRow(dst, 3, 0.5)
	data, err := a.MarshalBinary()
	require.NoError(t, err)
	var b Array
	require.NoError(t, b.UnmarshalBinary(data))
	assert.Equal(t, hashG(a), hashG(&b))
	assert.Equal(t, a.Counters(), b.Counters())
	assert.Equal(t, 0.5, b.wmax)
	// Both continue identically: same RNG state, same curves, same facilitation.
	storm(a, 6, 3000)
	storm(&b, 6, 3000)
	d1, d2 := make([]float64, 12), make([]float64, 12)
	a.AccumulateRow(d1, 3, 0.51)
	b.AccumulateRow(d2, 3, 0.51)
	assert.Equal(t, d1, d2)
	assert.Equal(t, hashG(a), hashG(&b))
	assert.Error(t, b.UnmarshalBinary(data[:10]))

	c := a.Clone(1)
	assert.Equal(t, hashG(a), hashG(c))
	c.program(0, 0, 30)
	assert.NotEqual(t, hashG(a), hashG(c), "a clone owns its conductances")
}

func TestRelaxAndEnergy(t *testing.T) {
	p := testParams()
	p.C2C, p.ReadNoise = 0, 0
	a, err := NewArray(p, 1, 2, 1)
	require.NoError(t, err)
	a.program(0, 0, float64(p.States))
	a.relax(100)
	y := p.RetA + p.RetB*math.Pow(100, -p.RetM)
	assert.InEpsilon(t, p.Gmin+(p.Gmax-p.Gmin)*y, a.conductance(0, 0), 1e-12)
	assert.Equal(t, 1.0, p.Retained(0.5))
	q := idealParams()
	assert.Equal(t, 1.0, q.Retained(1e9), "no retention data: nothing is lost")

	a.ResetCounters()
	dst := make([]float64, 2)
	a.AccumulateRow(dst, 0, 1)
	g0 := a.conductance(0, 1)
	a.program(0, 1, 3)
	g1 := a.conductance(0, 1)
	a.program(0, 1, -2)
	g2 := a.conductance(0, 1)
	c := a.Counters()
	e := p.EnergyOf(c)
	gsum := a.conductance(0, 0) + p.Gmin*(1) // row read before programming col 1
	assert.InEpsilon(t, p.VRead*p.VRead*p.TRead*gsum, e.Read, 1e-9)
	// Each pulse at its present conductance: V²·(G_before + G_after)/2·t per pulse, and
	// e_pot_j = V²·G_mid·t, so E = e_pot_j·ΣG/G_mid.
	gmid := (p.Gmin + p.Gmax) / 2
	assert.InEpsilon(t, 3*p.EPot*(g0+g1)/2/gmid, e.Pot, 1e-12)
	assert.InEpsilon(t, 2*p.EDep*(g1+g2)/2/gmid, e.Dep, 1e-12)
	assert.Less(t, e.Pot, 3*p.EPot, "near Gmin a pulse costs less than at mid-window")
	assert.InEpsilon(t, e.Read+e.Pot+e.Dep, e.Total, 1e-12)
	old := c
	old.PotGSum, old.DepGSum = 0, 0 // counters stored before the sums existed: e_pot_j per pulse
	assert.InEpsilon(t, 3*p.EPot, p.EnergyOf(old).Pot, 1e-12)
	p.EEvent = 1e-15 // a measured programming event: never the cost of a read (doc.go, Energy)
	assert.Equal(t, e.Read, p.EnergyOf(c).Read)
	assert.Equal(t, c.Reads*2, c.Add(c).Reads)
}

func TestAccumulateRowVarMatchesPerReadNoise(t *testing.T) {
	p := testParams()
	p.C2C, p.ReadNoise = 0, 0.1
	a, err := NewArray(p, 6, 2, 1)
	require.NoError(t, err)
	for i := range 6 {
		a.program(i, 0, float64(10*i+5))
		a.program(i, 1, 60)
	}
	const trials = 20000
	var direct, deferred [2][]float64
	dst, v := make([]float64, 2), make([]float64, 2)
	for k := range trials {
		b := a.Clone(uint64(k))
		c := a.Clone(uint64(k) + 1e6)
		clear(dst)
		for i := range 6 {
			b.AccumulateRow(dst, i, 0.01*float64(i))
		}
		direct[0] = append(direct[0], dst[0])
		direct[1] = append(direct[1], dst[1])
		clear(dst)
		for i := range 6 {
			c.AccumulateRowVar(dst, v, i, 0.01*float64(i))
		}
		c.AddReadNoise(dst, v)
		assert.Equal(t, []float64{0, 0}, v, "AddReadNoise resets the variance")
		deferred[0] = append(deferred[0], dst[0])
		deferred[1] = append(deferred[1], dst[1])
	}
	for j := range 2 {
		m1, s1 := meanStd(direct[j])
		m2, s2 := meanStd(deferred[j])
		assert.InDelta(t, m1, m2, 5*s1/math.Sqrt(trials), "column %d mean", j)
		assert.InEpsilon(t, s1, s2, 0.03, "column %d σ", j)
	}
}

// TestScatterRowMatchesAccumulate: reading a row straight into a delay ring
// (ScatterRow, ScatterRowVar) gives the bits, counters and noise stream of
// reading it into a zeroed buffer and scattering that.
func TestScatterRowMatchesAccumulate(t *testing.T) {
	const rows, cols, slots = 20, 7, 5
	for _, name := range []string{"ideal", "si-nc-memristor", "si-nc-phototransistor"} {
		p, err := Preset(name)
		require.NoError(t, err)
		a0, err := NewArray(p, rows, cols, 3)
		require.NoError(t, err)
		storm(a0, 4, 500)
		a, b := a0.Clone(8), a0.Clone(8)
		offs := make([]int32, rows*cols)
		r := rand.New(rand.NewPCG(5, 6))
		for k := range offs {
			offs[k] = int32(r.IntN(slots)*cols + k%cols)
		}
		ringA, ringB := make([]float64, slots*cols), make([]float64, slots*cols)
		wA, varA, pairB := make([]float64, slots*cols), make([]float64, slots*cols), make([][2]float64, slots*cols)
		buf, vbuf := make([]float64, cols), make([]float64, cols)
		for s := range 60 {
			i := r.IntN(rows)
			tm := float64(s) * 1e-3
			o := offs[i*cols : (i+1)*cols]
			if s%2 == 0 {
				a.AccumulateRow(buf, i, tm)
				b.ScatterRow(ringB, o, i, tm)
				for j, x := range buf {
					ringA[o[j]] += x
				}
				clear(buf)
			} else {
				a.AccumulateRowVar(buf, vbuf, i, tm)
				b.ScatterRowVar(pairB, o, i, tm)
				for j := range buf {
					wA[o[j]] += buf[j]
					varA[o[j]] += vbuf[j]
				}
				clear(buf)
				clear(vbuf)
			}
		}
		wB, varB := make([]float64, len(wA)), make([]float64, len(varA))
		for k := range varB {
			wB[k], varB[k] = pairB[k][0], pairB[k][1]
		}
		assert.Equal(t, ringA, ringB, name)
		assert.Equal(t, wA, wB, name)
		assert.Equal(t, varA, varB, name)
		assert.Equal(t, a.Counters(), b.Counters(), name)
		assert.Equal(t, a.ns.norm(), b.ns.norm(), "%s: the noise streams stay in step", name)
	}
}

// TestPulsesAtInvertsTheCurve: on a device without variation, pulsesAt(k, dw)
// pulses (fractional, applied exactly) change the weight by dw from any
// state, for both signs and nonlinear and linear curves; pulsesFor does
// not on a nonlinear curve.
func TestPulsesAtInvertsTheCurve(t *testing.T) {
	for _, name := range []string{"ag-a-si", "pcmo", "hzo-fefet", "epiram", "si-nc-phototransistor"} {
		p, err := Preset(name)
		require.NoError(t, err)
		q := *p
		q.C2C, q.D2DNL, q.D2DG, q.StuckMin, q.StuckMax, q.ReadNoise = 0, 0, 0, 0, 0, 0
		a, err := NewArray(&q, 1, 1, 1)
		require.NoError(t, err)
		worst, nominalWorst := 0.0, 0.0
		for _, w0 := range []float64{0.05, 0.3, 0.6, 0.9} {
			for _, dw := range []float64{0.02, -0.02, 0.005, -0.005} {
				a.g[0] = a.gmin0 + w0*a.dg0
				n := a.pulsesAt(0, dw)
				a.step(0, n)
				got := a.weight(0, 0) - w0
				worst = max(worst, math.Abs(got-dw)/math.Abs(dw))
				a.g[0] = a.gmin0 + w0*a.dg0
				a.step(0, a.pulsesFor(dw))
				nominalWorst = max(nominalWorst, math.Abs(a.weight(0, 0)-w0-dw)/math.Abs(dw))
			}
		}
		assert.Less(t, worst, 1e-6, "%s: relative error of the model-based step", name)
		t.Logf("%s: model-based %.1e, nominal %.2f relative error of Δw", name, worst, nominalWorst)
		if q.NLLTP != 0 {
			assert.Greater(t, nominalWorst, 0.1, "%s: the nominal count should miss on a nonlinear curve", name)
		}
	}
	// Beyond the curve's reach: capped at Pmax.
	p, _ := Preset("ag-a-si")
	a, err := NewArray(p, 1, 1, 1)
	require.NoError(t, err)
	assert.Equal(t, float64(p.States), a.pulsesAt(0, 5))
	assert.Equal(t, -float64(p.States), a.pulsesAt(0, -5))
}

// TestArrayRoundIsBernoulli: the array's stochastic rounding (one uniform per success, see
// round) gives independent outcomes with the right probabilities: per fractional part, the
// success rate; between consecutive calls, no correlation; over windows of 60 calls, the
// variance of a sum of independent Bernoullis.
func TestArrayRoundIsBernoulli(t *testing.T) {
	p := idealParams()
	a, err := NewArray(p, 1, 1, 9)
	require.NoError(t, err)
	fs := []float64{0.01, 0.3, 0.002, 0.7, 1.5, 2.25}
	const cycles = 100000
	hits := make([]float64, len(fs))
	var prev, lagSum, winSum, winSq, win float64
	wantVar := 0.0
	for _, x := range fs {
		f := x - math.Floor(x)
		wantVar += f * (1 - f)
	}
	wantVar *= 10 // a window of 60 calls is 10 cycles
	n := 0
	for range cycles {
		for k, x := range fs {
			o := a.round(x) - math.Floor(x)
			hits[k] += o
			lagSum += o * prev
			prev = o
			win += o
			n++
			if n%60 == 0 {
				winSum += win
				winSq += win * win
				win = 0
			}
		}
	}
	for k, x := range fs {
		f := x - math.Floor(x)
		assert.InDelta(t, f, hits[k]/cycles, 5*math.Sqrt(f*(1-f)/cycles), "success rate of %g", x)
	}
	// E[o_k·o_{k+1}] = f_k·f_{k+1} for independent outcomes.
	var wantLag float64
	for k := range fs {
		f1, f2 := fs[k]-math.Floor(fs[k]), fs[(k+1)%len(fs)]-math.Floor(fs[(k+1)%len(fs)])
		wantLag += f1 * f2
	}
	assert.InDelta(t, wantLag/float64(len(fs)), lagSum/float64(n), 0.004, "lag-1 product")
	w := float64(n / 60)
	mean := winSum / w
	variance := winSq/w - mean*mean
	assert.InEpsilon(t, wantVar, variance, 0.05, "variance over windows of 60 calls")
}

// TestProgramBatchMatchesOneByOne: the batches of every shape (a column, a whole row, scattered
// devices, among them one row's) are the devices programmed one after the other:
// same conductances, counters and random state, for sub-pulse, whole and mixed counts of
// both signs, zeros, stuck devices and an analog device.
func TestProgramBatchMatchesOneByOne(t *testing.T) {
	for _, analog := range []bool{false, true} {
		a, b := twinArrays(t, analog)
		r := rand.New(rand.NewPCG(4, 4))
		idx := make([]int32, 0, 30)
		pulses := make([]float64, 0, 30)
		for round := range 400 {
			idx, pulses = idx[:0], pulses[:0]
			lim := 30
			if round%2 == 1 {
				lim = 20
			}
			for range r.IntN(lim) {
				idx = append(idx, int32(r.IntN(lim)))
				x := 0.0
				switch r.IntN(5) {
				case 0: // zero
				case 1:
					x = (r.Float64() - 0.5) * 6
				default:
					x = (r.Float64() - 0.5) * 0.2
				}
				pulses = append(pulses, x)
			}
			switch {
			case round%5 == 4:
				flat := make([]int32, len(idx))
				for m := range flat {
					flat[m] = int32(r.IntN(30 * 20))
				}
				a.programPulses(&Batch{Index: flat, DW: pulses})
				for m, k := range flat {
					b.program(int(k)/20, int(k)%20, pulses[m])
				}
			case round%2 == 0:
				j := r.IntN(20)
				a.programPulses(&Batch{Shape: InColumn, Line: j, Index: idx, DW: pulses})
				for m, i := range idx {
					b.program(int(i), j, pulses[m])
				}
			case round%3 == 0:
				i := r.IntN(30)
				dense := make([]float64, 20)
				for m, j := range idx {
					dense[j] = pulses[m]
				}
				a.programPulses(&Batch{Shape: InRow, Line: i, DW: dense})
				for j, x := range dense {
					b.program(i, j, x)
				}
			default:
				i := r.IntN(30)
				flat := make([]int32, len(idx))
				for m, j := range idx {
					flat[m] = int32(i*20) + j
				}
				a.programPulses(&Batch{Index: flat, DW: pulses})
				for m, j := range idx {
					b.program(i, int(j), pulses[m])
				}
			}
		}
		require.NotZero(t, a.Counters().PotPulses)
		assert.Equal(t, hashG(b), hashG(a), "analog %v", analog)
		assert.Equal(t, b.Counters(), a.Counters())
		assert.Equal(t, b.src.Uint64(), a.src.Uint64(), "the random streams went the same way")
		assert.Equal(t, b.rsrc.Uint64(), a.rsrc.Uint64(), "the rounding streams too")
	}
	a, err := NewArray(testParams(), 3, 4, 1)
	require.NoError(t, err)
	assert.Panics(t, func() { a.Program(&Batch{Shape: InColumn, Line: 4, Index: []int32{0}, DW: []float64{1}}) })
	assert.Panics(t, func() { a.Program(&Batch{Shape: InColumn, Index: []int32{3}, DW: []float64{1}}) })
	assert.Panics(t, func() { a.Program(&Batch{Shape: InRow, Line: 3, DW: make([]float64, 4)}) })
	assert.Panics(t, func() { a.Program(&Batch{Shape: InRow, DW: []float64{1}}) })
	assert.Panics(t, func() { a.Program(&Batch{Index: []int32{0, 1}, DW: []float64{1}}) })
	assert.Panics(t, func() { a.Program(&Batch{Index: []int32{12}, DW: []float64{1}}) })
	assert.Panics(t, func() { a.Program(&Batch{Shape: 3}) })
	// nil indices are an empty list, not programAt's contiguous run.
	assert.Panics(t, func() { a.Program(&Batch{DW: []float64{1}}) })
	assert.Panics(t, func() { a.Program(&Batch{Shape: InColumn, DW: []float64{0.1}}) })
	assert.NotPanics(t, func() { a.Program(&Batch{Shape: InColumn}) })
}

// TestProgramCounts: Program turns each weight change into the nominal pulse count
// Δw/WMax·Pmax, or with Model into the model-based count of the device's state before the
// batch, and then programs those counts.
func TestProgramCounts(t *testing.T) {
	for _, model := range []bool{false, true} {
		a, b := twinArrays(t, false)
		a.setWMax(0.7)
		b.setWMax(0.7)
		r := rand.New(rand.NewPCG(6, 6))
		for round := range 300 {
			var bt Batch
			switch round % 3 {
			case 0:
				bt = Batch{Shape: InColumn, Line: r.IntN(20)}
				for range r.IntN(30) {
					bt.Index = append(bt.Index, int32(r.IntN(30)))
				}
			case 1:
				bt = Batch{Shape: InRow, Line: r.IntN(30), Index: make([]int32, 20)}
				for j := range bt.Index {
					bt.Index[j] = int32(j)
				}
			default:
				for range r.IntN(30) {
					bt.Index = append(bt.Index, int32(r.IntN(600)))
				}
			}
			for range bt.Index {
				bt.DW = append(bt.DW, (r.Float64()-0.5)*0.1)
			}
			bt.Model = model
			// The counts b is given: each device's own, from the state before the batch.
			n := &Batch{Shape: bt.Shape, Line: bt.Line, Index: bt.Index, DW: make([]float64, len(bt.DW))}
			for m, dw := range bt.DW {
				k := int(bt.Index[m])
				switch bt.Shape {
				case InColumn:
					k = k*20 + bt.Line
				case InRow:
					k += bt.Line * 20
				}
				n.DW[m] = a.pulsesFor(1) * dw // pulsesFor is linear: one scale for the batch
				if model {
					n.DW[m] = a.pulsesAt(k, dw)
				}
			}
			if bt.Shape == InRow {
				bt.Index, n.Index = nil, nil
			}
			a.Program(&bt)
			b.programPulses(n)
		}
		require.NotZero(t, a.Counters().PotPulses)
		assert.Equal(t, hashG(b), hashG(a), "model %v", model)
		assert.Equal(t, b.Counters(), a.Counters())
		assert.Equal(t, b.src.Uint64(), a.src.Uint64(), "the random streams went the same way")
	}
}

// twinArrays returns two identical 30×20 arrays (D2D variation, stuck devices; analog or not):
// the same devices, the same random streams and rounding state, for comparing two ways of
// programming them.
func twinArrays(t *testing.T, analog bool) (a, b *Array) {
	t.Helper()
	p := testParams()
	p.D2DNL, p.D2DG, p.StuckMin, p.Analog = 0.2, 0.03, 0.05, analog
	a, err := NewArray(p, 30, 20, 3)
	require.NoError(t, err)
	b = a.Clone(0)
	b.skipS, b.skipU = a.skipS, a.skipU
	*b.src = *a.src
	*b.rsrc = *a.rsrc
	return a, b
}

// TestMarshalBytesDeterministic: the same array state gives the same checkpoint bytes every
// time (the parameters' sources are a map, which gob would write in random order), and the
// sources survive the round trip.
func TestMarshalBytesDeterministic(t *testing.T) {
	p, err := Preset("si-nc-phototransistor")
	require.NoError(t, err)
	require.Greater(t, len(p.Source), 5)
	a, err := NewArray(p, 4, 3, 9)
	require.NoError(t, err)
	first, err := a.MarshalBinary()
	require.NoError(t, err)
	for range 20 {
		again, err := a.MarshalBinary()
		require.NoError(t, err)
		require.Equal(t, first, again)
	}
	var b Array
	require.NoError(t, b.UnmarshalBinary(first))
	assert.Equal(t, p.Source, b.Params().Source)
}
