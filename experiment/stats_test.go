package experiment

import (
	"encoding/json"
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDescribe(t *testing.T) {
	s := Describe([]float64{1, 2, 3, 4})
	assert.Equal(t, 4, s.N)
	assert.InDelta(t, 2.5, s.Mean, 1e-12)
	assert.InDelta(t, math.Sqrt(5.0/3), s.SD, 1e-12)
	h := 3.182446 * math.Sqrt(5.0/3) / 2 // t(0.975, 3)·s/√4
	assert.InDelta(t, 2.5-h, s.Lo, 1e-9)
	assert.InDelta(t, 2.5+h, s.Hi, 1e-9)

	one := Describe([]float64{7})
	assert.Equal(t, 7.0, one.Mean)
	assert.True(t, math.IsNaN(one.SD) && math.IsNaN(one.Lo))
	assert.False(t, one.Excludes(0), "one value has no interval")
	assert.Panics(t, func() { Describe(nil) })
}

func TestTQuantile975(t *testing.T) {
	// Reference values (R: qt(0.975, df)).
	for df, want := range map[int]float64{1: 12.7062, 2: 4.3027, 10: 2.2281, 30: 2.0423, 31: 2.0395, 60: 2.0003, 120: 1.9799, 1000: 1.9623} {
		assert.InDelta(t, want, TQuantile975(df), 1e-4, "df %d", df)
	}
	assert.Panics(t, func() { TQuantile975(0) })
}

func TestPairedRemovesSharedSeedEffect(t *testing.T) {
	// b is a shifted by 1 % on every seed, with a seed effect of ±10 %:
	// unpaired intervals overlap, the paired one is exactly 1 %.
	a := map[uint64]float64{1: 0.50, 2: 0.60, 3: 0.70}
	b := map[uint64]float64{1: 0.49, 2: 0.59, 3: 0.69, 4: 0.1}
	d, keys := Paired(a, b)
	assert.Equal(t, []uint64{1, 2, 3}, keys)
	assert.InDelta(t, 0.01, d.Mean, 1e-12)
	assert.InDelta(t, 0, d.SD, 1e-12)
	sa, sb := Describe([]float64{0.5, 0.6, 0.7}), Describe([]float64{0.49, 0.59, 0.69})
	assert.True(t, sa.Lo < sb.Hi, "unpaired intervals overlap")
}

func TestSpearman(t *testing.T) {
	assert.InDelta(t, 1, Spearman([]float64{1, 2, 3, 4}, []float64{10, 20, 30, 40}), 1e-12)
	assert.InDelta(t, -1, Spearman([]float64{1, 2, 3, 4}, []float64{4, 3, 2, 1}), 1e-12)
	assert.InDelta(t, 0.8, Spearman([]float64{1, 2, 3, 4}, []float64{1, 3, 2, 4}), 1e-12)
	assert.True(t, math.IsNaN(Spearman([]float64{1, 1}, []float64{1, 2})))
}

func TestSummarizeVerdicts(t *testing.T) {
	var runs []Run
	add := func(g string, acc ...float64) {
		for i, a := range acc {
			runs = append(runs, Run{Group: g, Seed: uint64(i + 1), Accuracy: a})
		}
	}
	add("ideal", 0.60, 0.70, 0.65)
	add("worse", 0.50, 0.61, 0.55) // 9–10 pp below on every seed
	add("same", 0.62, 0.66, 0.66)  // ±4 pp around ideal
	add("better", 0.63, 0.72, 0.67)
	add("twin", 0.62, 0.66, 0.66) // the same as "same" on every seed
	runs = append(runs, Run{Group: "dead", Seed: 1, Accuracy: 0.1, Collapsed: true, Reason: "r"},
		Run{Group: "dead", Seed: 2, Accuracy: 0.1, Collapsed: true, Reason: "r2"})
	sums := Summarize(runs, []string{"better", "ideal", "missing", "same", "twin", "worse", "dead"}, "ideal")
	got := map[string]string{}
	for _, s := range sums {
		got[s.Group] = s.Verdict
	}
	assert.Equal(t, map[string]string{"better": VerdictAbove, "ideal": VerdictReference, "same": VerdictSame, "twin": VerdictSame, "worse": VerdictBelow,
		"dead": VerdictSame}, got, "two seeds 50 and 60 pp below: t(0.975, 1) = 12.7 leaves the interval across 0")
	assert.Len(t, sums, 6, "a group without runs is left out")
	assert.Equal(t, 2, sums[5].Collapsed)
	assert.Equal(t, "r", sums[5].Reason)
	assert.Nil(t, sums[1].VsRef)

	rank := Ranking(sums, runs)
	require.Len(t, rank, 5, "%q", rank)
	assert.Contains(t, rank[0], "better beats ideal")
	assert.Contains(t, rank[1], "ideal vs same: not distinguishable at this length")
	assert.Equal(t, "same = twin: identical on every seed", rank[2])
	assert.Contains(t, rank[3], "twin vs worse")
}

func TestSplitHalf(t *testing.T) {
	var runs []Run
	for s := uint64(1); s <= 4; s++ {
		for g, base := range map[string]float64{"a": 0.9, "b": 0.7, "c": 0.5} {
			runs = append(runs, Run{Group: g, Seed: s, Accuracy: base + 0.01*float64(s)})
		}
	}
	m, lo := SplitHalf(runs, []string{"a", "b", "c"})
	assert.InDelta(t, 1, m, 1e-12)
	assert.InDelta(t, 1, lo, 1e-12)
	m, _ = SplitHalf(runs[:3], []string{"a", "b", "c"})
	assert.True(t, math.IsNaN(m), "one seed")

	// Seed 4 swaps b and c by more than the others separate them: every
	// split's half that holds it ranks them the other way.
	for i := range runs {
		if runs[i].Seed == 4 && runs[i].Group != "a" {
			runs[i].Accuracy = map[string]float64{"b": 0.3, "c": 0.9}[runs[i].Group]
		}
	}
	m, lo = SplitHalf(runs, []string{"a", "b", "c"})
	assert.Less(t, m, 1.0)
	assert.LessOrEqual(t, lo, m)
	var n int
	combinations([]uint64{1, 2, 3, 4}, 2, func([]uint64) { n++ })
	assert.Equal(t, 6, n, "C(4, 2)")
}

func TestStatJSONKeepsNaN(t *testing.T) {
	for _, s := range []Stat{Describe([]float64{0.5}), Describe([]float64{0.5, 0.7, 0.6})} {
		b, err := json.Marshal(s)
		assert.NoError(t, err)
		var got Stat
		assert.NoError(t, json.Unmarshal(b, &got))
		assert.Equal(t, fmt.Sprint(s), fmt.Sprint(got), string(b))
	}
}
