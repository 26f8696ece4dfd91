package device

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"math"
	"math/rand/v2"
)

// Array is a rows×cols crossbar of devices of one kind, the synapses from rows (presynaptic
// inputs) to columns (postsynaptic neurons). Conductances are kept in one flat row-major slice.
//
// Weights: a device stores w = WMax·(G − Gmin)/(Gmax − Gmin) with the preset's nominal Gmin and
// Gmax (a device's own window differs from the nominal one under device-to-device variation, so
// its w may leave [0, WMax] slightly). A read returns the same map of the conductance read.
//
// Short-term facilitation is per row: every device of row i sees the same input spikes, so one
// state (s1, s2) per row, updated at the spike times passed to AccumulateRow, serves them all.
// Reads never program: the STP→LTP transition (Params.STPRate) acts only on Device.
//
// An Array is not safe for concurrent use; give each goroutine its own (see Clone).
type Array struct {
	p          Params
	rows, cols int
	seed       uint64

	g      []float64 // stored conductances, row-major
	curves []curve   // one per device, or a single shared one without device-to-device variation
	// nominal is the preset's own curve (no device-to-device variation): what a programming
	// controller knows of the devices (pulsesAt).
	nominal curve
	stuck   []uint8 // per device, nil if the preset has no stuck devices
	stp     *rowSTP // per-row facilitation, nil if the preset has no short-term component

	wmax       float64
	gmin0, dg0 float64 // nominal Gmin and Gmax − Gmin
	sigmaW     float64 // C2C σ of one pulse (S)
	readNoise  float64
	src        *rand.PCG
	ns         normals     // Gaussians (C2C, read noise), from src
	rng        *rand.Rand  // a Pair's stochastic rounding (stochasticRound), from src
	rsrc       *rand.PCG   // stochastic rounding's uniforms (stream streamRound)
	lanes      noiseLanes  // the deferred read noise of AddReadNoise (stream streamReadNoise)
	nbits      []uint32    // AddReadNoise's scratch: the words of a pass
	nrej       []uint8     // and its columns left to the ziggurat's slow path
	nvar       []float64   // DrainReadNoise's scratch: the variances of a pass
	skipS      float64     // stochastic rounding (round): survival product since the last success
	skipU      float64     // and its threshold, 0 until drawn
	fires      []pulseStep // programAt's scratch: the steps a batch fires, in order
	counts     []float64   // Program's scratch: a model-based batch's pulse counts
	touched    float64     // sink of applySteps' touch loop
	count      Counters
}

// pulseStep is one device's whole pulses of a batch (see applySteps).
type pulseStep struct {
	k int
	n float64
}

// NewArray returns a rows×cols array of devices of p. Device-to-device variation and stuck
// devices are drawn from seed (stream streamBuild), in row-major order; the run-time noise from
// further streams of the same seed: C2C and read noise, the read-noise lanes, and the
// stochastic rounding. Every device starts at its own Gmin (a device stuck at Gmax at Gmax).
// WMax starts at 1.
func NewArray(p *Params, rows, cols int, seed uint64) (*Array, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if rows < 1 || cols < 1 {
		return nil, fmt.Errorf("device: array shape %d×%d: rows and cols must be ≥ 1", rows, cols)
	}
	a := &Array{
		p: *p, rows: rows, cols: cols, seed: seed,
		g:     make([]float64, rows*cols),
		wmax:  1,
		gmin0: p.Gmin, dg0: p.Gmax - p.Gmin,
		sigmaW:    p.C2C * (p.Gmax - p.Gmin),
		readNoise: p.ReadNoise,
	}
	a.nominal = newCurve(p.Gmin, p.Gmax, p.States, p.NLLTP, p.NLLTD)
	n := rows * cols
	build := rand.New(rand.NewPCG(seed, streamBuild))
	vary := p.D2DNL > 0 || p.D2DG > 0
	if vary {
		a.curves = make([]curve, n)
	} else {
		a.curves = []curve{drawCurve(p, build, false)}
	}
	if p.StuckMin > 0 || p.StuckMax > 0 {
		a.stuck = make([]uint8, n)
	}
	for k := range n {
		c := &a.curves[0]
		if vary {
			a.curves[k] = drawCurve(p, build, true)
			c = &a.curves[k]
		}
		a.g[k] = c.gmin
		if a.stuck != nil {
			a.stuck[k] = drawStuck(p, build)
			if a.stuck[k] == stuckAtMax {
				a.g[k] = c.gmax
			}
		}
	}
	if p.hasSTP() {
		a.stp = newRowSTP(rows)
	}
	a.src = rand.NewPCG(seed, streamNoise)
	a.rng = rand.New(a.src)
	a.ns = normals{src: a.src}
	a.rsrc = rand.NewPCG(seed, streamRound)
	a.lanes.seed(rand.NewPCG(seed, streamReadNoise))
	a.skipS = 1
	return a, nil
}

