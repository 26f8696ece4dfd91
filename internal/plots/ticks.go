package plots

import (
	"math"
	"strconv"

	"gonum.org/v1/plot"
)

// logTicks is the ticker of a log axis. It labels at least two ticks in any positive range,
// choosing the first of these that labels three or more:
//
//   - powers of ten (every k-th one when there are more than maxLogLabels), for ranges of
//     two decades or more;
//   - 1, 2 and 5 × 10^k, for about one decade;
//   - 1, 1.5, 2, 3, 4, 5, 6 and 8 × 10^k, for less;
//   - evenly spaced round values, as on a linear axis, for a range too narrow for any of these.
//
// Unlabelled minor ticks mark the other integers × 10^k. Labels are in the shortest %g form
// that reads back as the tick's value ("2e-09", "150", "1e+06").
type logTicks struct{}

// maxLogLabels is the most powers of ten labelled on one log axis.
const maxLogLabels = 8

var _ plot.Ticker = logTicks{}

// Ticks returns the ticks in [lo, hi], which must be positive (it returns none otherwise).
func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(lo > 0) || math.IsInf(hi, 0) || math.IsNaN(hi) {
		return nil
	}
	if !(hi > lo) {
		return []plot.Tick{{Value: lo, Label: tickLabel(lo)}}
	}
	if t := powerTicks(lo, hi); labelled(t) >= 3 {
		return t
	}
	for _, ms := range [][]float64{{1, 2, 5}, {1, 1.5, 2, 3, 4, 5, 6, 8}} {
		if t := mantissaTicks(lo, hi, ms); labelled(t) >= 3 {
			return t
		}
	}
	return linearTicks(lo, hi)
}

// powerTicks labels the powers of ten in [lo, hi], every k-th one (k a whole number, the
// labelled exponents multiples of k) so that at most maxLogLabels are labelled. Minor ticks
// mark 2..9 × 10^k when the range spans at most six decades, the unlabelled powers otherwise.
func powerTicks(lo, hi float64) []plot.Tick {
	e0, e1 := int(math.Ceil(math.Log10(lo)-1e-9)), int(math.Floor(math.Log10(hi)+1e-9))
	step := max(1, (e1-e0+maxLogLabels)/maxLogLabels)
	fine := math.Log10(hi/lo) <= 6
	var ticks []plot.Tick
	for e := e0 - 1; e <= e1; e++ {
		if v := nice(1, e); e >= e0 {
			t := plot.Tick{Value: v}
			if e%step == 0 {
				t.Label = tickLabel(v)
			}
			ticks = append(ticks, t)
		}
		if fine {
			for m := 2.0; m <= 9; m++ {
				if v := nice(m, e); within(v, lo, hi) {
					ticks = append(ticks, plot.Tick{Value: v})
				}
			}
		}
	}
	return ticks
}

// mantissaTicks labels m × 10^k in [lo, hi] for each m of ms (ascending, in [1, 10)); minor
// ticks mark the other integers × 10^k.
func mantissaTicks(lo, hi float64, ms []float64) []plot.Tick {
	var ticks []plot.Tick
	for e := int(math.Floor(math.Log10(lo))); e <= int(math.Floor(math.Log10(hi))); e++ {
		for _, m := range mantissas(ms) {
			v := nice(m, e)
			if !within(v, lo, hi) {
				continue
			}
			t := plot.Tick{Value: v}
			for _, l := range ms {
				if l == m {
					t.Label = tickLabel(v)
				}
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}

// mantissas returns 1..9 and ms, ascending, without repeats.
func mantissas(ms []float64) []float64 {
	out := make([]float64, 0, 9+len(ms))
	i := 0
	for m := 1.0; m <= 9; m++ {
		for i < len(ms) && ms[i] < m {
			out = append(out, ms[i])
			i++
		}
		if i < len(ms) && ms[i] == m {
			i++
		}
		out = append(out, m)
	}
	return out
}

// linearTicks returns gonum's linear ticks for [lo, hi], or lo and hi themselves labelled
// when those do not give two distinct labels.
func linearTicks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	seen := map[string]bool{}
	distinct := true
	for _, t := range (plot.DefaultTicks{}).Ticks(lo, hi) {
		if !within(t.Value, lo, hi) {
			continue
		}
		if t.Label != "" {
			distinct = distinct && !seen[t.Label]
			seen[t.Label] = true
		}
		ticks = append(ticks, t)
	}
	if distinct && labelled(ticks) >= 2 {
		return ticks
	}
	for prec := 2; ; prec++ {
		a, b := strconv.FormatFloat(lo, 'g', prec, 64), strconv.FormatFloat(hi, 'g', prec, 64)
		if a != b || prec >= 17 {
			return []plot.Tick{{Value: lo, Label: a}, {Value: hi, Label: b}}
		}
	}
}

// nice returns m × 10^e as the float64 nearest the decimal number (3e-09, not
// 3.0000000000000004e-09).
func nice(m float64, e int) float64 {
	v, err := strconv.ParseFloat(strconv.FormatFloat(m, 'g', -1, 64)+"e"+strconv.Itoa(e), 64)
	if err != nil {
		return m * math.Pow10(e)
	}
	return v
}

// within reports whether v lies in [lo, hi], give or take rounding.
func within(v, lo, hi float64) bool {
	return v >= lo*(1-1e-9) && v <= hi*(1+1e-9)
}

// tickLabel is the label of a tick at v: the shortest %g form.
func tickLabel(v float64) string {
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// labelled returns how many of ticks have a label.
func labelled(ticks []plot.Tick) int {
	n := 0
	for _, t := range ticks {
		if t.Label != "" {
			n++
		}
	}
	return n
}
