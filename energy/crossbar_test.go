package energy

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCrossbarMatchesNeuroSim reproduces values computed by NeuroSim's own code
// (MLP_NeuroSim_V3.0 at cc13863, compiled unchanged; docs/energy-neurosim.md) for a 128 × 128
// cross-point array at a 100 nm wire width with its default Ag:a-Si cell. They are not
// published figures: NeuroSim's manual prints only whole-training totals.
func TestCrossbarMatchesNeuroSim(t *testing.T) {
	c := DefaultCrossbar()
	require.NoError(t, c.Validate())
	assert.InEpsilon(t, 5.12e-15, c.RowCap(), 1e-12, "capRow1")
	assert.InEpsilon(t, 5.12e-15, c.ColCap(), 1e-12, "capCol")

	// One column, one active row at Gmin = 3.0769 nS, read at 0.5 V for 5 ns: wire 1.28e-15 J
	// and cell 3.846125e-18 J (Test.cpp's array part).
	const gmin, vr, tr = 3.0769e-9, 0.5, 5e-9
	assert.InEpsilon(t, 1.28e-15+3.846125e-18, c.RowRead(vr, gmin, tr), 1e-9)

	// One cell, 8 LTP pulses of 3.2 V and 300 µs from Gmin to 13.23912 nS on the nonlinear
	// curve, half-selected once by the 2.8 V LTD phase: writeEnergy = 2.009207e-10 J.
	assert.InEpsilon(t, 2.009207e-10, c.CellWrite(3.2, 2.8, gmin, 1.323912e-8, 300e-6, 8), 1e-6)
}

func TestCrossbarTiles(t *testing.T) {
	c := DefaultCrossbar()
	assert.Equal(t, 7*1, c.Tiles(784, 100, 1), "784 rows in 7 tiles, 100 columns in one")
	assert.Equal(t, 7*2, c.Tiles(784, 100, 2), "a differential pair takes two columns")
	assert.Equal(t, 1, c.Tiles(128, 128, 1))
	assert.Equal(t, 4, c.Tiles(129, 129, 1))
}

func TestCrossbarValidate(t *testing.T) {
	for field, mod := range map[string]func(*Crossbar){
		"tile_rows":        func(c *Crossbar) { c.Rows = 0 },
		"tile_cols":        func(c *Crossbar) { c.Cols = -1 },
		"wire_width_m":     func(c *Crossbar) { c.WireWidth = -1e-9 },
		"cell_width_f":     func(c *Crossbar) { c.CellWidthF = 0 },
		"cell_height_f":    func(c *Crossbar) { c.CellHeightF = -2 },
		"wire_cap_f_per_m": func(c *Crossbar) { c.WireCap = -0.2e-9 },
	} {
		c := DefaultCrossbar()
		mod(&c)
		assert.ErrorContains(t, c.Validate(), field)
	}
	c := DefaultCrossbar()
	c.Rows = 1 << 20
	assert.ErrorContains(t, c.Validate(), "tile_rows", "an absurd tile")
}
