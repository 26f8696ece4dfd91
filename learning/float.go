package learning

import (
	"fmt"
	"math"
)

// Float is an ideal weight matrix in [0, WMax] programmed by exact weight
// changes: the float rule that device arrays are compared with. A "pulse"
// of Float is a weight change of 1, so PulsesFor(dw) = dw and Program adds
// it and clips to [0, WMax]. It implements Programmable and
// network.Synapses. It is not safe for concurrent use.
type Float struct {
	rows, cols int
	WMax       float64
	W          []float64 // row-major: W[i*cols+j] from input i to neuron j
}

// NewFloat returns a rows×cols matrix of zeros with weights in [0, wmax].
// It panics if a dimension is not positive.
func NewFloat(rows, cols int, wmax float64) *Float {
	if rows <= 0 || cols <= 0 {
		panic(fmt.Sprintf("learning: NewFloat(%d, %d): dimensions must be positive", rows, cols))
	}
	return &Float{rows: rows, cols: cols, WMax: wmax, W: make([]float64, rows*cols)}
}

// Rows returns the number of inputs.
func (f *Float) Rows() int { return f.rows }

// Cols returns the number of neurons.
func (f *Float) Cols() int { return f.cols }

// AccumulateRow adds row i to dst.
func (f *Float) AccumulateRow(dst []float64, i int, _ float64) {
	row := f.W[i*f.cols : (i+1)*f.cols]
	dst = dst[:len(row)]
	for j, w := range row {
		dst[j] += w
	}
}

// Weight returns w_ij.
func (f *Float) Weight(i, j int) float64 { return f.W[i*f.cols+j] }

// WeightsTo copies the weights into dst (grown if short) and returns it.
func (f *Float) WeightsTo(dst []float64) []float64 {
	if cap(dst) < len(f.W) {
		dst = make([]float64, len(f.W))
	}
	dst = dst[:len(f.W)]
	copy(dst, f.W)
	return dst
}

// Program adds dw to w_ij and clips to [0, WMax].
func (f *Float) Program(i, j int, dw float64) {
	k := i*f.cols + j
	f.W[k] = math.Min(math.Max(f.W[k]+dw, 0), f.WMax)
}

// ProgramCol adds dw[m] to w_(rows[m], j) for every m (see Program).
func (f *Float) ProgramCol(j int, rows []int32, dw []float64) {
	for m, i := range rows {
		f.Program(int(i), j, dw[m])
	}
}

// ProgramRowAt adds dw[m] to w_(i, cols[m]) for every m (see Program).
func (f *Float) ProgramRowAt(i int, cols []int32, dw []float64) {
	for m, j := range cols {
		f.Program(i, int(j), dw[m])
	}
}

// ProgramAt adds dw[m] to the weight of row-major index k[m] for every m
// (see Program).
func (f *Float) ProgramAt(k []int32, dw []float64) {
	for m, x := range k {
		f.Program(int(x)/f.cols, int(x)%f.cols, dw[m])
	}
}

// ProgramRow adds dw[j] to w_ij for every j with dw[j] ≠ 0 (see Program;
// as device.Array.ProgramRow, zeros are skipped).
func (f *Float) ProgramRow(i int, dw []float64) {
	for j, x := range dw[:f.cols] {
		if x != 0 {
			f.Program(i, j, x)
		}
	}
}

// PulsesFor returns dw: a Float's pulse is a weight change of 1.
func (f *Float) PulsesFor(dw float64) float64 { return dw }

// Clone returns a copy (the seed is unused: Float has no noise).
func (f *Float) Clone(uint64) *Float {
	c := *f
	c.W = append([]float64(nil), f.W...)
	return &c
}