// Rows returns the number of rows (inputs).
func (a *Array) Rows() int { return a.rows }

// Cols returns the number of columns (outputs).
func (a *Array) Cols() int { return a.cols }

// Params returns the array's parameters (a copy owned by the array; do not modify).
func (a *Array) Params() *Params { return &a.p }

// setWMax sets the weight of a device at nominal Gmax (Pair.SetWMax). It panics unless w > 0
// and finite.
func (a *Array) setWMax(w float64) {
	if !(w > 0) || math.IsInf(w, 0) {
		panic(fmt.Sprintf("device: SetWMax(%g): must be > 0 and finite", w))
	}
	a.wmax = w
}

func (a *Array) index(i, j int) int {
	if uint(i) >= uint(a.rows) || uint(j) >= uint(a.cols) {
		panic(fmt.Sprintf("device: index (%d, %d) out of range for %d×%d array", i, j, a.rows, a.cols))
	}
	return i*a.cols + j
}

// weightOf maps a conductance to a weight.
func (a *Array) weightOf(g float64) float64 { return a.wmax * (g - a.gmin0) / a.dg0 }

// weight returns the stored weight of device (i, j): no noise, not counted. It panics if (i, j)
// is out of range.
func (a *Array) weight(i, j int) float64 { return a.weightOf(a.g[a.index(i, j)]) }

// WeightsTo writes all stored weights, row-major, into dst (allocated if nil or short) and
// returns it. No noise, not counted.
func (a *Array) WeightsTo(dst []float64) []float64 {
	if cap(dst) < len(a.g) {
		dst = make([]float64, len(a.g))
	}
	dst = dst[:len(a.g)]
	for k, g := range a.g {
		dst[k] = a.weightOf(g)
	}
	return dst
}

// Conductances returns the array's own flat row-major slice of stored conductances (S): a
// read-only view that later programming changes; do not modify it.
func (a *Array) Conductances() []float64 { return a.g }

// readRow starts the read of row i by a spike at time t: it applies the row's short-term
// facilitation (the spike then adds its own increment) and returns the row's conductances, the
// facilitation factor 1 + s_i and the affine map weight = alpha·G − beta. It panics if i is out
// of range.
func (a *Array) readRow(i int, t float64) (row []float64, fac, alpha, beta float64) {
	if uint(i) >= uint(a.rows) {
		panic(fmt.Sprintf("device: row %d out of range for %d rows", i, a.rows))
	}
	fac = 1.0
	if a.stp != nil {
		fac += a.stp.stimulate(&a.p, i, t)
	}
	return a.g[i*a.cols : (i+1)*a.cols], fac, a.wmax * fac / a.dg0, a.wmax * a.gmin0 / a.dg0
}

// countRowRead counts the Cols() reads of row, read with facilitation factor fac.
func (a *Array) countRowRead(row []float64, fac float64) { a.countReads(rowSum(row), fac) }

// countReads counts the Cols() reads of a row whose conductances sum to sum.
func (a *Array) countReads(sum, fac float64) {
	a.count.Reads += uint64(a.cols)
	a.count.ReadGSum += sum * fac
}

// rowSum returns the sum of row with four partial sums: one running sum would be a chain of
// dependent adds (4 cycles each) that dominated a row read.
func rowSum(row []float64) float64 {
	var s0, s1, s2, s3 float64
	for ; len(row) >= 4; row = row[4:] {
		s0 += row[0]
		s1 += row[1]
		s2 += row[2]
		s3 += row[3]
	}
	for _, g := range row {
		s0 += g
	}
	return (s0 + s1) + (s2 + s3)
}

// AccumulateRow is the event-driven read of row i for one input spike at time t (seconds):
// for every column j,
//
//	dst[j] += WMax·(G_ij·(1 + s_i)·(1 + N(0, σ_read)) − Gmin)/(Gmax − Gmin)
//
// where s_i is row i's facilitation at t (the spike then adds C1, C2 to it). Read times must
// not decrease across the array's reads (it panics otherwise). One independent Gaussian is
// drawn per device read; AccumulateRowVar with AddReadNoise gives the same distribution with
// one Gaussian per column per time step. It counts Cols() reads. It panics if len(dst) <
// Cols().
func (a *Array) AccumulateRow(dst []float64, i int, t float64) {
	if len(dst) < a.cols {
		panic(fmt.Sprintf("device: AccumulateRow: len(dst) = %d < cols = %d", len(dst), a.cols))
	}
	row, fac, alpha, beta := a.readRow(i, t)
	dst = dst[:len(row)]
	if a.readNoise == 0 {
		for j, g := range row {
			dst[j] += alpha*g - beta
		}
	} else {
		sig := a.readNoise
		ns := &a.ns
		for j, g := range row {
			dst[j] += alpha*g*(1+sig*ns.norm()) - beta
		}
	}
	a.countRowRead(row, fac)
}

