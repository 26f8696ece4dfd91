package network

import "fmt"

// Synapses is what a layer needs from the array that holds its incoming
// weights: the shape and an event-driven read of one row. *device.Array
// implements it; so does Dense.
//
// AccumulateRow adds the weights of row i (the synapses of presynaptic
// neuron i onto every postsynaptic neuron j) to dst[j], as read at time t
// (seconds, monotonic over the life of the network). It is called once per
// presynaptic spike, from the goroutine of the layer that owns the array, so
// implementations need not be safe for concurrent use.
type Synapses interface {
	Rows() int
	Cols() int
	AccumulateRow(dst []float64, i int, t float64)
}

// Dense is an ideal (noise-free, lossless) float64 weight matrix stored
// row-major: W[i*cols+j] is the weight from presynaptic i to postsynaptic j.
// It implements Synapses and is meant for tests, ideal-weight baselines and
// backprop. It is not safe for concurrent use.
type Dense struct {
	rows, cols int
	W          []float64
}

// NewDense returns a rows×cols matrix of zeros. It panics if a dimension is
// not positive.
func NewDense(rows, cols int) *Dense {
	if rows <= 0 || cols <= 0 {
		panic(fmt.Sprintf("network: NewDense(%d, %d): dimensions must be positive", rows, cols))
	}
	return &Dense{rows: rows, cols: cols, W: make([]float64, rows*cols)}
}

// Rows returns the number of presynaptic neurons.
func (d *Dense) Rows() int { return d.rows }

// Cols returns the number of postsynaptic neurons.
func (d *Dense) Cols() int { return d.cols }

// At returns the weight from i to j.
func (d *Dense) At(i, j int) float64 { return d.W[i*d.cols+j] }

// Set sets the weight from i to j.
func (d *Dense) Set(i, j int, w float64) { d.W[i*d.cols+j] = w }

// Row returns row i as a slice aliasing the matrix.
func (d *Dense) Row(i int) []float64 { return d.W[i*d.cols : (i+1)*d.cols] }

// AccumulateRow adds row i to dst. It panics if len(dst) < Cols().
func (d *Dense) AccumulateRow(dst []float64, i int, _ float64) {
	row := d.W[i*d.cols : (i+1)*d.cols]
	dst = dst[:len(row)]
	for j, w := range row {
		dst[j] += w
	}
}

// Clone returns a deep copy (the seed is unused: Dense has no noise).
func (d *Dense) Clone(uint64) *Dense {
	c := *d
	c.W = append([]float64(nil), d.W...)
	return &c
}

// Plasticity is a learning rule attached to the layer that owns its synapses.
// Its methods are called from that layer's goroutine only, between the
// layer's integration steps, so a rule may read the layer's state and
// program the layer's array without locks.
//
// Step is called once per simulated step after the layer has integrated
// it: step is the network's global step counter (monotonic over the life of
// the network; it jumps over a rest period that is skipped analytically, so
// rules should decay their traces by the step difference), pre holds the
// indices of the presynaptic spikes emitted at that step (before any axonal
// delay) and post the indices of the layer's own spikes at that step. The
// slices are reused after Step returns.
type Plasticity interface {
	Step(step int, pre, post []int32)
}

// PlasticityFunc adapts a function to Plasticity.
type PlasticityFunc func(step int, pre, post []int32)

// Step calls f.
func (f PlasticityFunc) Step(step int, pre, post []int32) { f(step, pre, post) }
