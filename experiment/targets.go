package experiment

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"

	"github.com/nanospike/nanospike/device"
)

// Better says which way a device parameter improves a device.
type Better int

const (
	Higher Better = 1  // more is better: states, on/off ratio, retention
	Lower  Better = -1 // less is better: |NL|, C2C, D2D, read noise, stuck fraction
)

// SweepPoint is one value of a swept parameter and the accuracy the network lost there against
// the ideal device, per seed, in percentage points (the same seeds, in the same order, at every
// point of a sweep).
type SweepPoint struct {
	Value float64   `json:"value"`
	Loss  []float64 `json:"loss_pp"`
}

// Verdicts of a design target.
const (
	// VerdictMeets: the device's own value lies on the good side of the threshold.
	VerdictMeets = "meets"
	// VerdictNeeds: the device must improve the parameter to the threshold.
	VerdictNeeds = "needs"
	// VerdictAnyValue: every value of the sweep stays within the loss target, and the
	// parameter measurably moves the accuracy.
	VerdictAnyValue = "any tested value"
	// VerdictUnreachable: even the best value of the sweep loses more than the target
	// (other parameters dominate the loss).
	VerdictUnreachable = "unreachable in range"
	// VerdictInsensitive: across the whole sweep the accuracy does not move beyond its seed
	// noise: at this run length the network is insensitive to the parameter, which says
	// nothing about what the device needs.
	VerdictInsensitive = "insensitive"
	// VerdictReversed: the accuracy is not monotone in the parameter, so no threshold
	// exists: a value better than the device's (the sweep's best end, or one past the first
	// crossing) loses more than the target while the device's own value does not, or loses
	// more than the device's own value by a paired interval excluding 0 (Reversal).
	VerdictReversed = "reversed"
)

// Target is what a sweep of one parameter says about a loss target.
type Target struct {
	Param string  `json:"param"`
	Own   float64 `json:"device_value"`
	// Threshold is the value at which the mean loss crosses the target (Mean, interpolated
	// between the sweep's points, on a log scale for log parameters) and the 95 % interval
	// of the per-seed crossings (Lo, Hi; a seed that never crosses counts at the sweep's end;
	// geometric for log parameters, SD then of the logs). NaN when the mean loss does not cross.
	Threshold Stat   `json:"threshold"`
	Verdict   string `json:"verdict"`
	// Effect is the paired change of the loss from the sweep's worst value to its best
	// (pp; positive: the best value loses less), its interval deciding VerdictInsensitive.
	Effect Stat `json:"effect_pp"`
}

