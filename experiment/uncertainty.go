package experiment

import (
	"fmt"
	"hash/fnv"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/nanospike/nanospike/device"
)

// Draws returns k parameter sets of p drawn from the plausible ranges of its assumed
// learning-relevant fields (Params.Ranges) by Latin hypercube sampling: each field's range is
// cut into k equal strata (of log value for states, on/off and time constants, whose ranges
// span factors), each stratum is used once, in an order and at a place within it drawn from a
// PCG seeded by seed and p's name, so a device's draws do not depend on the other devices of a
// comparison. Fields without a range keep their value; so do the rules that tie fields
// together: a drawn on/off keeps the mid-window conductance (and so the pulse energies), a
// facilitation cap set by device.CapRule follows C1 + C2, and a device with one short-term
// component at most (device.OneComponentRule) gets τ1 = 0.1 s when its drawn C1 is above 0.
// Each draw's drawn fields say so in their source. It returns nil for a device without ranges.
func Draws(p *device.Params, k int, seed uint64) ([]*device.Params, error) {
	if k < 1 {
		return nil, fmt.Errorf("experiment: draws: want at least 1 draw, got %d", k)
	}
	var fields []string
	for _, f := range slices.Sorted(maps.Keys(p.Ranges)) {
		if r := p.Ranges[f]; r[1] > r[0] {
			fields = append(fields, f)
		}
	}
	if len(fields) == 0 {
		return nil, nil
	}
	h := fnv.New64a()
	h.Write([]byte(p.Name))
	rng := rand.New(rand.NewPCG(seed, h.Sum64()))
	u := make([][]float64, len(fields)) // u[field][draw] in [0, 1)
	for i := range fields {
		perm := rng.Perm(k)
		u[i] = make([]float64, k)
		for j := range k {
			u[i][j] = (float64(perm[j]) + rng.Float64()) / float64(k)
		}
	}
	out := make([]*device.Params, k)
	for j := range k {
		q := *p
		q.Source = maps.Clone(p.Source)
		q.Ranges = maps.Clone(p.Ranges)
		for i, f := range fields {
			v := scale(f, p.Ranges[f], u[i][j])
			if err := q.SetLearningValue(f, v); err != nil {
				return nil, fmt.Errorf("experiment: draws: %w", err)
			}
			q.Source[f] = fmt.Sprintf("drawn: %d of %d (Latin hypercube, seed %d) from the assumed range %g–%g; nominal %s",
				j+1, k, seed, p.Ranges[f][0], p.Ranges[f][1], p.Source[f])
		}
		if q.PPFC1 > 0 && q.PPFTau1 == 0 && strings.HasPrefix(q.Source["ppf_tau1_s"], device.OneComponentRule) {
			q.PPFTau1 = 0.1
		}
		if strings.HasPrefix(q.Source["stp_max"], device.CapRule) {
			q.STPMax = 2 * (q.PPFC1 + q.PPFC2)
		}
		if q.VPot > 0 {
			q.EPot = q.PulseEnergy(q.VPot)
		}
		if q.VDep > 0 {
			q.EDep = q.PulseEnergy(q.VDep)
		}
		if err := q.Validate(); err != nil {
			return nil, fmt.Errorf("experiment: draw %d of %s: %w", j+1, p.Name, err)
		}
		out[j] = &q
	}
	return out, nil
}

// logFields are drawn uniformly in log value: their ranges span factors, not offsets.
var logFields = map[string]bool{"states": true, "on_off": true, "ppf_tau1_s": true, "ppf_tau2_s": true}

// scale maps u ∈ [0, 1) onto the range r of field f.
func scale(f string, r device.Range, u float64) float64 {
	if logFields[f] && r[0] > 0 {
		return math.Exp(math.Log(r[0]) + u*(math.Log(r[1])-math.Log(r[0])))
	}
	return r[0] + u*(r[1]-r[0])
}

// Spread is a group's runs over its parameter draws: how far the assumptions of a device move
// its accuracy and energy.
type Spread struct {
	Group string `json:"group"`
	Draws int    `json:"draws"`
	// Accuracy and energy per inference over the draws.
	AccuracyMin  float64 `json:"accuracy_min"`
	AccuracyMean float64 `json:"accuracy_mean"`
	AccuracyMax  float64 `json:"accuracy_max"`
	EnergyMin    float64 `json:"energy_per_inference_min_j"`
	EnergyMax    float64 `json:"energy_per_inference_max_j"`
	Collapsed    int     `json:"collapsed_draws"`
	// VsRefMin and VsRefMax bound the draws' accuracy minus the reference's on the same seed
	// (NaN without a reference); Verdict says whether the nominal verdict holds under every
	// draw.
	VsRefMin *float64 `json:"accuracy_vs_reference_min,omitempty"`
	VsRefMax *float64 `json:"accuracy_vs_reference_max,omitempty"`
	Verdict  string   `json:"verdict,omitempty"`
}

