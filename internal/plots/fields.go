package plots

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Fields draws tiles of h × w weights in a grid of cols columns and up to rows rows, as Grid
// does (tile k shows weights[k·h·w : (k+1)·h·w] in row-major order, white the smallest weight
// and black the largest over all tiles, a non-finite weight as the smallest), as a figure:
// titled f.Title, with a colour bar that gives the scale of the greys labelled f.YLabel
// ("weight" when empty), and labels[k] in small type above tile k (for instance "n12: 7",
// neuron 12 assigned to digit 7). labels may be nil, for no labels; an empty label leaves its
// tile unlabelled. Rows beyond the last tile of weights are left out. The format follows
// path's extension (.png or .svg); f.Caption goes under the grid.
//
// The image is sized for the grid: tiles of 28 × 28 weights come out 1.5 cm (10 columns or
// more) to 6 cm wide (1 or 2 columns), each weight a whole number of PNG pixels. A non-zero
// f.Width fixes the width instead (the height follows). f.XLabel, f.Height, f.LogX and f.LogY
// are ignored.
//
// It returns an error naming the mismatch if a size is not positive, len(weights) is not a
// whole number of tiles or is zero, the tiles do not fit rows × cols, labels has another
// length than the number of tiles, or f.Width leaves no room for the tiles.
func (f Figure) Fields(path string, weights []float64, rows, cols, h, w int, labels []string) error {
	ext, err := format(path)
	if err != nil {
		return err
	}
	n, err := checkTiles(path, weights, rows, cols, h, w)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("plots: %s: no weights", path)
	}
	if labels != nil && len(labels) != n {
		return fmt.Errorf("plots: %s: %d labels for %d tiles of weights", path, len(labels), n)
	}
	l := fieldsLayout(f, n, cols, h, w, labels)
	if !(l.tileW > 0) {
		return fmt.Errorf("plots: %s: a width of %v leaves no room for %d columns of tiles", path, f.Width, cols)
	}
	lo, span := grayScale(weights)
	lines := wrap([]string{f.Caption}, l.width-2*captionMargin)
	ch := captionHeight(lines)
	var c vg.CanvasWriterTo
	var cerr error
	err = drawing(path, func() {
		c, cerr = draw.NewFormattedCanvas(l.width, l.height+ch, ext)
		if cerr != nil {
			return
		}
		dc := draw.New(c)
		dc.SetColor(color.White)
		dc.Fill(dc.Rectangle.Path())
		f.drawFields(draw.Crop(dc, 0, 0, ch, 0), l, weights, h, w, labels, lo, span)
		drawCaption(draw.Crop(dc, 0, 0, 0, -l.height), lines)
	})
	if err != nil {
		return err
	}
	if cerr != nil {
		return fmt.Errorf("plots: %s: %w", path, cerr)
	}
	return writeTo(path, c)
}

// layout is the geometry of a Fields figure, all lengths in points.
type layout struct {
	rows, cols   int
	px           vg.Length // one PNG pixel
	scale        int       // PNG pixels per weight, ≥ 1
	tileW, tileH vg.Length
	gap          vg.Length // between tiles side by side
	labelH       vg.Length // band above each tile for its label
	labelFont    vg.Length
	titleH       vg.Length
	barW         vg.Length // colour bar with its ticks and label
	width        vg.Length
	height       vg.Length // without a caption
}

// Margins of a Fields figure.
const (
	fieldsMargin = 4 * vg.Millimeter
	barGap       = 5 * vg.Millimeter
	barWidth     = 24 * vg.Millimeter
	barMinHeight = 40 * vg.Millimeter
	barMaxHeight = 100 * vg.Millimeter
)

