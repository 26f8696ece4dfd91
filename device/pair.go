package device

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"math"
)

// PairScheme says how a Pair turns a signed weight change into pulses on its two devices.
type PairScheme int

const (
	// Unipolar potentiates only (NeuroSim-style for a differential pair): Δw > 0 potentiates
	// G⁺, Δw < 0 potentiates G⁻. Depression pulses are used only by Refresh. Both devices
	// drift upward and their steps shrink as they near Gmax (for NL_LTP > 0), so the pair needs
	// a periodic Refresh (see Pair.NeedsRefresh).
	Unipolar PairScheme = iota
	// SignMagnitude keeps one device of the pair at its floor and the weight's magnitude on
	// the other: a change that grows |w| potentiates the device that carries w, a change that
	// shrinks |w| depresses it (LTP and LTD both used, as NeuroSim's single-device update does);
	// the other device is touched only when w crosses zero. It never needs a refresh.
	SignMagnitude
)

// String returns the scheme's name as used in configuration files.
func (s PairScheme) String() string {
	switch s {
	case Unipolar:
		return "unipolar"
	case SignMagnitude:
		return "sign-magnitude"
	}
	return fmt.Sprintf("PairScheme(%d)", int(s))
}

// ParsePairScheme returns the scheme called name ("unipolar" or "sign-magnitude").
func ParsePairScheme(name string) (PairScheme, error) {
	switch name {
	case "unipolar", "":
		return Unipolar, nil
	case "sign-magnitude":
		return SignMagnitude, nil
	}
	return 0, fmt.Errorf("device: unknown pair scheme %q (want unipolar or sign-magnitude)", name)
}

// Pair is a rows×cols matrix of signed weights, each stored as a differential pair of devices
// of one kind, one in each of two arrays (Pos holds G⁺, Neg holds G⁻):
//
//	w = WMax·(G⁺ − G⁻)/(Gmax − Gmin)
//
// with the preset's nominal window, so w ∈ [−WMax, WMax] for nominal devices. Both arrays
// start with every device at its Gmin (w = 0). A read of the pair reads both devices (two
// reads counted) and subtracts; the read noise of the two is independent.
//
// Pulses: a weight change Δw needs n = Δw/WMax·Pmax nominal pulses (Pair.PulsesFor); how they
// are spread over the two devices is the Pair's Scheme. Fractional pulses are applied by
// stochastic rounding (Program) or, for a hypothetical analog-amplitude device, continuously
// (ProgramContinuous).
//
// A Pair is not safe for concurrent use.
type Pair struct {
	Pos, Neg *Array
	Scheme   PairScheme
}

// Seed streams of the two arrays of a pair, derived from the pair's seed.
const (
	pairSeedPos uint64 = 0x70616972706f7331
	pairSeedNeg uint64 = 0x706169726e656731
)

// NewPair returns a rows×cols pair of arrays of devices of p, with the Unipolar scheme and
// WMax 1. The two arrays draw their variation and noise from seeds derived from seed.
func NewPair(p *Params, rows, cols int, seed uint64) (*Pair, error) {
	pos, err := NewArray(p, rows, cols, seed^pairSeedPos)
	if err != nil {
		return nil, err
	}
	neg, err := NewArray(p, rows, cols, seed^pairSeedNeg)
	if err != nil {
		return nil, err
	}
	return &Pair{Pos: pos, Neg: neg}, nil
}

// Rows returns the number of rows (inputs).
func (q *Pair) Rows() int { return q.Pos.rows }

// Cols returns the number of columns (outputs).
func (q *Pair) Cols() int { return q.Pos.cols }

// Params returns the devices' parameters (owned by the pair; do not modify).
func (q *Pair) Params() *Params { return &q.Pos.p }

// SetWMax sets the weight of a pair whose G⁺ is at nominal Gmax and G⁻ at nominal Gmin. It
// panics unless w > 0 and finite.
func (q *Pair) SetWMax(w float64) {
	q.Pos.setWMax(w)
	q.Neg.setWMax(w)
}

// WMax returns the weight scale.
func (q *Pair) WMax() float64 { return q.Pos.wmax }

// Weight returns the stored weight of pair (i, j): no noise, not counted.
func (q *Pair) Weight(i, j int) float64 { return q.Pos.weight(i, j) - q.Neg.weight(i, j) }

// WeightsTo writes all stored weights, row-major, into dst (allocated if nil or short) and
// returns it. No noise, not counted.
func (q *Pair) WeightsTo(dst []float64) []float64 {
	n := len(q.Pos.g)
	if cap(dst) < n {
		dst = make([]float64, n)
	}
	dst = dst[:n]
	s := q.Pos.wmax / q.Pos.dg0
	gp, gn := q.Pos.g, q.Neg.g[:n]
	for k := range dst {
		dst[k] = s * (gp[k] - gn[k])
	}
	return dst
}

