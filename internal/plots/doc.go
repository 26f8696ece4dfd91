// Package plots draws the figures of nanospike's commands with gonum.org/v1/plot: curves as
// lines (linear or log axes), a labelled scatter (accuracy vs energy per inference), a bar
// chart (a figure per device), a grid of receptive fields, and CSV tables of curves.
//
// The image format follows the file's extension: .png or .svg. Points with a non-finite
// coordinate, or a coordinate ≤ 0 on a log axis, cannot be drawn and are left out of a plot
// (never out of a CSV); a plot with no point left is an error. Every error names the file.
//
// Only cmd/nanospike imports this package; the functions are safe for concurrent use.
package plots
