package energy

import (
	"fmt"
	"math"
)

// Crossbar is the geometry of one array tile of a cross-point crossbar and its wires, after
// NeuroSim's subarray model (MLP_NeuroSim_V3.0 at cc13863, SubArray::Initialize and
// AnalogNVM::WriteEnergyCalculation; docs/energy-neurosim.md). A layer of In × Out synapses
// occupies ⌈In/Rows⌉ × ⌈Out·k/Cols⌉ tiles, k cells per synapse (2 for a differential pair).
type Crossbar struct {
	Rows int `json:"tile_rows"` // rows (word lines) of a tile
	Cols int `json:"tile_cols"` // columns (bit lines) of a tile
	// WireWidth is F of a cross-point array: the array's wire width, m. NeuroSim's default
	// arrayWireWidth is 100 nm (MLP V3.0 Param.cpp).
	WireWidth float64 `json:"wire_width_m"`
	// CellWidthF and CellHeightF are a cell's pitch along a row and along a column, in F:
	// 2F × 2F for a cross-point cell (NeuroSim Cell.cpp, RealDevice::RealDevice).
	CellWidthF  float64 `json:"cell_width_f"`
	CellHeightF float64 `json:"cell_height_f"`
	// WireCap is the wire capacitance per length, F/m: NeuroSim's one constant, 0.2 fF/µm at
	// every node (SubArray::Initialize).
	WireCap float64 `json:"wire_cap_f_per_m"`
}

// DefaultCrossbar returns a 128 × 128 cross-point tile with NeuroSim's default wires.
func DefaultCrossbar() Crossbar {
	return Crossbar{Rows: 128, Cols: 128, WireWidth: 100e-9, CellWidthF: 2, CellHeightF: 2, WireCap: 0.2e-15 / 1e-6}
}

// maxTileSide bounds a tile's side: far above any fabricated crossbar (NeuroSim's examples use
// 128–512), low enough that the products below stay exact.
const maxTileSide = 1 << 16

// Validate reports an impossible geometry, naming the field.
func (c Crossbar) Validate() error {
	for _, x := range []struct {
		f string
		n int
	}{{"tile_rows", c.Rows}, {"tile_cols", c.Cols}} {
		if x.n < 1 || x.n > maxTileSide {
			return fmt.Errorf("energy: crossbar %s must be between 1 and %d, got %d", x.f, maxTileSide, x.n)
		}
	}
	for _, x := range []struct {
		f string
		v float64
	}{{"wire_width_m", c.WireWidth}, {"cell_width_f", c.CellWidthF}, {"cell_height_f", c.CellHeightF}, {"wire_cap_f_per_m", c.WireCap}} {
		if !(x.v > 0) || math.IsInf(x.v, 0) {
			return fmt.Errorf("energy: crossbar %s must be a finite number > 0, got %v", x.f, x.v)
		}
	}
	return nil
}

// RowCap is the capacitance of one word line across the tile, C_row = Cols·w_cell·F·c_wire.
func (c Crossbar) RowCap() float64 {
	return float64(c.Cols) * c.CellWidthF * c.WireWidth * c.WireCap
}

// ColCap is the capacitance of one bit line down the tile, C_col = Rows·h_cell·F·c_wire.
func (c Crossbar) ColCap() float64 {
	return float64(c.Rows) * c.CellHeightF * c.WireWidth * c.WireCap
}

// Tiles returns the number of tiles a layer of in × out synapses needs with k cells per
// synapse (1, or 2 for a differential pair).
func (c Crossbar) Tiles(in, out, k int) int {
	return ceilDiv(in, c.Rows) * ceilDiv(out*k, c.Cols)
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// RowRead is the energy of reading one active row of a tile for a time t at voltage v, with
// gSum the summed conductance of the row's cells: the word line charged once, C_row·V², plus
// the cells' Ohmic energy V²·ΣG·t. (NeuroSim's Test.cpp charges the row once per active row
// and per output column; nanospike charges it once per input spike, which is what the wire
// does.)
func (c Crossbar) RowRead(v, gSum, t float64) float64 {
	return c.RowCap()*v*v + v*v*gSum*t
}

// CellWrite is the energy of n identical programming pulses of v volts and width t on one
// selected cell whose conductance goes from g0 to g1, with the other phase's voltage vOther
// half-selecting it once (NeuroSim's two-phase crossbar write, AnalogNVM::WriteEnergyCalculation):
//
//	E = n·V²·(G0 + G1)/2·t + n·V²·C_col + (V_other/2)²·C_col
//
// The cell sits at 0 V in the other phase's own pulses only if that phase has none; the
// half-select Ohmic term (V_other/2)²·G·t_other is the caller's when the other phase pulses.
func (c Crossbar) CellWrite(v, vOther, g0, g1, t float64, n int) float64 {
	cc := c.ColCap()
	fn := float64(n)
	return fn*v*v*(g0+g1)/2*t + fn*v*v*cc + (vOther/2)*(vOther/2)*cc
}
