package plots

import (
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"fmt"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/recorder"
)

// checkImage asserts that path is a decodable PNG or well-formed SVG and returns its width
// (PNG only).
func checkImage(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NotEmpty(t, b)
	switch filepath.Ext(path) {
	case ".png":
		img, err := png.Decode(bytes.NewReader(b))
		require.NoError(t, err, "%s is not a PNG", path)
		return img.Bounds().Dx()
	case ".svg":
		dec := xml.NewDecoder(bytes.NewReader(b))
		sawSVG := false
		for {
			tok, err := dec.Token()
			if err == io.EOF {
				break
			}
			require.NoError(t, err, "%s is not well-formed XML", path)
			if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "svg" {
				sawSVG = true
			}
		}
		assert.True(t, sawSVG, "%s has no <svg> element", path)
	default:
		t.Fatalf("unexpected extension %s", path)
	}
	return 0
}

func TestLines(t *testing.T) {
	dir := t.TempDir()
	x := []float64{0, 1, 2, 3, 4}
	s := []Series{
		{Name: "measured", X: x, Y: []float64{1, 2, 4, 8, 16}, Style: PointStyle},
		{Name: "model", X: x, Y: []float64{1, 2.1, 3.9, 8.2, 15.8}},
		{Name: "both", X: x, Y: []float64{2, 3, 5, 9, 17}, Style: LinePoints},
	}
	for _, tc := range []struct {
		name string
		fig  Figure
	}{
		{"lin.png", Figure{Title: "t", XLabel: "x", YLabel: "y"}},
		{"lin.svg", Figure{Title: "t", XLabel: "x", YLabel: "y"}},
		// x = 0 cannot be drawn on a log axis: it is left out.
		{"loglog.png", Figure{Title: "log", LogX: true, LogY: true}},
		{"logy.svg", Figure{LogY: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name)
			require.NoError(t, tc.fig.Lines(path, s...))
			checkImage(t, path)
		})
	}
	require.NoError(t, Lines(filepath.Join(dir, "plain.png"), "t", "x", "y", s[0]))
	checkImage(t, filepath.Join(dir, "plain.png"))
}

func TestLinesDegenerate(t *testing.T) {
	dir := t.TempDir()
	// A constant series (an empty axis range) on linear and log axes.
	flat := Series{X: []float64{1, 2, 3}, Y: []float64{5, 5, 5}}
	require.NoError(t, Lines(filepath.Join(dir, "flat.png"), "", "", "", flat))
	require.NoError(t, Figure{LogY: true}.Lines(filepath.Join(dir, "flatlog.png"), flat))
	zero := Series{X: []float64{1, 2, 3}, Y: []float64{0, 0, 0}}
	require.NoError(t, Lines(filepath.Join(dir, "zero.svg"), "", "", "", zero))
	// NaN points are left out.
	require.NoError(t, Lines(filepath.Join(dir, "nan.png"), "", "", "", Series{X: []float64{1, 2, 3}, Y: []float64{1, math.NaN(), 3}}))

	err := Figure{LogY: true}.Lines(filepath.Join(dir, "none.png"), zero)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "none.png")
	err = Lines(filepath.Join(dir, "x.gif"), "", "", "", flat)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "x.gif")
	err = Lines(filepath.Join(dir, "missing", "x.png"), "", "", "", flat)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "x.png")
	assert.Panics(t, func() { _ = Lines(filepath.Join(dir, "p.png"), "", "", "", Series{X: []float64{1}, Y: nil}) })
}