// ReadTo writes the whole matrix of read weights into dst (row-major, allocated if nil or
// short) and returns it: each device read once with its read noise, 2·Rows·Cols reads counted.
// scratch, if long enough, holds the G⁻ reads (else one is allocated).
func (q *Pair) ReadTo(dst, scratch []float64) []float64 {
	dst = q.Pos.readTo(dst)
	scratch = q.Neg.readTo(scratch)
	for k := range dst {
		dst[k] -= scratch[k]
	}
	return dst
}

// PulsesFor returns the nominal (signed, fractional) number of pulses for a weight change dw.
func (q *Pair) PulsesFor(dw float64) float64 { return q.Pos.pulsesFor(dw) }

// Program applies a signed number of pulses n (a weight change of about n·WMax/Pmax) to pair
// (i, j) according to the pair's Scheme; a fractional part is applied by stochastic rounding.
// It panics if (i, j) is out of range.
func (q *Pair) Program(i, j int, n float64) {
	k := q.Pos.index(i, j)
	if n == 0 {
		return
	}
	m := stochasticRound(math.Abs(n), q.Pos.rng)
	if m == 0 {
		return
	}
	q.apply(k, math.Copysign(m, n))
}

// ProgramContinuous is Program for a device that accepts fractional pulses (an analog pulse
// amplitude): n pulses move G along the device's curve by exactly n steps, without rounding,
// with C2C noise N(0, σ)·√|n|. It models no real driver; it exists so that an ideal, linear,
// noiseless device reproduces floating-point training (the learning package's check).
func (q *Pair) ProgramContinuous(i, j int, n float64) {
	k := q.Pos.index(i, j)
	if n == 0 {
		return
	}
	q.apply(k, n)
}

// ProgramRow applies n[j] pulses to pair (i, j) for every j, as Program does (zeros skipped).
// It panics if len(n) != Cols().
func (q *Pair) ProgramRow(i int, n []float64) {
	if len(n) != q.Pos.cols {
		panic(fmt.Sprintf("device: Pair.ProgramRow: len(n) = %d, cols = %d", len(n), q.Pos.cols))
	}
	base := q.Pos.index(i, 0)
	rng := q.Pos.rng
	for j, x := range n {
		if x == 0 {
			continue
		}
		m := math.Abs(x)
		if m != math.Trunc(m) {
			m = stochasticRound(m, rng)
		}
		if m == 0 {
			continue
		}
		q.apply(base+j, math.Copysign(m, x))
	}
}

// apply puts n signed pulses on pair k according to the scheme.
func (q *Pair) apply(k int, n float64) {
	switch q.Scheme {
	case Unipolar:
		if n > 0 {
			q.Pos.step(k, n)
		} else {
			q.Neg.step(k, -n)
		}
	case SignMagnitude:
		gp, gn := q.Pos.g[k], q.Neg.g[k]
		// The device carrying the weight is the one above the other; the other sits at its
		// floor. A change toward the carried sign potentiates the carrier, the opposite change
		// depresses it; once the carrier is at its floor, the other device takes over.
		if n > 0 {
			if gn > gp && gn > q.Neg.floor(k) {
				q.Neg.step(k, -n) // depression of G⁻
			} else {
				q.Pos.step(k, n)
			}
		} else {
			if gp > gn && gp > q.Pos.floor(k) {
				q.Pos.step(k, n)
			} else {
				q.Neg.step(k, -n)
			}
		}
	default:
		panic(fmt.Sprintf("device: unknown pair scheme %d", q.Scheme))
	}
}

// floor returns device k's own Gmin.
func (a *Array) floor(k int) float64 {
	if len(a.curves) > 1 {
		return a.curves[k].gmin
	}
	return a.curves[0].gmin
}

// ceil returns device k's own Gmax.
func (a *Array) ceil(k int) float64 {
	if len(a.curves) > 1 {
		return a.curves[k].gmax
	}
	return a.curves[0].gmax
}

// NeedsRefresh reports whether either device of pair (i, j) has climbed above the fraction
// level of its own window (e.g. 0.9): a Unipolar pair near saturation can no longer move in
// that direction and should be refreshed.
func (q *Pair) NeedsRefresh(i, j int, level float64) bool {
	k := q.Pos.index(i, j)
	return q.Pos.g[k] > q.Pos.floor(k)+level*(q.Pos.ceil(k)-q.Pos.floor(k)) ||
		q.Neg.g[k] > q.Neg.floor(k)+level*(q.Neg.ceil(k)-q.Neg.floor(k))
}

