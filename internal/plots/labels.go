package plots

import (
	"image/color"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/recorder"
)

// pointLabels draws the labels of a scatter plot where placeLabels put them, each on a
// translucent white box so that grid lines and error bars do not cross the text.
type pointLabels struct {
	marks []labelMark
}

// labelMark is one label: its text, the data point it belongs to, and its anchor (an offset
// from the point's position on the canvas) and alignment.
type labelMark struct {
	x, y float64
	txt  string
	at   anchor
}

// anchor is where a label goes relative to its point.
type anchor struct {
	off vg.Point
	xa  text.XAlignment
	ya  text.YAlignment
}

// Plot implements plot.Plotter.
func (l *pointLabels) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	for _, m := range l.marks {
		sty := m.at.style()
		pt := vg.Point{X: trX(m.x), Y: trY(m.y)}.Add(m.at.off)
		r := textBox(sty, pt, m.txt)
		c.FillPolygon(color.NRGBA{R: 255, G: 255, B: 255, A: 200}, []vg.Point{
			r.Min, {X: r.Max.X, Y: r.Min.Y}, r.Max, {X: r.Min.X, Y: r.Max.Y}})
		c.FillText(sty, pt, m.txt)
	}
}

// style returns the text style of a label at a.
func (a anchor) style() text.Style {
	s := textStyle(labelFont)
	s.XAlign, s.YAlign = a.xa, a.ya
	return s
}

// labelFont is the size of point labels.
const labelFont = vg.Length(8)

// textStyle returns plain black text of the plot's default font at size.
func textStyle(size vg.Length) text.Style {
	return text.Style{Color: color.Black, Font: font.From(plot.DefaultFont, size), Handler: plot.DefaultTextHandler}
}

// textBox returns the rectangle covered by txt drawn at pt in sty.
func textBox(sty text.Style, pt vg.Point, txt string) vg.Rectangle {
	r := sty.Rectangle(txt)
	return vg.Rectangle{Min: r.Min.Add(pt), Max: r.Max.Add(pt)}
}

// overlaps reports whether a and b share more than a hairline.
func overlaps(a, b vg.Rectangle) bool {
	const eps = 0.01
	return a.Min.X < b.Max.X-eps && b.Min.X < a.Max.X-eps && a.Min.Y < b.Max.Y-eps && b.Min.Y < a.Max.Y-eps
}

// inside reports whether a lies within b.
func inside(a, b vg.Rectangle) bool {
	return a.Min.X >= b.Min.X && a.Max.X <= b.Max.X && a.Min.Y >= b.Min.Y && a.Max.Y <= b.Max.Y
}

// placeLabels lays out the labels of pts (all drawable) on p drawn in a w × h canvas, with
// markers of radius r, and returns the plotter that draws them and the caption lines that
// explain them.
//
// Labelled points whose markers lie on top of each other share one label, the first one's,
// followed by "(+N)" for the N others; a caption line names them. Labels are placed in the
// order of pts, each at the first of eight positions around its point (right, left, above,
// below, then the diagonals) where it stays inside the data area and covers no marker and no
// label placed before it. A label with no such room is replaced by a number, placed the same
// way (or to the right of its point if even the number has no room), and a caption line gives
// the label of each number.
func placeLabels(p *plot.Plot, w, h vg.Length, pts []Point, r vg.Length) (*pointLabels, []string) {
	dc := p.DataCanvas(draw.NewCanvas(new(recorder.Canvas), w, h))
	trX, trY := p.Transforms(&dc)
	pos := make([]vg.Point, len(pts))
	for i, pt := range pts {
		pos[i] = vg.Point{X: trX(pt.X), Y: trY(pt.Y)}
	}

	// One group per spot: the first labelled point there and the labels of the others.
	type group struct {
		first  int
		others []string
	}
	var groups []group
	for i, pt := range pts {
		if pt.Label == "" {
			continue
		}
		merged := false
		for g := range groups {
			q := pos[groups[g].first]
			if math.Hypot(float64(pos[i].X-q.X), float64(pos[i].Y-q.Y)) <= float64(r) {
				groups[g].others = append(groups[g].others, pt.Label)
				merged = true
				break
			}
		}
		if !merged {
			groups = append(groups, group{first: i})
		}
	}

	taken := make([]vg.Rectangle, 0, 2*len(pts))
	for _, q := range pos {
		taken = append(taken, vg.Rectangle{Min: vg.Point{X: q.X - r, Y: q.Y - r}, Max: vg.Point{X: q.X + r, Y: q.Y + r}})
	}
	gap := r + 1.5
	d := gap * 0.75
	anchors := []anchor{
		{vg.Point{X: gap}, draw.XLeft, draw.YCenter},
		{vg.Point{X: -gap}, draw.XRight, draw.YCenter},
		{vg.Point{Y: gap}, draw.XCenter, draw.YBottom},
		{vg.Point{Y: -gap}, draw.XCenter, draw.YTop},
		{vg.Point{X: d, Y: d}, draw.XLeft, draw.YBottom},
		{vg.Point{X: d, Y: -d}, draw.XLeft, draw.YTop},
		{vg.Point{X: -d, Y: d}, draw.XRight, draw.YBottom},
		{vg.Point{X: -d, Y: -d}, draw.XRight, draw.YTop},
	}
	out := &pointLabels{}
	// place puts txt beside point i at the first free anchor; with force, at the first
	// anchor when none is free.
	place := func(i int, txt string, force bool) bool {
		for k, a := range anchors {
			box := textBox(a.style(), pos[i].Add(a.off), txt)
			free := inside(box, dc.Rectangle)
			for _, t := range taken {
				free = free && !overlaps(box, t)
			}
			if !free && !(force && k == len(anchors)-1) {
				continue
			}
			if !free {
				a = anchors[0]
				box = textBox(a.style(), pos[i].Add(a.off), txt)
			}
			taken = append(taken, box)
			out.marks = append(out.marks, labelMark{x: pts[i].X, y: pts[i].Y, txt: txt, at: a})
			return true
		}
		return false
	}

	var alike, numbered []string
	var skipped []group
	for _, g := range groups {
		txt := pts[g.first].Label
		if n := len(g.others); n > 0 {
			txt += " (+" + strconv.Itoa(n) + ")"
			alike = append(alike, txt+": "+strings.Join(g.others, ", "))
		}
		if !place(g.first, txt, false) {
			skipped = append(skipped, g)
		}
	}
	for k, g := range skipped {
		num := strconv.Itoa(k + 1)
		place(g.first, num, true)
		txt := pts[g.first].Label
		if n := len(g.others); n > 0 {
			txt += " (+" + strconv.Itoa(n) + ")"
		}
		numbered = append(numbered, num+" = "+txt)
	}

	var notes []string
	if len(numbered) > 0 {
		notes = append(notes, "Numbered points (no room for their label): "+strings.Join(numbered, "; ")+".")
	}
	if len(alike) > 0 {
		notes = append(notes, "(+N): N more points at the same spot. "+strings.Join(alike, "; ")+".")
	}
	return out, notes
}