// fieldsLayout sizes a Fields figure of n tiles of h × w weights in cols columns.
func fieldsLayout(f Figure, n, cols, h, w int, labels []string) layout {
	l := layout{rows: (n + cols - 1) / cols, cols: cols, px: vg.Inch / 96, barW: barWidth}
	if f.Title != "" {
		t := plot.New().Title
		l.titleH = t.TextStyle.Height(f.Title) + t.Padding + 2*vg.Millimeter
	}
	fixed := 2*fieldsMargin + barGap + l.barW
	if f.Width > 0 {
		// gap = tileW/12 between columns.
		l.tileW = (f.Width - fixed) / (vg.Length(cols) + vg.Length(cols-1)/12)
		l.scale = max(1, int(math.Ceil(float64(l.tileW/l.px)/float64(w))))
	} else {
		// About 640 pixels of tiles in all, but no tile under 45 pixels nor over 8 pixels a
		// weight.
		l.scale = max(min(640/(cols*w), 8), (45+w-1)/w)
		l.tileW = vg.Length(l.scale*w) * l.px
	}
	l.tileH = l.tileW * vg.Length(h) / vg.Length(w)
	l.gap = max(3*l.px, l.tileW/12)
	if f.Width == 0 {
		l.gap = vg.Length(math.Round(float64(l.gap/l.px))) * l.px
	}
	l.labelH = l.gap / 2
	if long := longest(labels); long != "" {
		// The largest size up to 8 pt at which the longest label fits over its tile, but not
		// under 4 pt.
		wide := textStyle(1).Width(long)
		l.labelFont = min(max(0.95*l.tileW/wide, 4), 8)
		l.labelH = textStyle(l.labelFont).FontExtents().Height * 1.2
	}
	gridW := vg.Length(cols)*l.tileW + vg.Length(cols-1)*l.gap
	l.width = f.Width
	if l.width == 0 {
		l.width = gridW + fixed
	}
	l.height = 2*fieldsMargin + l.titleH + max(l.gridH(), barMinHeight)
	return l
}

// gridH returns the height of the tiles with their labels.
func (l layout) gridH() vg.Length {
	return vg.Length(l.rows)*(l.labelH+l.tileH) + vg.Length(l.rows-1)*l.gap/2
}

// longest returns the label with the most runes.
func longest(labels []string) string {
	s := ""
	for _, l := range labels {
		if len([]rune(l)) > len([]rune(s)) {
			s = l
		}
	}
	return s
}

// drawFields draws the title, tiles, labels and colour bar of a Fields figure in c.
func (f Figure) drawFields(c draw.Canvas, l layout, weights []float64, h, w int, labels []string, lo, span float64) {
	top := c.Max.Y - fieldsMargin
	if f.Title != "" {
		t := plot.New().Title
		sty := t.TextStyle
		sty.YAlign = draw.YTop
		c.FillText(sty, vg.Point{X: c.Center().X, Y: top}, f.Title)
		top -= l.titleH
	}
	gridH := l.gridH()
	gridTop := top - max(0, barMinHeight-gridH)/2
	snap := func(v vg.Length) vg.Length { return vg.Length(math.Round(float64(v/l.px))) * l.px }
	frame := draw.LineStyle{Color: color.Gray{Y: 170}, Width: vg.Points(0.5)}
	lsty := textStyle(l.labelFont)
	lsty.XAlign, lsty.YAlign = draw.XCenter, draw.YBottom
	n := len(weights) / (h * w)
	for k := range n {
		r, col := k/l.cols, k%l.cols
		x0 := snap(c.Min.X + fieldsMargin + vg.Length(col)*(l.tileW+l.gap))
		y1 := snap(gridTop - vg.Length(r)*(l.labelH+l.tileH+l.gap/2) - l.labelH)
		rect := vg.Rectangle{Min: vg.Point{X: x0, Y: y1 - l.tileH}, Max: vg.Point{X: x0 + l.tileW, Y: y1}}
		c.DrawImage(rect, tileImage(weights[k*h*w:(k+1)*h*w], h, w, l.scale, lo, span))
		d := frame.Width / 2
		c.StrokeLines(frame, []vg.Point{{X: rect.Min.X - d, Y: rect.Min.Y - d}, {X: rect.Max.X + d, Y: rect.Min.Y - d},
			{X: rect.Max.X + d, Y: rect.Max.Y + d}, {X: rect.Min.X - d, Y: rect.Max.Y + d}, {X: rect.Min.X - d, Y: rect.Min.Y - d}})
		if labels != nil && labels[k] != "" {
			c.FillText(lsty, vg.Point{X: (rect.Min.X + rect.Max.X) / 2, Y: y1 + d + l.labelH*0.15}, labels[k])
		}
	}

	// The colour bar, as tall as the grid within limits, centred beside it.
	bh := min(max(gridH, barMinHeight), barMaxHeight)
	mid := gridTop - gridH/2
	if gridH < barMinHeight {
		mid = gridTop - barMinHeight/2
	}
	bar := c
	bar.Min = vg.Point{X: c.Max.X - fieldsMargin - l.barW, Y: mid - bh/2}
	bar.Max = vg.Point{X: c.Max.X - fieldsMargin, Y: mid + bh/2}
	p := plot.New()
	p.BackgroundColor = nil
	p.HideX()
	p.Y.Label.Text = f.YLabel
	if p.Y.Label.Text == "" {
		p.Y.Label.Text = "weight"
	}
	p.Y.Tick.Marker = barTicks{}
	p.Add(&plotter.ColorBar{ColorMap: &grayMap{lo: lo, hi: lo + span}, Vertical: true})
	p.Draw(bar)
}