// AccumulateRowVar is AccumulateRow with the read noise deferred: dst[j] += the noise-free read
// weight of (i, j) and variance[j] += the variance of its read noise,
// (WMax·G_ij·(1 + s_i)·σ_read/(Gmax − Gmin))². After all the input spikes of a time step,
// AddReadNoise(dst, variance) adds √variance[j]·N(0, 1) to each column. The result has exactly
// the distribution of calling AccumulateRow for each spike (a sum of independent Gaussians is
// Gaussian with the summed variance), at one Gaussian per column per step instead of one per
// device read. It counts Cols() reads. It panics if dst or variance is shorter than Cols().
func (a *Array) AccumulateRowVar(dst, variance []float64, i int, t float64) {
	if len(dst) < a.cols || len(variance) < a.cols {
		panic(fmt.Sprintf("device: AccumulateRowVar: len(dst) = %d, len(variance) = %d < cols = %d", len(dst), len(variance), a.cols))
	}
	row, fac, alpha, beta := a.readRow(i, t)
	dst = dst[:len(row)]
	variance = variance[:len(row)]
	if a.readNoise == 0 {
		for j, g := range row {
			dst[j] += alpha*g - beta
		}
	} else {
		as := alpha * a.readNoise
		as2 := as * as
		for j, g := range row {
			dst[j] += alpha*g - beta
			variance[j] += as2 * g * g
		}
	}
	a.countRowRead(row, fac)
}

// ScatterRow is AccumulateRow for synapses with delays: the read weight of (i, j) is added to
// ring[offs[j]] instead of dst[j] (a delay line indexed by arrival slot). It gives the same
// bits as AccumulateRow into a zeroed buffer followed by ring[offs[j]] += buffer[j], without
// the buffer. It counts Cols() reads. It panics if len(offs) < Cols() or an offset is out of
// ring.
func (a *Array) ScatterRow(ring []float64, offs []int32, i int, t float64) {
	if len(offs) < a.cols {
		panic(fmt.Sprintf("device: ScatterRow: len(offs) = %d < cols = %d", len(offs), a.cols))
	}
	row, fac, alpha, beta := a.readRow(i, t)
	offs = offs[:len(row)]
	if sig := a.readNoise; sig != 0 {
		// One Gaussian per read, as AccumulateRow draws them.
		for j, g := range row {
			ring[offs[j]] += alpha*g*(1+sig*a.ns.norm()) - beta
		}
	} else {
		for j, g := range row {
			ring[offs[j]] += alpha*g - beta
		}
	}
	a.countRowRead(row, fac)
}

// ScatterRowVar is AccumulateRowVar for synapses with delays, into a ring of (weight, variance)
// pairs: the noise-free read weight of (i, j) is added to ring[offs[j]][0] and the variance of
// its read noise to ring[offs[j]][1] (see ScatterRow). A pair shares a cache line, so a read
// touches one line per column instead of one in each of two rings. It counts Cols() reads. It
// panics if len(offs) < Cols() or an offset is out of ring.
//
// With AVX2 the arithmetic of four columns is done at once and the row's sum for the energy
// counter comes with it; the result has the bits of the Go loop (TestScatterRowVarKernel).
func (a *Array) ScatterRowVar(ring [][2]float64, offs []int32, i int, t float64) {
	if len(offs) < a.cols {
		panic(fmt.Sprintf("device: ScatterRowVar: len(offs) = %d < cols = %d", len(offs), a.cols))
	}
	row, fac, alpha, beta := a.readRow(i, t)
	offs = offs[:len(row)]
	as := alpha * a.readNoise
	k := scatterConsts{alpha: alpha, beta: beta, as2: as * as}
	if !useScatterAsm {
		for j, g := range row {
			p := &ring[offs[j]]
			p[0] += k.alpha*g - k.beta
			p[1] += k.as2 * g * g
		}
		a.countRowRead(row, fac)
		return
	}
	var s [4]float64 // rowSum's partial sums
	m := len(row) &^ 3
	if m > 0 {
		if scatterPairsAVX2(&ring[0], &offs[0], &row[0], m, &k, len(ring), &s) >= 0 {
			for j, o := range offs[:m] {
				if uint(o) >= uint(len(ring)) {
					panic(fmt.Sprintf("device: ScatterRowVar: offset %d of column %d out of a ring of %d", o, j, len(ring)))
				}
			}
		}
	}
	for j := m; j < len(row); j++ {
		g := row[j]
		p := &ring[offs[j]]
		p[0] += k.alpha*g - k.beta
		p[1] += k.as2 * g * g
		s[0] += g
	}
	a.countReads((s[0]+s[1])+(s[2]+s[3]), fac)
}

