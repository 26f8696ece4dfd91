package plots

import (
	"fmt"
	"image/color"
	"math"
	"path/filepath"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Style is how a series is drawn.
type Style int

const (
	LineStyle  Style = iota // a line through the points (default)
	PointStyle              // a marker at each point, as for measured data
	LinePoints              // both
)

// Series is one curve of a line plot.
type Series struct {
	Name  string // legend entry; empty: not in the legend
	X, Y  []float64
	Style Style
}

// Point is one labelled point of a scatter plot. Lo and Hi, when both are
// finite and Lo < Hi, draw an error bar from Lo to Hi in y (a confidence
// interval); Flagged draws the point as a red cross instead of a dot (a
// run that collapsed).
type Point struct {
	X, Y    float64
	Label   string
	Lo, Hi  float64
	Flagged bool
}

// Bar is one bar of a bar chart. Lo and Hi, when both are finite and
// Lo < Hi, draw an error bar; Flagged draws the bar in red (a collapsed
// run) instead of the first colour.
type Bar struct {
	Label   string
	Value   float64
	Lo, Hi  float64
	Flagged bool
}

// interval reports whether lo..hi is a drawable error bar.
func interval(lo, hi float64) bool {
	return !math.IsNaN(lo) && !math.IsNaN(hi) && !math.IsInf(lo, 0) && !math.IsInf(hi, 0) && lo < hi
}

// errBars are the y error bars of Bar and Point: (x, y) with y − lo and hi − y.
type errBars struct {
	xy     plotter.XYs
	lo, hi []float64
}

func (e *errBars) add(x, y, lo, hi float64) {
	e.xy = append(e.xy, plotter.XY{X: x, Y: y})
	e.lo, e.hi = append(e.lo, y-lo), append(e.hi, hi-y)
}
func (e *errBars) Len() int                        { return len(e.xy) }
func (e *errBars) XY(i int) (float64, float64)     { return e.xy[i].X, e.xy[i].Y }
func (e *errBars) YError(i int) (float64, float64) { return e.lo[i], e.hi[i] }

// flagColor draws flagged bars and points.
var flagColor = color.RGBA{R: 200, G: 30, B: 30, A: 255}

// Figure is the frame of a plot: title, axis labels, log axes, size and caption.
type Figure struct {
	Title, XLabel, YLabel string
	// LogX and LogY put the axis on a log scale, with ticks labelled at any range (powers of
	// ten over many decades, 1-2-5 × 10^k over about one, finer values over less).
	LogX, LogY bool
	// Width and Height of the plot; zero means 16 cm × 11 cm. A caption adds its lines below.
	Width, Height vg.Length
	// Caption is text drawn under the plot in small type, wrapped to its width; a newline
	// starts a new line. Empty means none (Scatter may still add lines that explain its
	// labels).
	Caption string
}

// Lines draws the series as lines on linear axes; see Figure.Lines.
func Lines(path, title, xlabel, ylabel string, series ...Series) error {
	return Figure{Title: title, XLabel: xlabel, YLabel: ylabel}.Lines(path, series...)
}

// Scatter draws labelled points on linear axes; see Figure.Scatter.
func Scatter(path, title, xlabel, ylabel string, pts ...Point) error {
	return Figure{Title: title, XLabel: xlabel, YLabel: ylabel}.Scatter(path, pts...)
}

// Bars draws a bar chart; see Figure.Bars.
func Bars(path, title, ylabel string, bars ...Bar) error {
	return Figure{Title: title, YLabel: ylabel}.Bars(path, bars...)
}

// format returns the image format of path, or an error naming it.
func format(path string) (string, error) {
	ext := strings.ToLower(strings.TrimPrefix(filepath.Ext(path), "."))
	switch ext {
	case "png", "svg":
		return ext, nil
	}
	return "", fmt.Errorf("plots: %s: unsupported image format %q (want .png or .svg)", path, filepath.Ext(path))
}

// newPlot returns a plot framed by f.
func (f Figure) newPlot() *plot.Plot {
	p := plot.New()
	p.Title.Text = f.Title
	p.X.Label.Text = f.XLabel
	p.Y.Label.Text = f.YLabel
	if f.LogX {
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = logTicks{}
	}
	if f.LogY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = logTicks{}
	}
	return p
}

