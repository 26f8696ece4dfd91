package plots

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
)

// Grid writes a PNG of rows × cols tiles of h × w pixels: tile k shows weights[k·h·w :
// (k+1)·h·w] in row-major order, e.g. the 784 input weights of excitatory neuron k of an STDP
// network as a 28 × 28 receptive field. The grey level is scaled over all the weights together
// (white = the smallest, black = the largest), so tiles can be compared; tiles are separated by
// a 1-pixel light line and each pixel is enlarged so the image is about 600 pixels wide (at
// most 8×). There may be fewer tiles of weights than rows × cols; the rest are left blank.
//
// Figure.Fields draws the same tiles as a figure, with a title, a colour scale and a label per
// tile, as PNG or SVG.
//
// It returns an error if path does not end in .png, if len(weights) is not a multiple of h·w,
// or if the weights need more than rows × cols tiles.
func Grid(path string, weights []float64, rows, cols, h, w int) error {
	if strings.ToLower(filepath.Ext(path)) != ".png" {
		return fmt.Errorf("plots: %s: a weight grid is written as PNG, want a .png file", path)
	}
	if _, err := checkTiles(path, weights, rows, cols, h, w); err != nil {
		return err
	}
	img := GridImage(weights, rows, cols, h, w)
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("plots: %w", err)
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return fmt.Errorf("plots: %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("plots: %s: %w", path, err)
	}
	return nil
}

// checkTiles returns the number of h × w tiles of weights, or an error naming path if a size
// is not positive, the weights are not a whole number of tiles, or the tiles do not fit a
// rows × cols grid.
func checkTiles(path string, weights []float64, rows, cols, h, w int) (int, error) {
	if rows <= 0 || cols <= 0 || h <= 0 || w <= 0 {
		return 0, fmt.Errorf("plots: %s: grid of %d×%d tiles of %d×%d pixels: every size must be > 0", path, rows, cols, h, w)
	}
	if len(weights)%(h*w) != 0 {
		return 0, fmt.Errorf("plots: %s: %d weights are not a whole number of %d×%d tiles", path, len(weights), h, w)
	}
	n := len(weights) / (h * w)
	if n > rows*cols {
		return 0, fmt.Errorf("plots: %s: %d tiles of weights do not fit a %d×%d grid", path, n, rows, cols)
	}
	return n, nil
}

// GridImage returns the image that Grid writes. It panics if the sizes are not positive or the
// weights do not fit (Grid checks them and returns errors instead).
func GridImage(weights []float64, rows, cols, h, w int) *image.Gray {
	if rows <= 0 || cols <= 0 || h <= 0 || w <= 0 || len(weights)%(h*w) != 0 || len(weights) > rows*cols*h*w {
		panic(fmt.Sprintf("plots: %d weights do not fit a %d×%d grid of %d×%d tiles", len(weights), rows, cols, h, w))
	}
	lo, span := grayScale(weights)
	scale := min(max(1, 600/(cols*(w+1))), 8)
	const gap = 1
	W := cols*(w*scale+gap) + gap
	H := rows*(h*scale+gap) + gap
	img := image.NewGray(image.Rect(0, 0, W, H))
	for i := range img.Pix {
		img.Pix[i] = 220 // separators
	}
	for k := range rows * cols {
		r, c := k/cols, k%cols
		x0, y0 := gap+c*(w*scale+gap), gap+r*(h*scale+gap)
		for py := range h {
			for px := range w {
				col := color.Gray{Y: 255}
				if i := k*h*w + py*w + px; i < len(weights) {
					col = grayAt(weights[i], lo, span)
				}
				for dy := range scale {
					for dx := range scale {
						img.SetGray(x0+px*scale+dx, y0+py*scale+dy, col)
					}
				}
			}
		}
	}
	return img
}

// grayScale returns the smallest finite weight and the span of the finite weights, 1 when
// they are all equal or none is finite (so that they are drawn white).
func grayScale(weights []float64) (lo, span float64) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range weights {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	if lo > hi {
		return 0, 1
	}
	if span = hi - lo; !(span > 0) {
		span = 1
	}
	return lo, span
}

// grayAt returns the grey of weight v on the scale lo .. lo+span: white to black, a
// non-finite v drawn as lo.
func grayAt(v, lo, span float64) color.Gray {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		v = lo
	}
	return gray((v - lo) / span)
}