// scatterConsts are the constants of a row read in the order scatterPairsAVX2 reads them.
type scatterConsts struct{ alpha, beta, as2 float64 }

// AddReadNoise adds √variance[j]·N(0, 1) to dst[j] for every j with variance[j] > 0 and resets
// variance to zero: the deferred read noise of AccumulateRowVar. The Gaussians come from the
// array's own read-noise stream, eight at a time (see addReadNoise). It panics if the lengths
// differ.
func (a *Array) AddReadNoise(dst, variance []float64) {
	if len(dst) != len(variance) {
		panic(fmt.Sprintf("device: AddReadNoise: len(dst) = %d, len(variance) = %d", len(dst), len(variance)))
	}
	a.addReadNoise(dst, variance)
}

// DrainReadNoise is the arrival of one slot of a delay ring of (weight, variance) pairs filled
// by ScatterRowVar, held in two halves lo and hi (see network.DC's ring): for every column j,
// dst[j] += lo[j][0] + hi[j][0], then AddReadNoise's noise for the variance lo[j][1] + hi[j][1];
// lo and hi are zeroed. It gives the bits of that drain followed by AddReadNoise, in one pass
// over the columns (with AVX2, whole blocks of eight columns: a caller that pads its rows to a
// multiple of eight, with zero weights and variances, avoids a slower tail). It panics if the
// lengths differ.
func (a *Array) DrainReadNoise(dst []float64, lo, hi [][2]float64) {
	if len(lo) != len(dst) || len(hi) != len(dst) {
		panic(fmt.Sprintf("device: DrainReadNoise: len(dst) = %d, len(lo) = %d, len(hi) = %d", len(dst), len(lo), len(hi)))
	}
	a.drainNoise(dst, lo, hi)
}

// readTo writes the whole matrix of read weights (with read noise, without facilitation) into
// dst, row-major (allocated if nil or short), and returns it. It counts Rows()·Cols() reads.
func (a *Array) readTo(dst []float64) []float64 {
	if cap(dst) < len(a.g) {
		dst = make([]float64, len(a.g))
	}
	dst = dst[:len(a.g)]
	alpha := a.wmax / a.dg0
	beta := a.wmax * a.gmin0 / a.dg0
	if a.readNoise == 0 {
		for k, g := range a.g {
			dst[k] = alpha*g - beta
		}
	} else {
		sig := a.readNoise
		for k, g := range a.g {
			dst[k] = alpha*g*(1+sig*a.ns.norm()) - beta
		}
	}
	a.count.Reads += uint64(len(a.g))
	a.count.ReadGSum += rowSum(a.g)
	return dst
}

// readWeight returns one noisy read of device (i, j) as a weight, without facilitation. It
// counts one read.
func (a *Array) readWeight(i, j int) float64 {
	g := a.g[a.index(i, j)]
	a.count.Reads++
	a.count.ReadGSum += g
	if a.readNoise != 0 {
		g *= 1 + a.readNoise*a.ns.norm()
	}
	return a.weightOf(g)
}

// Batch is a list of weight changes for Array.Program: DW[m] on the device named by Shape, Line
// and Index, in order. Its shapes are those of a learning rule's updates, each of which Program
// carries out in one pass:
//
//	Scattered: DW[m] on device Index[m], row-major (i·Cols + j): e.g. one time step's depressions
//	InColumn:  DW[m] on device (Index[m], Line): e.g. the potentiations of one post spike
//	InRow:     DW[j] on device (Line, j) for every column j (Index unused): e.g. one row of a
//	           normalisation
//
// Model selects the model-based pulse count instead of the nominal one (see Program). The zero
// value is an empty Scattered batch; its slices may be reused once Program returns.
type Batch struct {
	Shape Shape
	Line  int       // the row (InRow) or column (InColumn) of the batch
	Index []int32   // the devices (Scattered) or rows (InColumn) of the entries
	DW    []float64 // the weight changes, one per entry
	Model bool
}

