package experiment

import (
	"encoding/json"
	"math"
	"slices"
	"sort"
)

// Stat summarises K values: their mean, sample standard deviation and the
// 95 % confidence interval of the mean [Lo, Hi]. With K = 1 the standard
// deviation and the interval are NaN (one value says nothing of its spread).
type Stat struct {
	N    int     `json:"n"`
	Mean float64 `json:"mean"`
	SD   float64 `json:"sd"`
	Lo   float64 `json:"ci95_lo"`
	Hi   float64 `json:"ci95_hi"`
}

// Describe returns the Stat of xs. It panics if xs is empty.
func Describe(xs []float64) Stat {
	n := len(xs)
	if n == 0 {
		panic("experiment: Describe of no values")
	}
	// Summed in order: the same values give the same bits.
	var s float64
	for _, x := range xs {
		s += x
	}
	m := s / float64(n)
	st := Stat{N: n, Mean: m, SD: math.NaN(), Lo: math.NaN(), Hi: math.NaN()}
	if n < 2 {
		return st
	}
	var ss float64
	for _, x := range xs {
		ss += (x - m) * (x - m)
	}
	st.SD = math.Sqrt(ss / float64(n-1))
	h := TQuantile975(n-1) * st.SD / math.Sqrt(float64(n))
	st.Lo, st.Hi = m-h, m+h
	return st
}

// Excludes reports whether the interval of s lies wholly above or below v
// (false when the interval is unknown).
func (s Stat) Excludes(v float64) bool {
	return s.N >= 2 && (s.Lo > v || s.Hi < v)
}

// Paired returns the Stat of the differences a[k] − b[k] over the keys
// (seeds) present in both maps, in ascending key order, and the keys used.
func Paired(a, b map[uint64]float64) (Stat, []uint64) {
	var keys []uint64
	for k := range a {
		if _, ok := b[k]; ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	if len(keys) == 0 {
		return Stat{Mean: math.NaN(), SD: math.NaN(), Lo: math.NaN(), Hi: math.NaN()}, nil
	}
	d := make([]float64, len(keys))
	for i, k := range keys {
		d[i] = a[k] - b[k]
	}
	return Describe(d), keys
}

// tTable holds t(0.975, ν) for ν = 1…30 (Student's t, two-sided 95 %).
var tTable = [...]float64{
	12.706205, 4.302653, 3.182446, 2.776445, 2.570582, 2.446912, 2.364624, 2.306004, 2.262157, 2.228139,
	2.200985, 2.178813, 2.160369, 2.144787, 2.131450, 2.119905, 2.109816, 2.100922, 2.093024, 2.085963,
	2.079614, 2.073873, 2.068658, 2.063899, 2.059539, 2.055529, 2.051831, 2.048407, 2.045230, 2.042272,
}

// TQuantile975 returns the 97.5 % quantile of Student's t distribution
// with df degrees of freedom: exact to 6 digits up to 30, then the
// Cornish–Fisher expansion around the normal quantile (error < 1e-5). It
// panics if df < 1.
func TQuantile975(df int) float64 {
	if df < 1 {
		panic("experiment: t quantile with fewer than 1 degree of freedom")
	}
	if df <= len(tTable) {
		return tTable[df-1]
	}
	const z = 1.959963984540054
	v := float64(df)
	z3, z5, z7 := z*z*z, math.Pow(z, 5), math.Pow(z, 7)
	return z + (z3+z)/(4*v) + (5*z5+16*z3+3*z)/(96*v*v) + (3*z7+19*z5+17*z3-15*z)/(384*v*v*v)
}

// Spearman returns the rank correlation of x and y (average ranks for
// ties), NaN if either is constant. It panics if their lengths differ.
func Spearman(x, y []float64) float64 {
	if len(x) != len(y) {
		panic("experiment: Spearman of slices of different lengths")
	}
	rx, ry := ranks(x), ranks(y)
	return pearson(rx, ry)
}

func ranks(x []float64) []float64 {
	idx := make([]int, len(x))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return x[idx[a]] < x[idx[b]] })
	r := make([]float64, len(x))
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && x[idx[j+1]] == x[idx[i]] {
			j++
		}
		avg := float64(i+j)/2 + 1
		for k := i; k <= j; k++ {
			r[idx[k]] = avg
		}
		i = j + 1
	}
	return r
}

func pearson(x, y []float64) float64 {
	n := float64(len(x))
	var mx, my float64
	for i := range x {
		mx += x[i] / n
		my += y[i] / n
	}
	var sxy, sxx, syy float64
	for i := range x {
		sxy += (x[i] - mx) * (y[i] - my)
		sxx += (x[i] - mx) * (x[i] - mx)
		syy += (y[i] - my) * (y[i] - my)
	}
	if sxx == 0 || syy == 0 {
		return math.NaN()
	}
	return sxy / math.Sqrt(sxx*syy)
}

// statJSON is Stat with NaN as null (JSON has no NaN).
type statJSON struct {
	N    int      `json:"n"`
	Mean *float64 `json:"mean"`
	SD   *float64 `json:"sd"`
	Lo   *float64 `json:"ci95_lo"`
	Hi   *float64 `json:"ci95_hi"`
}

func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

func orNaN(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

// MarshalJSON writes s with null for the values that are NaN.
func (s Stat) MarshalJSON() ([]byte, error) {
	return json.Marshal(statJSON{N: s.N, Mean: finite(s.Mean), SD: finite(s.SD), Lo: finite(s.Lo), Hi: finite(s.Hi)})
}

// UnmarshalJSON reads what MarshalJSON writes (null as NaN).
func (s *Stat) UnmarshalJSON(b []byte) error {
	var j statJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*s = Stat{N: j.N, Mean: orNaN(j.Mean), SD: orNaN(j.SD), Lo: orNaN(j.Lo), Hi: orNaN(j.Hi)}
	return nil
}
