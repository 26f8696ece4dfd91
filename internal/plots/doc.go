// Package plots draws the figures of nanospike's commands with gonum.org/v1/plot: curves as
// lines (linear or log axes), a labelled scatter (accuracy vs energy per inference), bar
// charts (a figure per device), stacked bars, heat maps, a grid of receptive fields with its
// colour scale, and CSV tables of curves. Every figure shows its Figure's title.
//
// A log axis labels at least two ticks at any range: powers of ten over many decades,
// 1-2-5 × 10^k over about one, finer values within one. Scatter keeps its point labels from
// colliding and explains in a caption under the plot any label it shortened: "(+N)" for N
// more points at the same spot, a number for a label that found no room.
//
// The image format follows the file's extension: .png or .svg. Points with a non-finite
// coordinate, or a coordinate ≤ 0 on a log axis, cannot be drawn and are left out of a plot
// (never out of a CSV); a plot with no point left is an error. Every error names the file.
//
// Only cmd/nanospike imports this package; the functions are safe for concurrent use.
package plots