// Shape says which devices a Batch's entries program.
type Shape uint8

// The shapes of a Batch.
const (
	Scattered Shape = iota // Index[m] is a row-major device index
	InColumn               // Index[m] is a row of column Line
	InRow                  // entry j is device (Line, j)
)

// Program carries out batch b. Each weight change Δw becomes a signed, fractional number of
// pulses, every count from the state before the batch: NeuroSim's nominal Δw/WMax·Pmax, or,
// with b.Model, the count that moves the preset's nominal curve by Δw from the device's present
// conductance (see pulsesAt; it knows G but not the device's own variation or its C2C noise).
// The devices then take their counts in order, as if programmed one after the other: zeros are
// skipped; the fractional part becomes one more pulse with probability equal to the fraction
// (stochastic rounding, so small updates survive on average); a step of n pulses moves G n
// pulses along the device's own curve, adds N(0, σ_c2c·(Gmax−Gmin))·√n and clips to the
// device's window; a stuck device does not move. Pulses are counted (also for stuck devices:
// the driver does not know). An Analog device takes the fraction exactly, as a proportionally
// smaller step.
//
// A batch costs a fraction of one call per device for the sub-pulse updates of a learning rule
// (see programAt); the outcomes are those of one device after the other unless a survival
// product of the rounding lies within rounding error (~1e-16 relative) of its threshold.
//
// It panics if b.Line or an index is out of range, if len(b.Index) != len(b.DW) (Scattered,
// InColumn) or len(b.DW) != Cols() (InRow), or if b.Shape is unknown.
func (a *Array) Program(b *Batch) {
	base, stride, idx := a.span(b)
	pulses, scale := b.DW, a.pulsesFor(1) // pulsesFor is linear in Δw
	if b.Model {
		c := a.counts[:0]
		for m, dw := range b.DW {
			c = append(c, a.pulsesAt(spanAt(base, stride, idx, m), dw))
		}
		a.counts = c
		pulses, scale = c, 1
	}
	a.programAt(base, stride, idx, pulses, scale)
}

// spanAt is entry m of a span: device base + idx[m]·stride, or, with idx nil, base + m.
func spanAt(base, stride int, idx []int32, m int) int {
	if idx == nil {
		return base + m
	}
	return base + int(idx[m])*stride
}

// span checks b and returns its devices as programAt takes them: entry m is device
// base + idx[m]·stride, or, with idx nil (InRow), base + m (spanAt).
func (a *Array) span(b *Batch) (base, stride int, idx []int32) {
	n := 0
	switch b.Shape {
	case Scattered:
		stride, n = 1, len(a.g)
	case InColumn:
		if uint(b.Line) >= uint(a.cols) {
			panic(fmt.Sprintf("device: Program: column %d out of range [0, %d)", b.Line, a.cols))
		}
		base, stride, n = b.Line, a.cols, a.rows
	case InRow:
		if uint(b.Line) >= uint(a.rows) {
			panic(fmt.Sprintf("device: Program: row %d out of range [0, %d)", b.Line, a.rows))
		}
		if len(b.DW) != a.cols {
			panic(fmt.Sprintf("device: Program: %d weight changes for a row of %d", len(b.DW), a.cols))
		}
		return b.Line * a.cols, 1, nil
	default:
		panic(fmt.Sprintf("device: Program: unknown batch shape %d", b.Shape))
	}
	idx = b.Index
	if len(idx) != len(b.DW) {
		panic(fmt.Sprintf("device: Program: %d indices for %d weight changes", len(idx), len(b.DW)))
	}
	for m, x := range idx {
		if uint(x) >= uint(n) {
			panic(fmt.Sprintf("device: Program: index %d (entry %d) out of range [0, %d)", x, m, n))
		}
	}
	if idx == nil {
		idx = []int32{} // empty, not a contiguous run
	}
	return base, stride, idx
}