// Verdicts of a group's draws against the reference.
const (
	RobustBelow = "below the reference under every draw"
	RobustAbove = "above the reference under every draw"
	NotRobust   = "depends on the assumed values" // the nominal verdict is not shared by every draw
)

// Spreads summarises the draw runs (Run.Group is the device's group; one run per draw) of
// each group of order that has some, against the reference group's nominal runs ref (paired
// by seed; "" for none). A verdict holds under the draws when the nominal one (sums, from
// Summarize) is below or above the reference and every draw is on the same side.
func Spreads(draws, nominal []Run, sums []Summary, order []string, ref string) []Spread {
	nominalVerdict := map[string]string{}
	for _, s := range sums {
		nominalVerdict[s.Group] = s.Verdict
	}
	by := map[string][]Run{}
	for _, r := range draws {
		by[r.Group] = append(by[r.Group], r)
	}
	refAcc := map[uint64]float64{}
	for _, r := range nominal {
		if r.Group == ref {
			refAcc[r.Seed] = r.Accuracy
		}
	}
	var out []Spread
	for _, g := range order {
		rs := by[g]
		if len(rs) == 0 {
			continue
		}
		s := Spread{Group: g, Draws: len(rs), AccuracyMin: math.Inf(1), AccuracyMax: math.Inf(-1),
			EnergyMin: math.Inf(1), EnergyMax: math.Inf(-1)}
		dmin, dmax := math.Inf(1), math.Inf(-1)
		paired := 0
		for _, r := range rs {
			s.AccuracyMean += r.Accuracy / float64(len(rs))
			s.AccuracyMin, s.AccuracyMax = min(s.AccuracyMin, r.Accuracy), max(s.AccuracyMax, r.Accuracy)
			s.EnergyMin, s.EnergyMax = min(s.EnergyMin, r.Energy), max(s.EnergyMax, r.Energy)
			if r.Collapsed {
				s.Collapsed++
			}
			if a, ok := refAcc[r.Seed]; ok {
				d := r.Accuracy - a
				dmin, dmax = min(dmin, d), max(dmax, d)
				paired++
			}
		}
		if paired < len(rs) {
			out = append(out, s)
			continue
		}
		s.VsRefMin, s.VsRefMax = &dmin, &dmax
		switch v := nominalVerdict[g]; {
		case v == VerdictBelow && dmax < 0:
			s.Verdict = RobustBelow
		case v == VerdictAbove && dmin > 0:
			s.Verdict = RobustAbove
		case v == VerdictBelow || v == VerdictAbove:
			s.Verdict = NotRobust
		default:
			s.Verdict = "nominal: " + v
		}
		out = append(out, s)
	}
	return out
}

// Robust returns, for each statement of the nominal ranking that tells two groups apart
// ("A beats B"), whether it survives the presets' uncertainty: it does when A's worst draw
// (its nominal mean if it has no draws) is above B's best draw (likewise).
func Robust(sums []Summary, spreads []Spread, ranking []string) []string {
	lo, hi := map[string]float64{}, map[string]float64{}
	for _, s := range sums {
		lo[s.Group], hi[s.Group] = s.Accuracy.Mean, s.Accuracy.Mean
	}
	for _, s := range spreads {
		lo[s.Group], hi[s.Group] = s.AccuracyMin, s.AccuracyMax
	}
	var out []string
	for _, line := range ranking {
		a, rest, ok := strings.Cut(line, " beats ")
		if !ok {
			continue
		}
		b, _, _ := strings.Cut(rest, " (")
		if _, known := lo[a]; !known {
			continue
		}
		if lo[a] > hi[b] {
			out = append(out, fmt.Sprintf("%s beats %s under every draw (worst %.2f %% > best %.2f %%)", a, b, 100*lo[a], 100*hi[b]))
		} else {
			out = append(out, fmt.Sprintf("%s beats %s at the nominal values only (draws overlap: %s %.2f–%.2f %%, %s %.2f–%.2f %%)",
				a, b, a, 100*lo[a], 100*hi[a], b, 100*lo[b], 100*hi[b]))
		}
	}
	return out
}
