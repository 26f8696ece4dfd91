package experiment

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Seeds returns the k master seeds of a comparison starting at first:
// first, first+1, …
func Seeds(first uint64, k int) []uint64 {
	s := make([]uint64, k)
	for i := range s {
		s[i] = first + uint64(i)
	}
	return s
}

// Run is one finished run of a comparison: its group (a device, or a value
// of a swept parameter), its seed and what it measured.
type Run struct {
	Group     string
	Seed      uint64
	Accuracy  float64 // fraction
	Energy    float64 // per inference, J
	Collapsed bool
	Reason    string // why it collapsed
}

// Verdicts of a group against the reference (the ideal device).
const (
	VerdictReference = "reference"
	VerdictBelow     = "below"
	VerdictAbove     = "above"
	VerdictSame      = "not distinguishable at this length"
	VerdictUnknown   = "one seed: no interval"
)

// Summary is a group's runs over the seeds.
type Summary struct {
	Group    string   `json:"group"`
	Seeds    []uint64 `json:"seeds"`
	Accuracy Stat     `json:"accuracy"`
	Energy   Stat     `json:"energy_per_inference_j"`
	// Collapsed runs of the group, and the reason of the first.
	Collapsed int    `json:"collapsed_runs"`
	Reason    string `json:"collapse_reason,omitempty"`
	// VsRef is the paired difference (this − reference) over the seeds both
	// ran; nil for the reference itself or without one.
	VsRef   *Stat  `json:"accuracy_vs_reference,omitempty"`
	Verdict string `json:"verdict,omitempty"`
}

// Summarize groups runs by Group, in the order of order (groups without a
// run are left out), and compares each with the group ref ("" for none)
// paired by seed.
func Summarize(runs []Run, order []string, ref string) []Summary {
	by := map[string][]Run{}
	for _, r := range runs {
		by[r.Group] = append(by[r.Group], r)
	}
	acc := func(g string) map[uint64]float64 {
		m := map[uint64]float64{}
		for _, r := range by[g] {
			m[r.Seed] = r.Accuracy
		}
		return m
	}
	var refAcc map[uint64]float64
	if len(by[ref]) > 0 {
		refAcc = acc(ref)
	}
	var out []Summary
	for _, g := range order {
		rs := by[g]
		if len(rs) == 0 {
			continue
		}
		slices.SortFunc(rs, func(a, b Run) int { return cmpU(a.Seed, b.Seed) })
		s := Summary{Group: g}
		var a, e []float64
		for _, r := range rs {
			s.Seeds = append(s.Seeds, r.Seed)
			a = append(a, r.Accuracy)
			e = append(e, r.Energy)
			if r.Collapsed {
				if s.Collapsed == 0 {
					s.Reason = r.Reason
				}
				s.Collapsed++
			}
		}
		s.Accuracy, s.Energy = Describe(a), Describe(e)
		switch {
		case refAcc == nil:
		case g == ref:
			s.Verdict = VerdictReference
		default:
			d, _ := Paired(acc(g), refAcc)
			s.VsRef = &d
			s.Verdict = verdict(d)
		}
		out = append(out, s)
	}
	return out
}

func verdict(d Stat) string {
	switch {
	case d.N < 2:
		return VerdictUnknown
	case d.Lo > 0:
		return VerdictAbove
	case d.Hi < 0:
		return VerdictBelow
	}
	return VerdictSame
}