// programAt applies scale·pulses[m] pulses to device base + idx[m]·stride, or, with idx nil,
// to device base + m (the indices are checked by span). A sub-pulse count takes round's path
// inline, with the survival product in a register.
func (a *Array) programAt(base, stride int, idx []int32, pulses []float64, scale float64) {
	at := func(m int) int { return spanAt(base, stride, idx, m) }
	// Scattered devices (idx given) are stepped after the rounding, all at once (applySteps);
	// a contiguous run as it goes: its memory is read in order anyway.
	scattered := idx != nil
	fires := a.fires[:0]
	if a.p.Analog {
		for m, x := range pulses {
			if p := scale * x; p != 0 {
				a.emit(&fires, scattered, at(m), p)
			}
		}
		a.applySteps(fires)
		return
	}
	// Blocks of four sub-pulse counts first test the block's survival product, formed as a
	// tree (two multiplies deep instead of four in a chain): if it stays above U, no trial of
	// the block succeeds and S takes that product; else the block is done one by one, as
	// round would. In exact arithmetic this is the same; in floating point the block's S may
	// differ from the chained one in its last bits, so an outcome differs from one device at
	// a time only when a survival product lies within rounding (~1e-16 relative) of its
	// threshold.
	S, U := a.skipS, a.skipU
	for m := 0; m < len(pulses); {
		end := m + 1
		if m+4 <= len(pulses) {
			end = m + 4
			f0, f1, f2, f3 := math.Abs(scale*pulses[m]), math.Abs(scale*pulses[m+1]), math.Abs(scale*pulses[m+2]), math.Abs(scale*pulses[m+3])
			if U != 0 && f0 > 0 && f0 < 1 && f1 > 0 && f1 < 1 && f2 > 0 && f2 < 1 && f3 > 0 && f3 < 1 {
				if S4 := S * (((1 - f0) * (1 - f1)) * ((1 - f2) * (1 - f3))); S4 >= U {
					S, m = S4, end
					continue
				}
			}
		}
		for ; m < end; m++ {
			p := scale * pulses[m]
			f := math.Abs(p)
			if f >= 1 || f == 0 || f != f {
				if f == 0 {
					continue
				}
				a.skipS, a.skipU = S, U
				if n := a.round(f); n != 0 {
					a.emit(&fires, scattered, at(m), math.Copysign(n, p))
				}
				S, U = a.skipS, a.skipU
				continue
			}
			if U == 0 {
				U = a.roundUniform()
			}
			S *= 1 - f
			if S < U {
				S, U = 1, 0
				a.emit(&fires, scattered, at(m), math.Copysign(1, p))
			}
		}
	}
	a.skipS, a.skipU = S, U
	a.applySteps(fires)
}

// emit steps device k by n now, or, for a scattered batch, appends the step to fires for
// applySteps.
func (a *Array) emit(fires *[]pulseStep, scattered bool, k int, n float64) {
	if scattered {
		*fires = append(*fires, pulseStep{k, n})
		return
	}
	a.step(k, n)
}

// applySteps applies a batch's steps in order. The rounding decided them all first (its
// uniforms have their own stream, so this order changes no outcome), and a first loop loads
// every fired device's conductance and curve: independent loads, which the core overlaps,
// where step after step would wait for each cache miss in turn (a training step's devices are
// scattered over megabytes).
func (a *Array) applySteps(f []pulseStep) {
	if len(f) > 1 {
		var s float64
		if len(a.curves) > 1 {
			for _, x := range f {
				s += a.g[x.k] + a.curves[x.k].kP
			}
		} else {
			for _, x := range f {
				s += a.g[x.k]
			}
		}
		a.touched = s
	}
	for _, x := range f {
		a.step(x.k, x.n)
	}
	a.fires = f[:0]
}

// roundUniform returns a uniform in (0, 1] from the rounding stream.
func (a *Array) roundUniform() float64 {
	return (float64(a.rsrc.Uint64()>>11) + 1) * (1.0 / (1 << 53))
}

// round is the array's stochastic rounding: ⌊x⌋ + 1 with probability x − ⌊x⌋, else ⌊x⌋
// (x ≥ 0), each call independent of the others. It does not draw a uniform per call: the
// fractional parts f_1, f_2, … of successive calls are Bernoulli trials, and the first success
// is drawn by inversion: with one uniform U in (0, 1], trial k succeeds when the survival
// product S_k = Π (1 − f_m) since the last success falls below U. Then
// P(success at k | none before) = (S_{k−1} − S_k)/S_{k−1} = f_k, whatever the f_k (they may
// depend on earlier outcomes), so the outcomes are exactly those of one uniform per call, at
// one multiply per call and one uniform per success. Training programs mostly sub-pulse steps
// (a Δw of 1e-4 is 0.01 pulse on 100 states), where this saves nearly every draw.
func (a *Array) round(x float64) float64 {
	fl := math.Floor(x)
	f := x - fl
	if f <= 0 {
		return fl
	}
	if a.skipU == 0 {
		a.skipU = a.roundUniform()
	}
	a.skipS *= 1 - f
	if a.skipS < a.skipU {
		a.skipS, a.skipU = 1, 0
		return fl + 1
	}
	return fl
}

