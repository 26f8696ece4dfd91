package learning

import (
	"fmt"

	"github.com/nanospike/nanospike/device"
)

// Float is an ideal weight matrix in [0, WMax] programmed by exact weight
// changes: the float rule that device arrays are compared with. Program adds
// each change and clips to [0, WMax]. It implements Synapses (so
// Programmable and network.Synapses). It is not safe for concurrent use.
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

// Row returns row i, aliasing the matrix (as network.Dense.Row): the network's delay line
// reads it without a copy.
func (f *Float) Row(i int) []float64 { return f.W[i*f.cols : (i+1)*f.cols] }

// WeightsTo copies the weights into dst (grown if short) and returns it.
func (f *Float) WeightsTo(dst []float64) []float64 {
	if cap(dst) < len(f.W) {
		dst = make([]float64, len(f.W))
	}
	dst = dst[:len(f.W)]
	copy(dst, f.W)
	return dst
}

// Program adds each weight change of b to its weight and clips to [0, WMax], in order, with
// the shapes of device.Array.Program (an InRow batch skips zeros); b.Model is ignored, since a
// Float's "pulse" is an exact weight change. It panics if an index is out of range.
func (f *Float) Program(b *device.Batch) {
	switch b.Shape {
	case device.InColumn:
		for m, i := range b.Index {
			f.add(int(i)*f.cols+b.Line, b.DW[m])
		}
	case device.InRow:
		base := b.Line * f.cols
		for j, x := range b.DW[:f.cols] {
			if x != 0 {
				f.add(base+j, x)
			}
		}
	default:
		for m, k := range b.Index {
			f.add(int(k), b.DW[m])
		}
	}
}

// add adds dw to weight k and clips to [0, WMax]: math.Min(math.Max(w+dw, 0), WMax) for
// every w+dw but NaN (which no Float holds), −0 included, in two compares (the STDP rule adds
// at every arrival and post spike).
func (f *Float) add(k int, dw float64) {
	w := f.W[k] + dw
	if !(w > 0) {
		w = 0
	} else if w > f.WMax {
		w = f.WMax
	}
	f.W[k] = w
}

// Clone returns a copy (the seed is unused: Float has no noise).
func (f *Float) Clone(uint64) *Float {
	c := *f
	c.W = append([]float64(nil), f.W...)
	return &c
}
