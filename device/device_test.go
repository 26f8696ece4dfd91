package device

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDeviceProgramAndRead(t *testing.T) {
	p := testParams()
	p.C2C, p.ReadNoise = 0, 0
	d, err := NominalDevice(p, 1)
	require.NoError(t, err)
	assert.Equal(t, p.Gmin, d.G())
	d.Program(float64(p.States))
	assert.InEpsilon(t, p.Gmax, d.G(), 1e-12)
	assert.Equal(t, d.G(), d.Read())
	d.ProgramContinuous(-0.5)
	half := d.G()
	d.ProgramContinuous(-0.5)
	d2, _ := NominalDevice(p, 1)
	d2.SetG(p.Gmax)
	d2.ProgramContinuous(-1)
	assert.InEpsilon(t, d2.G(), d.G(), 1e-12, "two half pulses make one pulse")
	assert.Less(t, d.G(), half)
	c := d.Counters()
	assert.Equal(t, Counters{Reads: 1, PotPulses: uint64(p.States), DepPulses: 2, ReadGSum: p.Gmax},
		Counters{Reads: c.Reads, PotPulses: c.PotPulses, DepPulses: c.DepPulses, ReadGSum: c.ReadGSum})
	assert.InEpsilon(t, (p.Gmax+half)/2+(half+d.G())/2, c.DepGSum, 1e-12, "each depression at its present conductance")
	_, err = NewDevice(&Params{}, 1)
	assert.Error(t, err)
}

func TestDevicePPFState(t *testing.T) {
	p := testParams()
	p.ReadNoise = 0
	d, err := NominalDevice(p, 1)
	require.NoError(t, err)
	d.SetG(20e-9)
	for _, dt := range []float64{0.001, 0.02, 0.1, 0.5, 3} {
		want := 100 * (1 + p.PPFC1*math.Exp(-dt/p.PPFTau1) + p.PPFC2*math.Exp(-dt/p.PPFTau2))
		assert.InEpsilon(t, want, pairPPF(d, dt), 1e-12, "PPF at %g s", dt)
	}
	// A train accumulates: the n-th response at interval Δt is G·(1 + Σ_i C_i·r_i(1 − r_i^(n−1))/(1 − r_i)).
	const n, dt = 10, 0.05
	first, last := train(d, n, dt)
	s := 0.0
	for _, x := range []struct{ c, tau float64 }{{p.PPFC1, p.PPFTau1}, {p.PPFC2, p.PPFTau2}} {
		r := math.Exp(-dt / x.tau)
		s += x.c * r * (1 - math.Pow(r, n-1)) / (1 - r)
	}
	assert.InEpsilon(t, 1+s, last/first, 1e-12)
	assert.Equal(t, 20e-9, d.G(), "protocols restore the state")
	assert.InDelta(t, 0, d.Facilitation(100), 1e-12)
}

func TestSTPToLTP(t *testing.T) {
	p := testParams()
	p.ReadNoise, p.C2C = 0, 0
	p.STPThreshold, p.STPRate = 1.5, 0.1
	run := func(interval float64) float64 {
		d, err := NominalDevice(p, 1)
		require.NoError(t, err)
		d.SetG(10e-9)
		for k := range 30 {
			d.Stimulate(float64(k) * interval)
		}
		d.Relax(1e4) // let the volatile part go; the stored part relaxes by the power law
		return d.G()
	}
	relaxedOnly := p.Gmin + (10e-9-p.Gmin)*p.Retained(1e4)
	slow := run(10)   // facilitation never builds up: no consolidation
	fast := run(0.01) // facilitation crosses the threshold: stored part grows
	assert.InEpsilon(t, relaxedOnly, slow, 1e-12)
	assert.Greater(t, fast, 1.2*slow, "repetition turns short-term into long-term memory")
	// The transition never leaves the window.
	d, _ := NominalDevice(p, 1)
	d.SetG(p.Gmax * 0.99)
	for k := range 200 {
		d.Stimulate(float64(k) * 0.001)
	}
	assert.LessOrEqual(t, d.G(), p.Gmax)
}

func TestNewDeviceVariesLikeAnArrayElement(t *testing.T) {
	p := testParams()
	p.D2DG, p.StuckMax = 0.1, 0
	d1, err := NewDevice(p, 5)
	require.NoError(t, err)
	d2, _ := NewDevice(p, 6)
	l1, h1 := d1.Window()
	l2, h2 := d2.Window()
	assert.NotEqual(t, l1, l2)
	assert.NotEqual(t, h1, h2)
	n, _ := NominalDevice(p, 5)
	l, h := n.Window()
	assert.Equal(t, p.Gmin, l)
	assert.Equal(t, p.Gmax, h)
	c := d1.Clone(9)
	g1 := d1.G()
	c.SetG(0.5 * (l1 + h1))
	assert.Equal(t, g1, d1.G(), "a clone owns its state")
}