// step applies n (signed, integral in practice) pulses to device k.
func (a *Array) step(k int, n float64) {
	m := math.Abs(n)
	// ⌈m⌉ pulses (an analog fractional step counts as one), without math.Ceil's call.
	cnt := uint64(m)
	if float64(cnt) < m {
		cnt++
	}
	g0 := a.g[k]
	if a.stuck != nil && a.stuck[k] != notStuck {
		a.countPulses(n, cnt, g0)
		return
	}
	c := &a.curves[0]
	if len(a.curves) > 1 {
		c = &a.curves[k]
	}
	g := a.g[k]
	if n > 0 {
		g = c.pot(g, m)
	} else {
		g = c.dep(g, m)
	}
	if a.sigmaW != 0 {
		s := a.sigmaW
		if m != 1 {
			s *= math.Sqrt(m)
		}
		g += s * a.ns.norm()
	}
	a.g[k] = c.clip(g)
	a.countPulses(n, cnt, (g0+a.g[k])/2)
}

// countPulses counts cnt pulses of the sign of n at mean conductance g.
func (a *Array) countPulses(n float64, cnt uint64, g float64) {
	if n > 0 {
		a.count.PotPulses += cnt
		a.count.PotGSum += float64(cnt) * g
	} else {
		a.count.DepPulses += cnt
		a.count.DepGSum += float64(cnt) * g
	}
}

// pulsesFor returns the nominal number of pulses for a weight change dw, NeuroSim's rule
// dw/WMax·Pmax (signed, fractional).
func (a *Array) pulsesFor(dw float64) float64 { return dw / a.wmax * float64(a.p.States) }

// pulsesAt is model-based programming: the number of pulses (signed, fractional, at most Pmax
// either way) that moves a device with the preset's nominal curve from device k's present
// conductance G by the weight change dw. On the curve of the package doc,
//
//	n = −ln(1 − ΔG/(c_P − G))/k_P   (ΔG = dw·(Gmax − Gmin)/WMax > 0; likewise with c_D, k_D)
//
// and n = ΔG/((Gmax − Gmin)/Pmax) on a linear branch, where pulsesFor gives the same. Unlike
// pulsesFor (NeuroSim's open-loop count, one nominal step per pulse wherever the device is),
// it accounts for the nonlinearity: near Gmax a potentiation takes more pulses, near Gmin
// fewer. It knows G (as a controller that tracks or reads its devices would) but not the
// device's own variation (D2D) or its cycle-to-cycle noise.
func (a *Array) pulsesAt(k int, dw float64) float64 {
	c := &a.nominal
	dG := dw * a.dg0 / a.wmax
	P := float64(a.p.States)
	var n float64
	switch {
	case dG == 0:
		return 0
	case dG > 0 && c.kP == 0:
		n = dG / c.uP1 // the step per pulse of a linear branch
	case dG < 0 && c.kD == 0:
		n = dG / c.uD1
	case dG > 0:
		x := -dG / (c.cP - a.g[k])
		if x <= -1 {
			return P
		}
		n = -math.Log1p(x) / c.kP
	default:
		x := -dG / (c.cD - a.g[k])
		if x <= -1 {
			return -P
		}
		n = -math.Log1p(x) / c.kD
	}
	return max(-P, min(P, n))
}

// Counters returns the operations since the last reset.
func (a *Array) Counters() Counters { return a.count }

// ResetCounters zeroes the counters.
func (a *Array) ResetCounters() { a.count = Counters{} }

// Clone returns a deep copy of the array's state (conductances, facilitation, WMax)
// with an independent noise stream drawn from seed and zeroed counters, e.g. for evaluation
// replicas. The immutable per-device curves and stuck flags are shared.
func (a *Array) Clone(seed uint64) *Array {
	b := *a
	b.g = append([]float64(nil), a.g...)
	if a.stp != nil {
		b.stp = a.stp.clone()
	}
	b.src = rand.NewPCG(seed, streamNoise)
	b.rng = rand.New(b.src)
	b.ns = normals{src: b.src}
	b.rsrc = rand.NewPCG(seed, streamRound)
	b.lanes.seed(rand.NewPCG(seed, streamReadNoise))
	b.nbits, b.nrej, b.nvar, b.fires, b.counts = nil, nil, nil, nil, nil
	b.skipS, b.skipU = 1, 0
	b.count = Counters{} // a replica has performed no operations yet
	return &b
}

