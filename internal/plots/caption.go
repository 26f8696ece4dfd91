package plots

import (
	"fmt"
	"image/color"
	"os"
	"strings"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Captions are set in captionFont, captionMargin from the sides and bottom of the image.
const (
	captionFont   = vg.Length(8)
	captionMargin = 6 * vg.Millimeter / 2
)

// wrap splits each paragraph of paras at newlines and wraps it to width in the caption
// font, at spaces (a word longer than width gets a line of its own). Empty paragraphs give
// no line.
func wrap(paras []string, width vg.Length) []string {
	sty := textStyle(captionFont)
	var lines []string
	for _, para := range paras {
		for _, p := range strings.Split(para, "\n") {
			line := ""
			for _, word := range strings.Fields(p) {
				if line != "" && sty.Width(line+" "+word) > width {
					lines = append(lines, line)
					line = ""
				}
				if line != "" {
					line += " "
				}
				line += word
			}
			if line != "" {
				lines = append(lines, line)
			}
		}
	}
	return lines
}

// captionHeight returns the height that lines take under a plot: none for no lines.
func captionHeight(lines []string) vg.Length {
	if len(lines) == 0 {
		return 0
	}
	return vg.Length(len(lines))*lineHeight() + 2*captionMargin
}

// lineHeight is the distance between the baselines of two caption lines.
func lineHeight() vg.Length {
	return textStyle(captionFont).FontExtents().Height * 1.15
}

// drawCaption draws lines from the top of c down, left-aligned, in dark grey.
func drawCaption(c draw.Canvas, lines []string) {
	sty := textStyle(captionFont)
	sty.Color = color.Gray{Y: 50}
	sty.YAlign = draw.YTop
	lh := lineHeight()
	for i, l := range lines {
		c.FillText(sty, vg.Point{X: c.Min.X + captionMargin, Y: c.Max.Y - captionMargin*0.6 - vg.Length(i)*lh}, l)
	}
}

// drawing runs fn, turning a panic of the plotting library (it panics on some degenerate
// axis ranges) into an error naming path.
func drawing(path string, fn func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("plots: %s: drawing failed: %v", path, r)
		}
	}()
	fn()
	return nil
}

// writeTo writes the drawn canvas c to the file path.
func writeTo(path string, c vg.CanvasWriterTo) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("plots: %w", err)
	}
	if _, err := c.WriteTo(f); err != nil {
		f.Close()
		return fmt.Errorf("plots: %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("plots: %s: %w", path, err)
	}
	return nil
}