// barTicks are the ticks of a colour bar: gonum's, with the ends of the range labelled too
// (to three digits) unless a label is already near them.
type barTicks struct{}

func (barTicks) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for _, t := range (plot.DefaultTicks{}).Ticks(lo, hi) {
		if within(t.Value, lo, hi) || t.Value == 0 {
			ticks = append(ticks, t)
		}
	}
	for _, v := range []float64{lo, hi} {
		near := false
		for _, t := range ticks {
			near = near || (t.Label != "" && math.Abs(t.Value-v) < 0.15*(hi-lo))
		}
		if !near {
			ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'g', 3, 64)})
		}
	}
	return ticks
}

// tileImage returns one tile of h × w weights, each drawn scale × scale pixels.
func tileImage(weights []float64, h, w, scale int, lo, span float64) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w*scale, h*scale))
	for y := range h * scale {
		for x := range w * scale {
			img.SetGray(x, y, grayAt(weights[(y/scale)*w+x/scale], lo, span))
		}
	}
	return img
}

// grayMap is the colour map of Fields for its colour bar: white at lo to black at hi, opaque.
type grayMap struct{ lo, hi float64 }

var _ palette.ColorMap = (*grayMap)(nil)

func (m *grayMap) At(v float64) (color.Color, error) {
	tol := 1e-9 * (m.hi - m.lo)
	if !(v >= m.lo-tol && v <= m.hi+tol) {
		return nil, fmt.Errorf("plots: %g is outside the colour map's %g .. %g", v, m.lo, m.hi)
	}
	return gray((v - m.lo) / (m.hi - m.lo)), nil
}
func (m *grayMap) Max() float64       { return m.hi }
func (m *grayMap) Min() float64       { return m.lo }
func (m *grayMap) SetMax(v float64)   { m.hi = v }
func (m *grayMap) SetMin(v float64)   { m.lo = v }
func (m *grayMap) Alpha() float64     { return 1 }
func (m *grayMap) SetAlpha(a float64) {}
func (m *grayMap) Palette(n int) palette.Palette {
	cs := make(colors, n)
	for i := range cs {
		cs[i] = gray(float64(i) / float64(max(1, n-1)))
	}
	return cs
}

// colors is a palette.Palette.
type colors []color.Color

func (c colors) Colors() []color.Color { return c }