// FindTarget returns the design target of a parameter swept over pts for a loss target
// (pp > 0), given the device's own value and which way is better; log interpolates on a
// log scale (states, on/off). The points may come in any order; own must lie within the
// sweep's range.
func FindTarget(param string, own float64, better Better, log bool, pts []SweepPoint, target float64) (Target, error) {
	t := Target{Param: param, Own: own, Threshold: Stat{Mean: math.NaN(), SD: math.NaN(), Lo: math.NaN(), Hi: math.NaN()}}
	if !(target > 0) || math.IsInf(target, 0) {
		return t, fmt.Errorf("experiment: loss target must be a number > 0 pp, got %v", target)
	}
	if better != Higher && better != Lower {
		return t, errors.New("experiment: better must be Higher or Lower")
	}
	if len(pts) < 2 {
		return t, fmt.Errorf("experiment: %s: a sweep needs at least two values, got %d", param, len(pts))
	}
	k := len(pts[0].Loss)
	for _, p := range pts {
		if len(p.Loss) != k || k == 0 {
			return t, fmt.Errorf("experiment: %s: every value needs the same seeds (%d losses at %v, %d at %v)", param, len(p.Loss), p.Value, k, pts[0].Value)
		}
		if log && !(p.Value > 0) {
			return t, fmt.Errorf("experiment: %s: a log-scale sweep needs values > 0, got %v", param, p.Value)
		}
	}
	// Best value first.
	ps := slices.Clone(pts)
	slices.SortFunc(ps, func(a, b SweepPoint) int {
		switch {
		case a.Value == b.Value:
			return 0
		case (a.Value > b.Value) == (better == Higher):
			return -1
		}
		return 1
	})
	lo, hi := ps[0].Value, ps[len(ps)-1].Value
	if lo > hi {
		lo, hi = hi, lo
	}
	if own < lo || own > hi {
		return t, fmt.Errorf("experiment: %s: the device's value %v lies outside the swept range [%v, %v]", param, own, lo, hi)
	}

	// The change from the worst value to the best, paired by seed.
	best, worst := ps[0], ps[len(ps)-1]
	diff := make([]float64, k)
	for s := range k {
		diff[s] = worst.Loss[s] - best.Loss[s]
	}
	t.Effect = Describe(diff)

	means := make([]float64, len(ps))
	for i, p := range ps {
		means[i] = Describe(p.Loss).Mean
	}
	x, crossed := crossing(ps, means, target, log)
	if !crossed {
		switch {
		case means[0] > target && (ownWithin(ps, own, target) || reversedBeyondNoise(ps, own, better)):
			t.Verdict = VerdictReversed
		case means[0] > target:
			t.Verdict = VerdictUnreachable
		case !t.Effect.Excludes(0):
			t.Verdict = VerdictInsensitive
		default:
			t.Verdict = VerdictAnyValue
		}
		return t, nil
	}
	seeds := make([]float64, k)
	col := make([]float64, len(ps))
	for s := range k {
		for i, p := range ps {
			col[i] = p.Loss[s]
		}
		v, ok := crossing(ps, col, target, log)
		switch {
		case ok:
			seeds[s] = v
		case col[0] > target:
			seeds[s] = best.Value // never within the target: the best end
		default:
			seeds[s] = worst.Value // always within: the worst end
		}
	}
	if log {
		// A log parameter's interval is geometric: from the logs of the per-seed crossings.
		for s := range seeds {
			seeds[s] = math.Log(seeds[s])
		}
		st := Describe(seeds)
		t.Threshold = Stat{N: st.N, SD: st.SD, Lo: math.Exp(st.Lo), Hi: math.Exp(st.Hi)}
	} else {
		t.Threshold = Describe(seeds)
	}
	t.Threshold.Mean = x
	switch {
	case (better == Higher && own >= x) || (better == Lower && own <= x):
		t.Verdict = VerdictMeets
	case ownWithin(ps, own, target):
		// Past the first crossing yet within the target: not monotone, no threshold.
		t.Verdict = VerdictReversed
		t.Threshold = Stat{Mean: math.NaN(), SD: math.NaN(), Lo: math.NaN(), Hi: math.NaN()}
	default:
		t.Verdict = VerdictNeeds
	}
	return t, nil
}

// ownWithin reports whether the device's own point of ps stays within the target.
func ownWithin(ps []SweepPoint, own, target float64) bool {
	i := slices.IndexFunc(ps, func(p SweepPoint) bool { return p.Value == own })
	return i > 0 && Describe(ps[i].Loss).Mean <= target
}

// reversedBeyondNoise reports whether a value better than own loses more than own, paired
// over the seeds with an interval excluding 0.
func reversedBeyondNoise(ps []SweepPoint, own float64, better Better) bool {
	r, ok := Reversal(ps, own, better)
	return ok && r.Mean > 0 && r.Excludes(0)
}

// Reversal returns the paired change of the loss from the device's own value to the value
// better than it that loses most (pp per seed; positive: that better value loses more),
// whose interval says whether a VerdictReversed is established. ok is false if own is not a
// point of pts or no point is better.
func Reversal(pts []SweepPoint, own float64, better Better) (st Stat, ok bool) {
	i := slices.IndexFunc(pts, func(p SweepPoint) bool { return p.Value == own })
	if i < 0 {
		return Stat{}, false
	}
	worst, found := SweepPoint{}, false
	for _, p := range pts {
		if (better == Higher && p.Value > own) || (better == Lower && p.Value < own) {
			if !found || Describe(p.Loss).Mean > Describe(worst.Loss).Mean {
				worst, found = p, true
			}
		}
	}
	if !found || len(worst.Loss) != len(pts[i].Loss) {
		return Stat{}, false
	}
	d := make([]float64, len(worst.Loss))
	for s := range d {
		d[s] = worst.Loss[s] - pts[i].Loss[s]
	}
	return Describe(d), true
}