func TestScatterAndBars(t *testing.T) {
	dir := t.TempDir()
	pts := []Point{{X: 1e-9, Y: 91.2, Label: "ideal", Lo: 90, Hi: 92}, {X: 3e-8, Y: 85, Label: "si-nc"},
		{X: 2e-7, Y: 9.5, Label: "ag-a-si (collapsed)", Flagged: true}, {X: 0, Y: 10, Label: "dropped on log x"}}
	for _, name := range []string{"acc.png", "acc.svg"} {
		path := filepath.Join(dir, name)
		require.NoError(t, Figure{Title: "accuracy vs energy", XLabel: "J", YLabel: "%", LogX: true}.Scatter(path, pts...))
		checkImage(t, path)
	}
	require.NoError(t, Scatter(filepath.Join(dir, "lin.png"), "", "", "", pts...))
	require.Error(t, Figure{LogX: true}.Scatter(filepath.Join(dir, "none.png"), pts[3]))

	var bars []Bar
	for i, n := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		bars = append(bars, Bar{Label: n, Value: float64(10 * i), Lo: float64(10*i) - 2, Hi: float64(10*i) + 3, Flagged: i == 2})
	}
	bars = append(bars, Bar{Label: "nan", Value: math.NaN()})
	for _, name := range []string{"bars.png", "bars.svg"} {
		path := filepath.Join(dir, name)
		require.NoError(t, Bars(path, "accuracy per device", "%", bars...))
		checkImage(t, path)
	}
	require.NoError(t, Bars(filepath.Join(dir, "few.png"), "", "", bars[:3]...))
	require.Error(t, Bars(filepath.Join(dir, "empty.png"), "", ""))
}

func TestGrid(t *testing.T) {
	dir := t.TempDir()
	const n, h, w = 5, 28, 28
	wts := make([]float64, n*h*w)
	for k := range n {
		for i := range h * w {
			wts[k*h*w+i] = float64(k) / n * float64(i%w) / w
		}
	}
	path := filepath.Join(dir, "rf.png")
	require.NoError(t, Grid(path, wts, 2, 3, h, w)) // 5 tiles of weights, 1 blank
	width := checkImage(t, path)
	img := GridImage(wts, 2, 3, h, w)
	assert.Equal(t, width, img.Bounds().Dx())
	// The largest weight is black, the smallest white, the blank tile white.
	s := (img.Bounds().Dx() - 1) / 3
	px := func(tile, y, x int) uint8 {
		r, c := tile/3, tile%3
		return img.GrayAt(1+c*s+x, 1+r*(img.Bounds().Dy()-1)/2+y).Y
	}
	assert.Equal(t, uint8(255), px(0, 0, 0), "tile 0 is all zeros: white")
	assert.Less(t, px(4, 0, s-3), uint8(40), "the largest weights are dark")
	assert.Equal(t, uint8(255), px(5, 5, 5), "blank tile")
	assert.Equal(t, uint8(220), img.GrayAt(0, 0).Y, "separator")

	for _, tc := range []struct {
		name string
		path string
		wts  []float64
		r, c int
	}{
		{"not png", filepath.Join(dir, "rf.svg"), wts, 2, 3},
		{"not whole tiles", filepath.Join(dir, "a.png"), wts[:100], 2, 3},
		{"too many", filepath.Join(dir, "b.png"), wts, 2, 2},
		{"zero size", filepath.Join(dir, "c.png"), wts, 0, 3},
	} {
		err := Grid(tc.path, tc.wts, tc.r, tc.c, h, w)
		require.Error(t, err, tc.name)
		assert.Contains(t, err.Error(), filepath.Base(tc.path), tc.name)
	}
}