// keep reports whether (x, y) can be drawn on f's axes.
func (f Figure) keep(x, y float64) bool {
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	return finite(x) && finite(y) && (!f.LogX || x > 0) && (!f.LogY || y > 0)
}

// Lines draws the series in one plot, with a legend of their names. X and Y of a series must
// have the same length (a programmer's error: it panics otherwise).
func (f Figure) Lines(path string, series ...Series) error {
	if _, err := format(path); err != nil {
		return err
	}
	p := f.newPlot()
	total, named := 0, 0
	for i, s := range series {
		if len(s.X) != len(s.Y) {
			panic(fmt.Sprintf("plots: series %q has %d x and %d y values", s.Name, len(s.X), len(s.Y)))
		}
		xys := make(plotter.XYs, 0, len(s.X))
		for j := range s.X {
			if f.keep(s.X[j], s.Y[j]) {
				xys = append(xys, plotter.XY{X: s.X[j], Y: s.Y[j]})
			}
		}
		if len(xys) == 0 {
			continue
		}
		total += len(xys)
		c := plotutil.Color(i)
		var thumbs []plot.Thumbnailer
		if s.Style != PointStyle {
			l, err := plotter.NewLine(xys)
			if err != nil {
				return fmt.Errorf("plots: %s: series %q: %w", path, s.Name, err)
			}
			l.Color = c
			l.Width = vg.Points(1.5)
			l.Dashes = plotutil.Dashes(i / 7) // after the 7 colours, vary the dashes
			p.Add(l)
			thumbs = append(thumbs, l)
		}
		if s.Style != LineStyle {
			sc, err := plotter.NewScatter(xys)
			if err != nil {
				return fmt.Errorf("plots: %s: series %q: %w", path, s.Name, err)
			}
			sc.Color = c
			sc.Shape = plotutil.Shape(i)
			sc.Radius = vg.Points(2.5)
			p.Add(sc)
			thumbs = append(thumbs, sc)
		}
		if s.Name != "" {
			p.Legend.Add(s.Name, thumbs...)
			named++
		}
	}
	if total == 0 {
		return fmt.Errorf("plots: %s: no drawable point (non-finite, or ≤ 0 on a log axis)", path)
	}
	p.Legend.Top = true
	if named > 0 {
		// Headroom so the legend does not hide the top of the curves.
		fixRange(&p.Y, f.LogY)
		rows := float64(named)
		if f.LogY {
			p.Y.Max *= math.Pow(p.Y.Max/p.Y.Min, 0.07*rows)
		} else {
			p.Y.Max += 0.07 * rows * (p.Y.Max - p.Y.Min)
		}
	}
	return f.save(p, path)
}

// Scatter draws labelled points, for instance one per device at (energy per inference,
// accuracy). Labels do not overlap each other or the markers: points drawn on top of each
// other share one label, the first one's followed by "(+N)" for the N others, and a label
// that finds no room beside its point is replaced by a number; a caption under the plot says
// what "(+N)" means, names the points of each shared label and gives the label of each number.
// Labels are placed in the order of pts, so the ones that matter most should come first.
func (f Figure) Scatter(path string, pts ...Point) error {
	if _, err := format(path); err != nil {
		return err
	}
	var kept []Point
	var plain, flagged plotter.XYs
	var eb errBars
	for _, pt := range pts {
		if f.keep(pt.X, pt.Y) {
			kept = append(kept, pt)
			if pt.Flagged {
				flagged = append(flagged, plotter.XY{X: pt.X, Y: pt.Y})
			} else {
				plain = append(plain, plotter.XY{X: pt.X, Y: pt.Y})
			}
			if interval(pt.Lo, pt.Hi) && f.keep(pt.X, pt.Lo) {
				eb.add(pt.X, pt.Y, pt.Lo, pt.Hi)
			}
		}
	}
	if len(kept) == 0 {
		return fmt.Errorf("plots: %s: no drawable point (non-finite, or ≤ 0 on a log axis)", path)
	}
	p := f.newPlot()
	p.Add(plotter.NewGrid())
	if eb.Len() > 0 {
		e, err := plotter.NewYErrorBars(&eb)
		if err != nil {
			return fmt.Errorf("plots: %s: %w", path, err)
		}
		e.Color = gray(0.55)
		p.Add(e)
	}
	for _, set := range []struct {
		xy   plotter.XYs
		flag bool
	}{{plain, false}, {flagged, true}} {
		if len(set.xy) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(set.xy)
		if err != nil {
			return fmt.Errorf("plots: %s: %w", path, err)
		}
		sc.Shape, sc.Color, sc.Radius = draw.CircleGlyph{}, plotutil.Color(0), vg.Points(3)
		if set.flag {
			sc.Shape, sc.Color, sc.Radius = draw.CrossGlyph{}, flagColor, vg.Points(4)
		}
		p.Add(sc)
	}
	var notes []string
	err := drawing(path, func() {
		f.fix(p)
		pad(&p.X, f.LogX, 0.04)
		pad(&p.Y, f.LogY, 0.04)
		var labels *pointLabels
		labels, notes = placeLabels(p, f.size(), f.height(), kept, vg.Points(4))
		p.Add(labels)
	})
	if err != nil {
		return err
	}
	return f.save(p, path, notes...)
}