// crossing returns where the losses (of ps, best value first) first rise above the target,
// walking from the best value: linear interpolation between the last value within the target
// and the first beyond it (in log value if log). ok is false when the best value is already
// beyond the target or no value is.
func crossing(ps []SweepPoint, loss []float64, target float64, log bool) (x float64, ok bool) {
	if loss[0] > target {
		return 0, false
	}
	for i := 1; i < len(ps); i++ {
		if loss[i] <= target {
			continue
		}
		a, b := ps[i-1].Value, ps[i].Value
		f := (target - loss[i-1]) / (loss[i] - loss[i-1])
		if log {
			return math.Exp(math.Log(a) + f*(math.Log(b)-math.Log(a))), true
		}
		return a + f*(b-a), true
	}
	return 0, false
}

// Tornado returns the paired change of the loss when a parameter moves from the device's own
// value to the ideal one (pp, per seed; positive: the ideal value loses less): one bar of a
// tornado plot.
func Tornado(own, ideal SweepPoint) (Stat, error) {
	if len(own.Loss) != len(ideal.Loss) || len(own.Loss) == 0 {
		return Stat{}, fmt.Errorf("experiment: tornado: %d and %d seeds", len(own.Loss), len(ideal.Loss))
	}
	d := make([]float64, len(own.Loss))
	for s := range d {
		d[s] = own.Loss[s] - ideal.Loss[s]
	}
	return Describe(d), nil
}

// TargetParam is a device parameter a design-target sweep varies: its device.LearningQuantities
// key, which way is better, whether it is swept on a log scale, and its ideal value.
type TargetParam struct {
	Name   string
	Better Better
	Log    bool
	Ideal  float64
	// step is the first worse value swept when the device sits at the ideal one.
	step float64
}

// TargetParams are the parameters `nanospike targets` sweeps, in report order.
var TargetParams = []TargetParam{
	{Name: "states", Better: Higher, Log: true, Ideal: 1024},
	{Name: "nl_ltp", Better: Lower, Ideal: 0, step: 1},
	{Name: "nl_ltd", Better: Higher, Ideal: 0, step: -1}, // NeuroSim's labels of depression are ≤ 0
	{Name: "on_off", Better: Higher, Log: true, Ideal: 1000},
	{Name: "c2c", Better: Lower, Ideal: 0, step: 0.01},
	{Name: "d2d", Better: Lower, Ideal: 0, step: 0.05},
	{Name: "read_noise", Better: Lower, Ideal: 0, step: 0.02},
	{Name: "stuck", Better: Lower, Ideal: 0, step: 0.01},
}

// TargetParamByName returns the TargetParam called name.
func TargetParamByName(name string) (TargetParam, error) {
	for _, p := range TargetParams {
		if p.Name == name {
			return p, nil
		}
	}
	var names []string
	for _, p := range TargetParams {
		names = append(names, p.Name)
	}
	return TargetParam{}, fmt.Errorf("unknown design-target parameter %q (want one of %v)", name, names)
}