func TestCSV(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, WriteCSV(&b, []string{"x", "y"}, []float64{0, 0.1, 1e-9}, []float64{1, math.NaN(), 3}))
	assert.Equal(t, "x,y\n0,1\n0.1,NaN\n1e-09,3\n", b.String())
	assert.Panics(t, func() { _ = WriteCSV(&b, []string{"x"}, []float64{1}, []float64{2}) })
	assert.Panics(t, func() { _ = WriteCSV(&b, []string{"x", "y"}, []float64{1}, []float64{2, 3}) })

	dir := t.TempDir()
	path := filepath.Join(dir, "c.csv")
	require.NoError(t, SaveCSV(path, []string{"pulse", "G (S)"}, []float64{1, 2}, []float64{3e-9, 4e-9}))
	recs, err := csv.NewReader(strings.NewReader(mustRead(t, path))).ReadAll()
	require.NoError(t, err)
	assert.Equal(t, [][]string{{"pulse", "G (S)"}, {"1", "3e-09"}, {"2", "4e-09"}}, recs)

	tpath := filepath.Join(dir, "t.csv")
	require.NoError(t, SaveTable(tpath, [][]string{{"figure", "review"}, {"PPF, index", "196"}}))
	assert.Equal(t, "figure,review\n\"PPF, index\",196\n", mustRead(t, tpath))
	require.Error(t, SaveCSV(filepath.Join(dir, "no", "c.csv"), []string{"x"}, []float64{1}))
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

func TestStacked(t *testing.T) {
	dir := t.TempDir()
	parts := []string{"device", "periphery", "neurons"}
	var stacks []Stack
	for i, n := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		stacks = append(stacks, Stack{Label: n, Values: []float64{float64(i), 10, 20 - float64(i)}})
	}
	stacks = append(stacks, Stack{Label: "odd", Values: []float64{math.NaN(), -1, 5}})
	for _, name := range []string{"st.png", "st.svg"} {
		path := filepath.Join(dir, name)
		require.NoError(t, Figure{Title: "energy per inference", YLabel: "µJ"}.Stacked(path, parts, stacks...))
		checkImage(t, path)
	}
	assert.Error(t, Figure{}.Stacked(filepath.Join(dir, "bad.png"), parts, Stack{Label: "x", Values: []float64{1}}))
	assert.Error(t, Figure{}.Stacked(filepath.Join(dir, "none.png"), parts))
	assert.Error(t, Figure{}.Stacked(filepath.Join(dir, "x.gif"), parts, stacks[0]))
}

func TestHeatMap(t *testing.T) {
	dir := t.TempDir()
	vals := [][]float64{{0.1, 0.5, 3}, {0.2, 1.5, math.NaN()}}
	for _, name := range []string{"h.png", "h.svg"} {
		path := filepath.Join(dir, name)
		require.NoError(t, Figure{Title: "loss (pp)", XLabel: "states", YLabel: "NL"}.HeatMap(path, []string{"16", "64", "256"}, []string{"0", "2"}, vals, "%.1f"))
		checkImage(t, path)
	}
	assert.Error(t, Figure{}.HeatMap(filepath.Join(dir, "x.png"), []string{"a"}, []string{"b"}, [][]float64{{1, 2}}, "%g"))
	assert.Error(t, Figure{}.HeatMap(filepath.Join(dir, "y.png"), []string{"a"}, []string{"b"}, [][]float64{{math.NaN()}}, "%g"))
	require.NoError(t, Figure{}.HeatMap(filepath.Join(dir, "one.png"), []string{"a"}, []string{"b"}, [][]float64{{2}}, "%g"))
}

func TestLogTicks(t *testing.T) {
	for _, tc := range []struct {
		lo, hi float64
		want   []string // the labels, when given
	}{
		{3, 8, []string{"3", "4", "5", "6", "8"}},
		{2e-9, 9e-9, []string{"2e-09", "3e-09", "4e-09", "5e-09", "6e-09", "8e-09"}},
		{1, 10, []string{"1", "2", "5", "10"}},
		{1e-12, 1e-6, []string{"1e-12", "1e-11", "1e-10", "1e-09", "1e-08", "1e-07", "1e-06"}},
		{1.5, 250, []string{"2", "5", "10", "20", "50", "100", "200"}},
		{1e-15, 1, nil},
		{3.1, 3.4, nil},
		{1, 1 + 1e-12, nil},
		{0.7, 0.71, nil},
	} {
		t.Run(fmt.Sprint(tc.lo, "..", tc.hi), func(t *testing.T) {
			var labels []string
			for _, tk := range (logTicks{}).Ticks(tc.lo, tc.hi) {
				assert.True(t, within(tk.Value, tc.lo, tc.hi), "tick %g outside the range", tk.Value)
				if tk.Label != "" {
					labels = append(labels, tk.Label)
				}
			}
			require.GreaterOrEqual(t, len(labels), 2, "labels %q", labels)
			assert.LessOrEqual(t, len(labels), 10, "labels %q", labels)
			seen := map[string]bool{}
			for _, l := range labels {
				assert.False(t, seen[l], "label %q twice in %q", l, labels)
				seen[l] = true
			}
			if tc.want != nil {
				assert.Equal(t, tc.want, labels)
			}
		})
	}
	assert.Empty(t, (logTicks{}).Ticks(0, 1))
}

