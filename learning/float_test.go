package learning

import (
	"math"
	"testing"
)

// TestFloatAddClips: Float.add's two compares clip as math.Min(math.Max(w+dw, 0), WMax).
func TestFloatAddClips(t *testing.T) {
	f := NewFloat(1, 1, 1)
	for _, w := range []float64{0, math.Copysign(0, -1), 0.5, 1, 2, -1, math.Inf(1), math.Inf(-1), 5e-324} {
		for _, dw := range []float64{0, math.Copysign(0, -1), 1e-17, -1e-17, 0.25, -0.75, 3, -3, math.Inf(1)} {
			if math.IsNaN(w + dw) {
				continue
			}
			f.W[0] = w
			f.add(0, dw)
			want := math.Min(math.Max(w+dw, 0), 1)
			if math.Float64bits(f.W[0]) != math.Float64bits(want) {
				t.Errorf("%v + %v: got %v, want %v", w, dw, f.W[0], want)
			}
		}
	}
}
