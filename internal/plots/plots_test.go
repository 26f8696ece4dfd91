package plots

import (
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