// Bars draws one bar per value, labelled on the x axis (rotated when there are many). A
// non-finite value is drawn as 0. f.LogY is ignored (bars start at 0).
func (f Figure) Bars(path string, bars ...Bar) error {
	if _, err := format(path); err != nil {
		return err
	}
	if len(bars) == 0 {
		return fmt.Errorf("plots: %s: no bars", path)
	}
	f.LogX, f.LogY = false, false
	p := f.newPlot()
	vals := make(plotter.Values, len(bars))
	flagged := make(plotter.Values, len(bars))
	names := make([]string, len(bars))
	var eb errBars
	anyFlag := false
	for i, b := range bars {
		if !math.IsNaN(b.Value) && !math.IsInf(b.Value, 0) {
			if b.Flagged {
				flagged[i], anyFlag = b.Value, true
			} else {
				vals[i] = b.Value
			}
			if interval(b.Lo, b.Hi) {
				eb.add(float64(i), b.Value, b.Lo, b.Hi)
			}
		}
		names[i] = b.Label
	}
	w := f.size()
	bw := max(vg.Points(4), min(vg.Points(24), w*0.7/vg.Length(len(bars))))
	bc, err := plotter.NewBarChart(vals, bw)
	if err != nil {
		return fmt.Errorf("plots: %s: %w", path, err)
	}
	bc.Color = plotutil.Color(0)
	bc.LineStyle.Width = 0
	g := plotter.NewGrid()
	g.Vertical.Color = nil
	p.Add(bc, g)
	if anyFlag {
		fc, err := plotter.NewBarChart(flagged, bw)
		if err != nil {
			return fmt.Errorf("plots: %s: %w", path, err)
		}
		fc.Color, fc.LineStyle.Width = flagColor, 0
		p.Add(fc)
	}
	if eb.Len() > 0 {
		e, err := plotter.NewYErrorBars(&eb)
		if err != nil {
			return fmt.Errorf("plots: %s: %w", path, err)
		}
		p.Add(e)
	}
	p.NominalX(names...)
	p.X.Min, p.X.Max = -0.6, float64(len(bars))-0.4
	if p.Y.Max > 0 {
		p.Y.Max *= 1.05
	}
	if len(bars) > 6 {
		p.X.Tick.Label.Rotation = math.Pi / 4
		p.X.Tick.Label.XAlign = draw.XRight
		p.X.Tick.Label.YAlign = draw.YCenter
	}
	return f.save(p, path)
}

// size returns the plot's width.
func (f Figure) size() vg.Length {
	if f.Width > 0 {
		return f.Width
	}
	return 16 * vg.Centimeter
}

// height returns the plot's height.
func (f Figure) height() vg.Length {
	if f.Height > 0 {
		return f.Height
	}
	return 11 * vg.Centimeter
}

// fix widens the empty axis ranges of p.
func (f Figure) fix(p *plot.Plot) {
	fixRange(&p.X, f.LogX)
	fixRange(&p.Y, f.LogY)
}