// Refresh re-centres pair (i, j) the way a differential array is refreshed: it reads the
// weight (two reads, with noise), depresses both devices to their floor (Pmax depression pulses
// each: the driver does not know where a device is, so it applies a full reset train) and
// writes the weight read back onto one device with write-and-verify (tol, maxPulses as in
// ProgramTo). It returns the pulses used.
func (q *Pair) Refresh(i, j int, tol float64, maxPulses int) int {
	w := q.ReadWeight(i, j)
	return q.Reset(i, j) + q.ProgramTo(i, j, w, tol, maxPulses)
}

// Reset depresses both devices of pair (i, j) to their floor with a full train of Pmax
// depression pulses each (the driver does not know where a device is), so w ≈ 0. It returns
// the pulses used.
func (q *Pair) Reset(i, j int) int {
	k := q.Pos.index(i, j)
	P := float64(q.Pos.p.States)
	q.Pos.step(k, -P)
	q.Neg.step(k, -P)
	return 2 * q.Pos.p.States
}

// ReadWeight returns one noisy read of pair (i, j) (two device reads, counted).
func (q *Pair) ReadWeight(i, j int) float64 { return q.Pos.readWeight(i, j) - q.Neg.readWeight(i, j) }

// ProgramTo writes pair (i, j) toward weight w by write-and-verify on one device, the other
// left where it is (at its floor after a reset or at construction): w ≥ 0 goes on G⁺, w < 0 on
// G⁻. Each round reads the pair (two reads, with noise), stops if within tol of w, else applies
// round(PulsesFor(error)) pulses (at least one, of the right sign: depression when the target
// device overshot) to the target device, until maxPulses pulses have been used. It returns the
// pulses used.
func (q *Pair) ProgramTo(i, j int, w, tol float64, maxPulses int) int {
	k := q.Pos.index(i, j)
	tgt, sign := q.Pos, 1.0
	if w < 0 {
		tgt, sign = q.Neg, -1
	}
	used := 0
	for used < maxPulses {
		e := w - (q.Pos.readWeight(i, j) - q.Neg.readWeight(i, j))
		if math.Abs(e) <= tol {
			break
		}
		n := math.Round(q.PulsesFor(e)) * sign
		if n == 0 {
			n = math.Copysign(1, e*sign)
		}
		if left := float64(maxPulses - used); math.Abs(n) > left {
			n = math.Copysign(left, n)
		}
		tgt.step(k, n)
		used += int(math.Abs(n))
	}
	return used
}

// Counters returns the sum of both arrays' operations since the last reset.
func (q *Pair) Counters() Counters { return q.Pos.count.Add(q.Neg.count) }

// ResetCounters zeroes both arrays' counters.
func (q *Pair) ResetCounters() {
	q.Pos.ResetCounters()
	q.Neg.ResetCounters()
}

// Clone returns a deep copy with independent noise streams derived from seed.
func (q *Pair) Clone(seed uint64) *Pair {
	return &Pair{Pos: q.Pos.Clone(seed ^ pairSeedPos), Neg: q.Neg.Clone(seed ^ pairSeedNeg), Scheme: q.Scheme}
}

// pairState is the checkpoint format of a Pair.
type pairState struct {
	Version  int
	Scheme   int
	Pos, Neg []byte
}

// MarshalBinary encodes the pair's full state (both arrays with their noise streams).
func (q *Pair) MarshalBinary() ([]byte, error) {
	pos, err := q.Pos.MarshalBinary()
	if err != nil {
		return nil, err
	}
	neg, err := q.Neg.MarshalBinary()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(&pairState{Version: 1, Scheme: int(q.Scheme), Pos: pos, Neg: neg}); err != nil {
		return nil, fmt.Errorf("device: marshal pair: %w", err)
	}
	return buf.Bytes(), nil
}

// UnmarshalBinary restores a state written by MarshalBinary into q.
func (q *Pair) UnmarshalBinary(data []byte) error {
	var st pairState
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&st); err != nil {
		return fmt.Errorf("device: unmarshal pair: %w", err)
	}
	if st.Version != 1 {
		return fmt.Errorf("device: unmarshal pair: version %d, want 1", st.Version)
	}
	var pos, neg Array
	if err := pos.UnmarshalBinary(st.Pos); err != nil {
		return fmt.Errorf("device: unmarshal pair G+: %w", err)
	}
	if err := neg.UnmarshalBinary(st.Neg); err != nil {
		return fmt.Errorf("device: unmarshal pair G-: %w", err)
	}
	if pos.rows != neg.rows || pos.cols != neg.cols {
		return fmt.Errorf("device: unmarshal pair: shapes %d×%d and %d×%d differ", pos.rows, pos.cols, neg.rows, neg.cols)
	}
	q.Pos, q.Neg, q.Scheme = &pos, &neg, PairScheme(st.Scheme)
	return nil
}