// Grid returns the values a sweep of p visits for a device whose value is own, best first:
// from the ideal value (or the device's, if better) through the device's own value to worse
// than the device, own included. Log parameters step by factors of 2 (states) or 4 (on/off),
// down to a quarter (states) or a sixteenth (on/off) of own; linear ones take 0, own/4, own/2,
// own and 2·own, or 0, s, 2s, 4s for a device at the ideal 0.
func (p TargetParam) Grid(own float64) []float64 {
	var vs []float64
	if p.Log {
		f, lo := 2.0, own/4
		if p.Name == "on_off" {
			f, lo = 4, max(own/16, 1.5)
		}
		if p.Name == "states" {
			lo = max(math.Round(lo), 2)
		}
		ideal := max(p.Ideal, own)
		for v := ideal; v > own*(1+1e-9); v /= f {
			vs = append(vs, roundParam(p.Name, v))
		}
		vs = append(vs, own)
		for v := own / f; v >= lo*(1-1e-9); v /= f {
			vs = append(vs, roundParam(p.Name, v))
		}
		return Dedupe(vs)
	}
	if own == p.Ideal {
		return []float64{0, p.step, 2 * p.step, 4 * p.step}
	}
	worse := 2 * own
	if p.Name == "nl_ltp" || p.Name == "nl_ltd" {
		// NeuroSim's table of labels ends at |NL| = 9: a larger label is the same curve.
		worse = math.Copysign(min(math.Abs(worse), max(9, math.Abs(own))), own)
	}
	return Dedupe([]float64{0, own / 4, own / 2, own, worse})
}

func roundParam(name string, v float64) float64 {
	if name == "states" {
		return math.Round(v)
	}
	return v
}

// Dedupe drops repeated values, keeping the first of each.
func Dedupe(vs []float64) []float64 {
	var out []float64
	for _, v := range vs {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// TargetValue returns device p's value of the design-target parameter name: d2d the larger of
// its two device-to-device spreads, stuck the total stuck fraction.
func TargetValue(p *device.Params, name string) (float64, error) {
	switch name {
	case "states":
		return float64(p.States), nil
	case "nl_ltp":
		return p.NLLTP, nil
	case "nl_ltd":
		return p.NLLTD, nil
	case "on_off":
		return p.OnOff(), nil
	case "c2c":
		return p.C2C, nil
	case "d2d":
		return max(p.D2DNL, p.D2DG), nil
	case "read_noise":
		return p.ReadNoise, nil
	case "stuck":
		return p.StuckMin + p.StuckMax, nil
	}
	_, err := TargetParamByName(name)
	return 0, err
}

// SetTarget sets device p's parameter name to v: d2d sets both device-to-device spreads, stuck
// puts half the fraction at Gmin and half at Gmax, on_off keeps G_mid (SetLearningValue). The
// value becomes the sweep's, no longer an assumption: its range is dropped. It validates p.
func SetTarget(p *device.Params, name string, v float64) error {
	fields := map[string][]string{
		"states": {"states"}, "nl_ltp": {"nl_ltp"}, "nl_ltd": {"nl_ltd"}, "on_off": {"on_off"}, "c2c": {"c2c_sigma"},
		"d2d": {"d2d_nl_sigma", "d2d_g_sigma"}, "read_noise": {"read_noise"}, "stuck": {"stuck_min_frac", "stuck_max_frac"},
	}[name]
	if fields == nil {
		_, err := TargetParamByName(name)
		return err
	}
	switch {
	case name == "states" && (v != math.Trunc(v) || v < 2 || v > math.MaxInt32):
		return fmt.Errorf("states must be an integer ≥ 2, got %v", v)
	case name == "on_off" && !(v > 1):
		return fmt.Errorf("on_off must be > 1, got %v", v)
	case name == "stuck":
		v /= 2
	}
	p.Ranges = maps.Clone(p.Ranges)
	for _, f := range fields {
		if err := p.SetLearningValue(f, v); err != nil {
			return err
		}
		delete(p.Ranges, f)
	}
	return p.Validate()
}

// PairGrid is the sub-grid a 2-D sweep of a parameter visits, from its one-parameter grid
// (best first) and the device's value: the best value, the one halfway to the device's, the
// device's, and the worst (at most four).
func PairGrid(grid []float64, own float64) []float64 {
	i := slices.Index(grid, own)
	out := []float64{grid[0]}
	if i > 1 {
		out = append(out, grid[i/2])
	}
	return Dedupe(append(out, own, grid[len(grid)-1]))
}