// save writes p to path, with notes and then f.Caption as a caption under it.
func (f Figure) save(p *plot.Plot, path string, notes ...string) error {
	ext, err := format(path)
	if err != nil {
		return err
	}
	w, h := f.size(), f.height()
	lines := wrap(append(slices.Clip(notes), f.Caption), w-2*captionMargin)
	var c vg.CanvasWriterTo
	var cerr error
	err = drawing(path, func() {
		f.fix(p)
		ch := captionHeight(lines)
		c, cerr = draw.NewFormattedCanvas(w, h+ch, ext)
		if cerr != nil {
			return
		}
		dc := draw.New(c)
		p.Draw(draw.Crop(dc, 0, 0, ch, 0))
		drawCaption(draw.Crop(dc, 0, 0, 0, -h), lines)
	})
	if err != nil {
		return err
	}
	if cerr != nil {
		return fmt.Errorf("plots: %s: %w", path, cerr)
	}
	return writeTo(path, c)
}

// fixRange widens an empty axis range (all points at one value), which gonum cannot scale.
func fixRange(a *plot.Axis, log bool) {
	if a.Min < a.Max {
		return
	}
	v := a.Min
	switch {
	case log:
		a.Min, a.Max = v/2, v*2
	case v == 0:
		a.Min, a.Max = -1, 1
	default:
		d := math.Abs(v) / 2
		a.Min, a.Max = v-d, v+d
	}
}

// pad widens the range of a by frac of its span on each side (of its span in decades on a log
// axis), so that labels find room beside the points at the edges.
func pad(a *plot.Axis, log bool, frac float64) {
	if log {
		k := math.Pow(a.Max/a.Min, frac)
		a.Min, a.Max = a.Min/k, a.Max*k
		return
	}
	d := frac * (a.Max - a.Min)
	a.Min, a.Max = a.Min-d, a.Max+d
}

// gray returns the colour of a grid cell of value v in [0, 1]: white (0) to black (1).
func gray(v float64) color.Gray {
	v = min(max(v, 0), 1)
	return color.Gray{Y: uint8(math.Round(255 * (1 - v)))}
}

// Stack is one stacked bar: its label and the values of its parts, in the order of the part
// names given to Stacked.
type Stack struct {
	Label  string
	Values []float64
}

// Stacked draws one bar per stack, its parts stacked bottom to top in the order of parts,
// each part in its own colour with a legend above the bars. Negative or non-finite values
// are drawn as 0. A stack with another number of values than parts is an error.
func (f Figure) Stacked(path string, parts []string, stacks ...Stack) error {
	if _, err := format(path); err != nil {
		return err
	}
	if len(stacks) == 0 || len(parts) == 0 {
		return fmt.Errorf("plots: %s: no stacks or no parts", path)
	}
	f.LogX, f.LogY = false, false
	if f.Width == 0 && len(stacks) > 20 {
		// Room for many rotated labels.
		f.Width, f.Height = vg.Length(len(stacks))*0.6*vg.Centimeter, 14*vg.Centimeter
	}
	p := f.newPlot()
	names := make([]string, len(stacks))
	cols := make([]plotter.Values, len(parts))
	top := 0.0
	for i, s := range stacks {
		if len(s.Values) != len(parts) {
			return fmt.Errorf("plots: %s: stack %q has %d values for %d parts", path, s.Label, len(s.Values), len(parts))
		}
		names[i] = s.Label
		sum := 0.0
		for k, v := range s.Values {
			if !(v > 0) || math.IsInf(v, 0) {
				v = 0
			}
			if cols[k] == nil {
				cols[k] = make(plotter.Values, len(stacks))
			}
			cols[k][i] = v
			sum += v
		}
		top = max(top, sum)
	}
	w := f.size()
	bw := max(vg.Points(4), min(vg.Points(24), w*0.7/vg.Length(len(stacks))))
	var below *plotter.BarChart
	g := plotter.NewGrid()
	g.Vertical.Color = nil
	p.Add(g)
	for k, name := range parts {
		bc, err := plotter.NewBarChart(cols[k], bw)
		if err != nil {
			return fmt.Errorf("plots: %s: %w", path, err)
		}
		bc.Color = plotutil.Color(k)
		bc.LineStyle.Width = 0
		if below != nil {
			bc.StackOn(below)
		}
		below = bc
		p.Add(bc)
		p.Legend.Add(name, bc)
	}
	p.Legend.Top = true
	p.Legend.Left = false
	p.Legend.TextStyle.Font.Size = vg.Points(8)
	p.NominalX(names...)
	p.X.Min, p.X.Max = -0.6, float64(len(stacks))-0.4
	p.Y.Min = 0
	// Room above the tallest bar for the legend, one line per part.
	p.Y.Max = max(top, 1e-300) * (1.05 + 0.09*float64(len(parts)))
	long := false
	for _, n := range names {
		long = long || len(n) > 12
	}
	if len(stacks) > 6 || long {
		p.X.Tick.Label.Rotation = math.Pi / 4
		p.X.Tick.Label.XAlign = draw.XRight
		p.X.Tick.Label.YAlign = draw.YCenter
	}
	return f.save(p, path)
}

