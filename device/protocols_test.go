package device

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFitPPFRecoversTimeConstants(t *testing.T) {
	p := testParams()
	p.ReadNoise = 0
	d, err := NominalDevice(p, 1)
	require.NoError(t, err)
	d.SetG(20e-9)
	c := PPF(d, logspace(0.002, 4, 40), 1)
	f := FitPPF(c.X, c.Y)
	assert.InEpsilon(t, p.PPFTau1, f.Tau1, 0.01)
	assert.InEpsilon(t, p.PPFTau2, f.Tau2, 0.01)
	assert.InEpsilon(t, p.PPFC1, f.C1, 0.01)
	assert.InEpsilon(t, p.PPFC2, f.C2, 0.01)

	// A single exponential is recognised as one.
	p.PPFC2, p.PPFTau2 = 0, 0
	d, _ = NominalDevice(p, 1)
	d.SetG(20e-9)
	c = PPF(d, logspace(0.002, 1, 30), 1)
	f = FitPPF(c.X, c.Y)
	assert.InEpsilon(t, p.PPFTau1, f.Tau1, 0.01)
	assert.Equal(t, 0.0, f.Tau2)
}

func TestGainHighPass(t *testing.T) {
	// The fit recovers a known first-order high-pass.
	fs := logspace(0.1, 1000, 40)
	g := make([]float64, len(fs))
	for i, f := range fs {
		x := f / 4.8
		g[i] = 1.1 + 2.5*x/math.Sqrt(1+x*x)
	}
	h := FitHighPass(fs, g)
	assert.InEpsilon(t, 4.8, h.CutoffHz, 1e-3)
	assert.InEpsilon(t, 1.1, h.Low, 1e-3)
	assert.InEpsilon(t, 3.6, h.High, 1e-3)

	// The device's gain rises with frequency, from 1 (isolated spikes) to 1 + 49·(C1 + C2).
	p := testParams()
	p.ReadNoise = 0
	d, err := NominalDevice(p, 1)
	require.NoError(t, err)
	d.SetG(20e-9)
	c := GainVsFrequency(d, logspace(0.01, 1e5, 40), 50, 1)
	assert.InDelta(t, 1, c.Y[0], 1e-3)
	assert.InEpsilon(t, 1+49*(p.PPFC1+p.PPFC2), c.Y[len(c.Y)-1], 1e-2)
	for i := 1; i < len(c.Y); i++ {
		require.GreaterOrEqual(t, c.Y[i], c.Y[i-1])
	}
	hf := FitHighPass(c.X, c.Y)
	// The cutoff scales as 1/τ: doubling both time constants halves it.
	p.PPFTau1, p.PPFTau2 = 2*p.PPFTau1, 2*p.PPFTau2
	d2, _ := NominalDevice(p, 1)
	d2.SetG(20e-9)
	c2 := GainVsFrequency(d2, logspace(0.005, 5e4, 40), 50, 1)
	hf2 := FitHighPass(c2.X, c2.Y)
	assert.InEpsilon(t, hf.CutoffHz/2, hf2.CutoffHz, 0.02)
}

func TestRetentionFit(t *testing.T) {
	p := testParams()
	p.ReadNoise = 0
	d, err := NominalDevice(p, 1)
	require.NoError(t, err)
	c := RetentionCurve(d, logspace(1, 1e5, 30))
	f := FitRetention(c.X, c.Y)
	assert.InDelta(t, p.RetA, f.A, 1e-3)
	assert.InDelta(t, p.RetB, f.B, 1e-3)
	assert.InDelta(t, p.RetM, f.M, 1e-3)
	assert.InDelta(t, 1, c.Y[0], 1e-12)
}

func TestSTDPAndLTPLTD(t *testing.T) {
	p := testParams()
	p.ReadNoise, p.C2C = 0, 0
	d, err := NominalDevice(p, 1)
	require.NoError(t, err)
	c := STDPWindow(d, []float64{-0.5, -0.01, 0.01, 0.5})
	assert.Less(t, c.Y[1], c.Y[0])
	assert.Less(t, c.Y[1], 0.0)
	assert.Greater(t, c.Y[2], c.Y[3])
	assert.Greater(t, c.Y[3], 0.0)
	l := LTPLTD(d)
	require.Len(t, l.Y, 2*p.States+1)
	assert.InEpsilon(t, p.Gmin, l.Y[0], 1e-12)
	assert.InEpsilon(t, p.Gmax, l.Y[p.States], 1e-12)
	assert.InEpsilon(t, p.Gmin, l.Y[2*p.States], 1e-9)
}

func TestCharacterize(t *testing.T) {
	p := testParams()
	p.Review = ReviewFigures{OnOff: 12.5, PPFIndex: 150, PPFDt: 0.05, CutoffHz: 4.8, EEvent: 1e-12,
		Retention: 1e4, States: 97, Response: 1e-3}
	r, err := Characterize(p, 3)
	require.NoError(t, err)
	assert.Len(t, r.Summary, 7)
	assert.InEpsilon(t, p.PPFTau1, r.PPFFit.Tau1, 0.15, "fit through read noise")
	assert.InEpsilon(t, p.PPFTau2, r.PPFFit.Tau2, 0.15, "fit through read noise")
	assert.Greater(t, r.GainFit.CutoffHz, 0.0)
	for _, row := range r.Summary {
		assert.False(t, math.IsNaN(row.Simulated) || math.IsInf(row.Simulated, 0), row.Figure)
		if row.Figure == "on/off ratio" {
			assert.InEpsilon(t, p.Gmax/p.Gmin, row.Simulated, 0.2)
		}
	}
	_, err = json.Marshal(r)
	require.NoError(t, err, "the report is JSON-serialisable")

	// A device without a volatile part or retention data still characterises.
	q := idealParams()
	r, err = Characterize(q, 1)
	require.NoError(t, err)
	_, err = json.Marshal(r)
	require.NoError(t, err)
	assert.NotEmpty(t, r.Notes)
	_, err = Characterize(&Params{}, 1)
	assert.Error(t, err)
}
