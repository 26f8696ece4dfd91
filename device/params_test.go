package device

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestValidate(t *testing.T) {
	require.NoError(t, testParams().Validate())
	require.NoError(t, idealParams().Validate())
	tests := []struct {
		name, field string
		mod         func(*Params)
	}{
		{"gmin ≥ gmax", "gmax_s", func(p *Params) { p.Gmax = p.Gmin }},
		{"gmin < 0", "gmin_s", func(p *Params) { p.Gmin = -1 }},
		{"states < 2", "states", func(p *Params) { p.States = 1 }},
		{"negative energy", "e_pot_j", func(p *Params) { p.EPot = -1e-12 }},
		{"negative event energy", "e_event_j", func(p *Params) { p.EEvent = -1 }},
		{"NaN", "nl_ltp", func(p *Params) { p.NLLTP = math.NaN() }},
		{"Inf", "gmax_s", func(p *Params) { p.Gmax = math.Inf(1) }},
		{"σ c2c < 0", "c2c_sigma", func(p *Params) { p.C2C = -0.1 }},
		{"σ read < 0", "read_noise", func(p *Params) { p.ReadNoise = -0.1 }},
		{"σ d2d < 0", "d2d_g_sigma", func(p *Params) { p.D2DG = -0.1 }},
		{"stuck > 1", "stuck_max_frac", func(p *Params) { p.StuckMin, p.StuckMax = 0.6, 0.6 }},
		{"ppf τ missing", "ppf_tau1_s", func(p *Params) { p.PPFTau1 = 0 }},
		{"stp rate > 1", "stp_ltp_rate", func(p *Params) { p.STPRate = 2 }},
		{"stp threshold NaN", "stp_ltp_threshold", func(p *Params) { p.STPThreshold = math.NaN() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := testParams()
			tt.mod(p)
			err := p.Validate()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.field)
			assert.Contains(t, err.Error(), "test")
		})
	}
}

func TestValidatePhysicalBounds(t *testing.T) {
	for field, mod := range map[string]func(p *Params){
		"states": func(p *Params) { p.States = 1_000_000_000_000 },
		"nl_ltp": func(p *Params) { p.NLLTP = 1e300 },
		"nl_ltd": func(p *Params) { p.NLLTD = -10 },
	} {
		p, err := Preset("pcmo")
		require.NoError(t, err)
		mod(p)
		err = p.Validate()
		require.Error(t, err, field)
		assert.Contains(t, err.Error(), field)
	}
}