// HeatMap draws values[r][c] as coloured cells, column c labelled xs[c] and row r labelled
// ys[r], each cell annotated with its value (cellFormat, e.g. "%.1f"); low values light, high
// dark red. A non-finite value is drawn blank with "–". The dimensions must agree.
func (f Figure) HeatMap(path string, xs, ys []string, values [][]float64, cellFormat string) error {
	if _, err := format(path); err != nil {
		return err
	}
	if len(xs) == 0 || len(ys) == 0 || len(values) != len(ys) {
		return fmt.Errorf("plots: %s: %d rows of values for %d row labels", path, len(values), len(ys))
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for r, row := range values {
		if len(row) != len(xs) {
			return fmt.Errorf("plots: %s: row %d has %d values for %d columns", path, r, len(row), len(xs))
		}
		for _, v := range row {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				lo, hi = min(lo, v), max(hi, v)
			}
		}
	}
	if lo > hi {
		return fmt.Errorf("plots: %s: no finite value", path)
	}
	if lo == hi {
		hi = lo + 1
	}
	f.LogX, f.LogY = false, false
	p := f.newPlot()
	g := heatGrid{values}
	hm := plotter.NewHeatMap(g, heatPalette{})
	hm.Min, hm.Max = lo, hi
	hm.NaN = color.White
	p.Add(hm)
	var lab plotter.XYLabels
	for r, row := range values {
		for c, v := range row {
			t := "–"
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				t = fmt.Sprintf(cellFormat, v)
			}
			lab.XYs = append(lab.XYs, plotter.XY{X: float64(c), Y: float64(r)})
			lab.Labels = append(lab.Labels, t)
		}
	}
	labels, err := plotter.NewLabels(lab)
	if err != nil {
		return fmt.Errorf("plots: %s: %w", path, err)
	}
	for i := range labels.TextStyle {
		labels.TextStyle[i].Font.Size = vg.Points(8)
		labels.TextStyle[i].XAlign = draw.XCenter
		labels.TextStyle[i].YAlign = draw.YCenter
	}
	p.Add(labels)
	p.NominalX(xs...)
	p.NominalY(ys...)
	p.X.Min, p.X.Max = -0.5, float64(len(xs))-0.5
	p.Y.Min, p.Y.Max = -0.5, float64(len(ys))-0.5
	return f.save(p, path)
}

// heatGrid adapts values[r][c] to plotter.GridXYZ.
type heatGrid struct{ v [][]float64 }

func (g heatGrid) Dims() (c, r int)   { return len(g.v[0]), len(g.v) }
func (g heatGrid) Z(c, r int) float64 { return g.v[r][c] }
func (g heatGrid) X(c int) float64    { return float64(c) }
func (g heatGrid) Y(r int) float64    { return float64(r) }

// heatPalette runs from a pale yellow (low) to dark red (high) in 64 steps.
type heatPalette struct{}

func (heatPalette) Colors() []color.Color {
	cs := make([]color.Color, 64)
	for i := range cs {
		t := float64(i) / float64(len(cs)-1)
		cs[i] = color.RGBA{R: uint8(255 - 105*t), G: uint8(245 - 215*t), B: uint8(200 - 170*t), A: 255}
	}
	return cs
}