func TestOneDecadeLogAxis(t *testing.T) {
	dir := t.TempDir()
	x := []float64{2e-9, 3e-9, 5e-9, 9e-9}
	f := Figure{Title: "one decade", XLabel: "J", YLabel: "%", LogX: true, LogY: true}
	for _, name := range []string{"l.png", "l.svg"} {
		path := filepath.Join(dir, name)
		require.NoError(t, f.Lines(path, Series{Name: "a", X: x, Y: []float64{3, 4, 6, 8}, Style: LinePoints}))
		checkImage(t, path)
	}
	assert.Contains(t, mustRead(t, filepath.Join(dir, "l.svg")), ">5e-09<")
	assert.Contains(t, mustRead(t, filepath.Join(dir, "l.svg")), ">4<")
	f.LogY = false
	pts := []Point{{X: 2e-9, Y: 90, Label: "a"}, {X: 4e-9, Y: 91, Label: "b"}, {X: 8.5e-9, Y: 92, Label: "c"}}
	for _, name := range []string{"s.png", "s.svg"} {
		path := filepath.Join(dir, name)
		require.NoError(t, f.Scatter(path, pts...))
		checkImage(t, path)
	}
	assert.Contains(t, mustRead(t, filepath.Join(dir, "s.svg")), ">3e-09<")
}

// crowd returns n labelled points on a line, close enough that not all labels fit, and
// three more at one spot.
func crowd(n int) []Point {
	var pts []Point
	for i := range n {
		pts = append(pts, Point{X: math.Pow(10, -9+3*float64(i)/float64(n)), Y: 90 + float64(i%3), Label: fmt.Sprintf("device-%02d", i)})
	}
	for _, l := range []string{"same-a", "same-b", "same-c"} {
		pts = append(pts, Point{X: 5e-7, Y: 50, Label: l})
	}
	return pts
}