func cmpU(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Ranking orders the summaries by mean accuracy (best first, ties in the
// summaries' order) and says, for each pair of neighbours, whether the
// paired difference over their common seeds tells them apart; neighbours
// identical on every seed are named on one line and ranked as one.
func Ranking(sums []Summary, runs []Run) []string {
	s := slices.Clone(sums)
	slices.SortStableFunc(s, func(a, b Summary) int {
		switch {
		case a.Accuracy.Mean > b.Accuracy.Mean:
			return -1
		case a.Accuracy.Mean < b.Accuracy.Mean:
			return 1
		}
		return 0
	})
	acc := map[string]map[uint64]float64{}
	for _, r := range runs {
		if acc[r.Group] == nil {
			acc[r.Group] = map[uint64]float64{}
		}
		acc[r.Group][r.Seed] = r.Accuracy
	}
	var out []string
	// Neighbours identical on every seed (presets with the same
	// learning-relevant parameters train alike) form one line and one rank.
	for i := 0; i < len(s); {
		j := i
		for j+1 < len(s) && identical(acc[s[i].Group], acc[s[j+1].Group]) {
			j++
		}
		if j > i {
			var names []string
			for _, x := range s[i : j+1] {
				names = append(names, x.Group)
			}
			out = append(out, fmt.Sprintf("%s: identical on every seed", strings.Join(names, " = ")))
		}
		if j+1 < len(s) {
			out = append(out, neighbours(s[j], s[j+1], acc))
		}
		i = j + 1
	}
	return out
}

// identical reports whether two groups have the same accuracy on the same
// seeds.
func identical(a, b map[uint64]float64) bool {
	if len(a) != len(b) || len(a) == 0 {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// neighbours states what the paired difference says of a and b.
func neighbours(a, b Summary, acc map[string]map[uint64]float64) string {
	d, _ := Paired(acc[a.Group], acc[b.Group])
	iv := fmt.Sprintf("paired Δ %+.2f pp, 95 %% CI [%+.2f, %+.2f]", 100*d.Mean, 100*d.Lo, 100*d.Hi)
	switch verdict(d) {
	case VerdictAbove:
		return fmt.Sprintf("%s beats %s (%s)", a.Group, b.Group, iv)
	case VerdictBelow: // cannot happen with every seed common (a's mean is not below b's); kept for completeness
		return fmt.Sprintf("%s beats %s (%s)", b.Group, a.Group, iv)
	case VerdictUnknown:
		return fmt.Sprintf("%s vs %s: one common seed, no interval", a.Group, b.Group)
	}
	if math.IsNaN(d.Mean) {
		return fmt.Sprintf("%s vs %s: no common seed", a.Group, b.Group)
	}
	return fmt.Sprintf("%s vs %s: not distinguishable at this length (%s)", a.Group, b.Group, iv)
}

// SplitHalf is the mean of Spearman's rank correlation between the
// groups' mean accuracies over one half of the seeds and over the other,
// over every way of splitting the seeds into a half of ⌊K/2⌋ and the rest
// (the first ⌊K/2⌋ seeds against the rest when K > maxSplitSeeds); min is
// the lowest of them. Both are NaN with fewer than two seeds or groups. A
// ranking that another set of seeds reproduces has a correlation near 1.
func SplitHalf(runs []Run, order []string) (mean, min float64) {
	seedSet := map[uint64]bool{}
	acc := map[string]map[uint64]float64{}
	for _, r := range runs {
		seedSet[r.Seed] = true
		if acc[r.Group] == nil {
			acc[r.Group] = map[uint64]float64{}
		}
		acc[r.Group][r.Seed] = r.Accuracy
	}
	var seeds []uint64
	for k := range seedSet {
		seeds = append(seeds, k)
	}
	slices.Sort(seeds)
	mean, min = math.NaN(), math.NaN()
	if len(seeds) < 2 || len(order) < 2 {
		return mean, min
	}
	half := len(seeds) / 2
	var splits [][]uint64
	if len(seeds) > maxSplitSeeds {
		splits = [][]uint64{seeds[:half]}
	} else {
		combinations(seeds, half, func(c []uint64) { splits = append(splits, slices.Clone(c)) })
	}
	var sum float64
	n := 0
	for _, first := range splits {
		in := map[uint64]bool{}
		for _, k := range first {
			in[k] = true
		}
		var x, y []float64
		for _, g := range order {
			var a, b []float64
			for _, k := range seeds {
				v, ok := acc[g][k]
				switch {
				case !ok:
				case in[k]:
					a = append(a, v)
				default:
					b = append(b, v)
				}
			}
			if len(a) == 0 || len(b) == 0 {
				continue
			}
			x = append(x, Describe(a).Mean)
			y = append(y, Describe(b).Mean)
		}
		if len(x) < 2 {
			continue
		}
		r := Spearman(x, y)
		if math.IsNaN(r) {
			continue
		}
		sum += r
		n++
		if math.IsNaN(min) || r < min {
			min = r
		}
	}
	if n > 0 {
		mean = sum / float64(n)
	}
	return mean, min
}

// maxSplitSeeds bounds the seeds whose every split SplitHalf tries
// (C(16, 8) = 12,870 splits).
const maxSplitSeeds = 16

// combinations calls f with every k-subset of s, in lexicographic order of
// positions (f must not keep its argument).
func combinations(s []uint64, k int, f func([]uint64)) {
	c := make([]uint64, 0, k)
	var rec func(start int)
	rec = func(start int) {
		if len(c) == k {
			f(c)
			return
		}
		for i := start; i <= len(s)-(k-len(c)); i++ {
			c = append(c, s[i])
			rec(i + 1)
			c = c[:len(c)-1]
		}
	}
	rec(0)
}