// arrayState is the checkpoint format. The per-device curves and stuck flags are not stored:
// they are redrawn from Params and BuildSeed, which reproduces them exactly.
type arrayState struct {
	Version    int
	Params     Params
	Rows, Cols int
	BuildSeed  uint64
	WMax       float64
	G          []float64
	Facil      []facil // before version 3
	STP        *rowSTP // since version 3; its factor state (Tc, D1, …, Steps) since 6
	RNG        []byte
	NormBuf    uint32
	NormHave   bool
	Lanes      [4][4]uint64 // since version 2
	SkipS      float64      // stochastic rounding's state; 0 (absent) reads as 1
	SkipU      float64
	RoundRNG   []byte     // since version 4: the rounding's own stream
	Sources    SourceList // since version 5: Params.Source (Params.Source then nil)
	Counters   Counters
}

// arrayStateVersion 2 added the read-noise lanes, 3 the facilitation referred to a common time
// (rowSTP), 4 the stochastic rounding's own stream, 5 the parameters' sources as a sorted list
// (gob writes a map in Go's random iteration order, so the same state gave different bytes), 6
// the facilitation's current factors and cached gaps (rowSTP's chained factors). Older
// checkpoints still load: their lanes and rounding stream start from BuildSeed, as a new
// array's do, their per-row facilitation is converted, and their factors are computed afresh.
const arrayStateVersion = 6

// MarshalBinary encodes the array's full state, including its noise stream, for checkpoints.
func (a *Array) MarshalBinary() ([]byte, error) {
	rs, err := a.src.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("device: marshal array rng: %w", err)
	}
	rr, err := a.rsrc.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("device: marshal array rounding rng: %w", err)
	}
	p, src := a.p.WithoutSources()
	st := arrayState{
		Version: arrayStateVersion, Params: p, Sources: src, Rows: a.rows, Cols: a.cols, BuildSeed: a.seed,
		WMax: a.wmax, G: a.g, STP: a.stp, RNG: rs, NormBuf: a.ns.buf, NormHave: a.ns.have, Lanes: a.lanes.s, SkipS: a.skipS, SkipU: a.skipU, RoundRNG: rr, Counters: a.count,
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(&st); err != nil {
		return nil, fmt.Errorf("device: marshal array: %w", err)
	}
	return buf.Bytes(), nil
}

// UnmarshalBinary restores a state written by MarshalBinary into a (its previous state is
// replaced entirely).
func (a *Array) UnmarshalBinary(data []byte) error {
	var st arrayState
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&st); err != nil {
		return fmt.Errorf("device: unmarshal array: %w", err)
	}
	if st.Version < 1 || st.Version > arrayStateVersion {
		return fmt.Errorf("device: unmarshal array: version %d, want 1 to %d", st.Version, arrayStateVersion)
	}
	if st.Sources != nil {
		st.Params.Source = st.Sources.Map()
	}
	b, err := NewArray(&st.Params, st.Rows, st.Cols, st.BuildSeed)
	if err != nil {
		return fmt.Errorf("device: unmarshal array: %w", err)
	}
	if len(st.G) != st.Rows*st.Cols {
		return fmt.Errorf("device: unmarshal array: %d conductances for %d×%d", len(st.G), st.Rows, st.Cols)
	}
	if b.stp != nil {
		if st.STP == nil {
			if len(st.Facil) != st.Rows {
				return fmt.Errorf("device: unmarshal array: %d facilitation states for %d rows", len(st.Facil), st.Rows)
			}
			st.STP = fromFacil(&st.Params, st.Facil)
		}
		if len(st.STP.U1) != st.Rows || len(st.STP.U2) != st.Rows || len(st.STP.Last) != st.Rows {
			return fmt.Errorf("device: unmarshal array: facilitation state for %d, %d, %d rows, want %d",
				len(st.STP.U1), len(st.STP.U2), len(st.STP.Last), st.Rows)
		}
		if err := st.STP.checkFactors(); err != nil {
			return fmt.Errorf("device: unmarshal array: %w", err)
		}
	}
	if err := b.src.UnmarshalBinary(st.RNG); err != nil {
		return fmt.Errorf("device: unmarshal array rng: %w", err)
	}
	b.ns.buf, b.ns.have = st.NormBuf, st.NormHave
	if st.Version >= 4 {
		if err := b.rsrc.UnmarshalBinary(st.RoundRNG); err != nil {
			return fmt.Errorf("device: unmarshal array rounding rng: %w", err)
		}
	}
	if st.Version >= 2 {
		b.lanes.s = st.Lanes
	}
	if st.SkipS > 0 {
		b.skipS, b.skipU = st.SkipS, st.SkipU
	}
	b.wmax = st.WMax
	copy(b.g, st.G)
	if b.stp != nil {
		b.stp = st.STP.clone()
	}
	b.count = st.Counters
	*a = *b
	return nil
}