func TestScatterLabels(t *testing.T) {
	f := Figure{Title: "crowded", LogX: true}
	pts := crowd(40)
	p := f.newPlot()
	var xys plotter.XYs
	for _, pt := range pts {
		xys = append(xys, plotter.XY{X: pt.X, Y: pt.Y})
	}
	sc, err := plotter.NewScatter(xys)
	require.NoError(t, err)
	p.Add(sc)
	f.fix(p)
	w, h := f.size(), f.height()
	labels, notes := placeLabels(p, w, h, pts, vg.Points(4))

	// Every label but the forced numbers stays clear of the others and of the markers.
	dc := p.DataCanvas(draw.NewCanvas(new(recorder.Canvas), w, h))
	trX, trY := p.Transforms(&dc)
	var boxes []vg.Rectangle
	texts := map[string]bool{}
	for _, m := range labels.marks {
		texts[m.txt] = true
		box := textBox(m.at.style(), vg.Point{X: trX(m.x), Y: trY(m.y)}.Add(m.at.off), m.txt)
		if _, err := strconv.Atoi(m.txt); err == nil {
			continue
		}
		assert.True(t, inside(box, dc.Rectangle), "label %q leaves the data area", m.txt)
		for _, b := range boxes {
			assert.False(t, overlaps(box, b), "label %q overlaps another", m.txt)
		}
		for _, pt := range pts {
			x, y := trX(pt.X), trY(pt.Y)
			assert.False(t, overlaps(box, vg.Rectangle{Min: vg.Point{X: x - 3, Y: y - 3}, Max: vg.Point{X: x + 3, Y: y + 3}}),
				"label %q covers the marker at (%g, %g)", m.txt, pt.X, pt.Y)
		}
		boxes = append(boxes, box)
	}
	assert.True(t, texts["same-a (+2)"], "one label for the three points at one spot: %v", texts)
	assert.False(t, texts["same-b"])
	require.Len(t, notes, 2, "notes: %q", notes)
	assert.Contains(t, notes[0], "Numbered points")
	assert.Contains(t, notes[0], "1 = device-")
	assert.Contains(t, notes[1], "(+N): N more points at the same spot")
	assert.Contains(t, notes[1], "same-a (+2): same-b, same-c")
	// Each number in the notes is drawn, and each label is either drawn or numbered.
	for i := 1; strings.Contains(notes[0], strconv.Itoa(i)+" = "); i++ {
		assert.True(t, texts[strconv.Itoa(i)], "number %d not drawn", i)
	}
	for _, pt := range pts[:40] {
		assert.True(t, texts[pt.Label] || strings.Contains(notes[0], "= "+pt.Label), "%s neither labelled nor numbered", pt.Label)
	}

	// The whole figure, with its caption.
	dir := t.TempDir()
	for _, name := range []string{"c.png", "c.svg"} {
		path := filepath.Join(dir, name)
		require.NoError(t, f.Scatter(path, pts...))
		checkImage(t, path)
	}
	svg := mustRead(t, filepath.Join(dir, "c.svg"))
	assert.Contains(t, svg, "(+N): N more points at the same spot.")
	assert.Contains(t, svg, "same-a (+2)")
}

func TestCaption(t *testing.T) {
	dir := t.TempDir()
	s := Series{X: []float64{1, 2}, Y: []float64{1, 2}}
	short, long := filepath.Join(dir, "a.png"), filepath.Join(dir, "b.png")
	require.NoError(t, Figure{}.Lines(short, s))
	require.NoError(t, Figure{Caption: strings.Repeat("a long caption ", 40) + "\nsecond"}.Lines(long, s))
	img := func(path string) (w, h int) {
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		m, err := png.Decode(bytes.NewReader(b))
		require.NoError(t, err)
		return m.Bounds().Dx(), m.Bounds().Dy()
	}
	w0, h0 := img(short)
	w1, h1 := img(long)
	assert.Equal(t, w0, w1)
	assert.Greater(t, h1, h0+30, "three caption lines add height")
	lines := wrap([]string{strings.Repeat("word ", 100), "", "x\ny"}, 5*vg.Centimeter)
	require.Greater(t, len(lines), 4)
	for _, l := range lines {
		assert.LessOrEqual(t, textStyle(captionFont).Width(l), 5*vg.Centimeter, l)
	}
	assert.Equal(t, strings.TrimSpace(strings.Repeat("word ", 100)), strings.Join(lines[:len(lines)-2], " "))
	assert.Equal(t, []string{"x", "y"}, lines[len(lines)-2:])
}

// fields returns n tiles of 28 × 28 weights and their labels.
func fields(n int) ([]float64, []string) {
	wts := make([]float64, n*784)
	labels := make([]string, n)
	for k := range n {
		for i := range 784 {
			x, y := float64(i%28-14), float64(i/28-14)
			wts[k*784+i] = math.Exp(-(x*x + y*y) / float64(10+k%30))
		}
		labels[k] = fmt.Sprintf("n%d: %d", k, k%10)
	}
	wts[5] = math.NaN()
	return wts, labels
}

func TestFields(t *testing.T) {
	dir := t.TempDir()
	f := Figure{Title: "receptive fields", YLabel: "weight (normalised conductance)"}
	for _, n := range []int{4, 100} {
		side := int(math.Sqrt(float64(n)))
		wts, labels := fields(n)
		for _, ext := range []string{".png", ".svg"} {
			path := filepath.Join(dir, fmt.Sprint("f", n, ext))
			require.NoError(t, f.Fields(path, wts, side, side, 28, 28, labels))
			if w := checkImage(t, path); ext == ".png" {
				assert.GreaterOrEqual(t, w, side*56, "tiles of at least 2 pixels a weight")
				assert.LessOrEqual(t, w, 1400)
			}
		}
		svg := mustRead(t, filepath.Join(dir, fmt.Sprint("f", n, ".svg")))
		assert.Contains(t, svg, ">receptive fields<")
		assert.Contains(t, svg, ">weight (normalised conductance)<")
		assert.Contains(t, svg, fmt.Sprintf(">n%d: %d<", n-1, (n-1)%10))
	}
	wts, labels := fields(5)
	require.NoError(t, Figure{}.Fields(filepath.Join(dir, "nolabels.png"), wts, 2, 3, 28, 28, nil))
	require.NoError(t, Figure{Width: 12 * vg.Centimeter, Caption: "a note"}.Fields(filepath.Join(dir, "w.png"), wts, 5, 1, 28, 28, labels))
	assert.Equal(t, int(12*vg.Centimeter.Dots(96)+0.5), checkImage(t, filepath.Join(dir, "w.png")))

	for _, tc := range []struct {
		name, file string
		wts        []float64
		r, c       int
		labels     []string
		f          Figure
		want       string
	}{
		{"labels", "a.png", wts, 2, 3, labels[:3], Figure{}, "3 labels for 5 tiles"},
		{"labels", "a.png", wts, 2, 3, append(labels, "x"), Figure{}, "6 labels for 5 tiles"},
		{"not whole tiles", "b.svg", wts[:100], 2, 3, nil, Figure{}, "100 weights are not a whole number of 28×28 tiles"},
		{"too many", "c.png", wts, 2, 2, labels, Figure{}, "5 tiles of weights do not fit a 2×2 grid"},
		{"zero size", "d.png", wts, 0, 3, labels, Figure{}, "every size must be > 0"},
		{"empty", "e.png", nil, 2, 3, nil, Figure{}, "no weights"},
		{"format", "f.gif", wts, 2, 3, labels, Figure{}, "unsupported image format"},
		{"too narrow", "g.png", wts, 2, 3, labels, Figure{Width: vg.Centimeter}, "leaves no room"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			assert.NotPanics(t, func() { err = tc.f.Fields(filepath.Join(dir, tc.file), tc.wts, tc.r, tc.c, 28, 28, tc.labels) })
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.file)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// TestTitles checks that every Figure method draws its title.
func TestTitles(t *testing.T) {
	dir := t.TempDir()
	f := Figure{Title: "Title-xyz", LogX: true}
	wts, _ := fields(4)
	for name, draw := range map[string]func(string) error{
		"lines":   func(p string) error { return f.Lines(p, Series{X: []float64{1, 2}, Y: []float64{1, 2}}) },
		"scatter": func(p string) error { return f.Scatter(p, Point{X: 1, Y: 2, Label: "a"}) },
		"bars":    func(p string) error { return f.Bars(p, Bar{Label: "a", Value: 1}) },
		"stacked": func(p string) error { return f.Stacked(p, []string{"x"}, Stack{Label: "a", Values: []float64{1}}) },
		"heatmap": func(p string) error { return f.HeatMap(p, []string{"a"}, []string{"b"}, [][]float64{{1}}, "%g") },
		"fields":  func(p string) error { return f.Fields(p, wts, 2, 2, 28, 28, nil) },
	} {
		path := filepath.Join(dir, name+".svg")
		require.NoError(t, draw(path), name)
		assert.Contains(t, mustRead(t, path), ">Title-xyz<", name)
	}
}
