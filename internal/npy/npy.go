// Package npy writes and reads NumPy's .npy files, format version 1.0, of little-endian
// float64 ('<f8') and int64 ('<i8') arrays in C (row-major) order: what numpy.load reads.
//
// A file is the magic "\x93NUMPY", the version bytes 1 0, the header's length as a
// little-endian uint16, and the header: a Python dict literal such as
//
//	{'descr': '<f8', 'fortran_order': False, 'shape': (784, 100), }
//
// padded with spaces and ended by '\n' so that the data starts at a multiple of 64 bytes;
// then the data.
package npy

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// Dtypes of the arrays this package writes and reads.
const (
	Float64 = "<f8"
	Int64   = "<i8"
)

const (
	magic = "\x93NUMPY"
	align = 64
)

// Write writes data, of the given shape in C order, as a '<f8' array.
func Write(w io.Writer, shape []int, data []float64) error {
	return write(w, Float64, shape, data, math.Float64bits)
}

// WriteInt writes data, of the given shape in C order, as a '<i8' array.
func WriteInt(w io.Writer, shape []int, data []int) error {
	return write(w, Int64, shape, data, func(x int) uint64 { return uint64(int64(x)) })
}

// write writes the header and the little-endian 8-byte words bits(x) of data.
func write[T any](w io.Writer, descr string, shape []int, data []T, bits func(T) uint64) error {
	if err := writeHeader(w, descr, shape, len(data)); err != nil {
		return err
	}
	b := make([]byte, 8*len(data))
	for k, x := range data {
		binary.LittleEndian.PutUint64(b[8*k:], bits(x))
	}
	_, err := w.Write(b)
	return err
}

// writeHeader writes the magic, version and header of an array of n elements.
func writeHeader(w io.Writer, descr string, shape []int, n int) error {
	size := 1
	for _, d := range shape {
		if d < 0 {
			return fmt.Errorf("npy: negative dimension in shape %v", shape)
		}
		size *= d
	}
	if size != n {
		return fmt.Errorf("npy: shape %v holds %d elements, got %d", shape, size, n)
	}
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, shapeString(shape))
	pre := len(magic) + 2 + 2
	pad := (align - (pre+len(dict)+1)%align) % align
	h := dict + strings.Repeat(" ", pad) + "\n"
	if len(h) > math.MaxUint16 {
		return fmt.Errorf("npy: header of %d bytes is too long for version 1.0", len(h))
	}
	b := make([]byte, 0, pre+len(h))
	b = append(b, magic...)
	b = append(b, 1, 0)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(h)))
	b = append(b, h...)
	_, err := w.Write(b)
	return err
}

// shapeString writes shape as a Python tuple: (), (n,) or (a, b, …).
func shapeString(shape []int) string {
	parts := make([]string, len(shape))
	for k, d := range shape {
		parts[k] = strconv.Itoa(d)
	}
	if len(shape) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// Array is the content of a .npy file as Read returns it.
type Array struct {
	Descr        string    // the header's descr: Float64 or Int64
	FortranOrder bool      // the header's fortran_order
	Shape        []int     // the header's shape
	Floats       []float64 // the data of a Float64 array
	Ints         []int64   // the data of an Int64 array
}

var (
	descrRe   = regexp.MustCompile(`'descr':\s*'([^']*)'`)
	fortranRe = regexp.MustCompile(`'fortran_order':\s*(True|False)`)
	shapeRe   = regexp.MustCompile(`'shape':\s*\(([^)]*)\)`)
)

// Read reads a .npy file of version 1.0, 2.0 or 3.0 holding a '<f8' or '<i8' array.
func Read(r io.Reader) (*Array, error) {
	br := bufio.NewReader(r)
	pre := make([]byte, len(magic)+2)
	if _, err := io.ReadFull(br, pre); err != nil {
		return nil, fmt.Errorf("npy: reading the magic: %w", err)
	}
	if string(pre[:len(magic)]) != magic {
		return nil, errors.New("npy: not a .npy file (no \\x93NUMPY magic)")
	}
	var hlen int
	switch major := pre[len(magic)]; major {
	case 1:
		var n uint16
		if err := binary.Read(br, binary.LittleEndian, &n); err != nil {
			return nil, fmt.Errorf("npy: reading the header length: %w", err)
		}
		hlen = int(n)
	case 2, 3:
		var n uint32
		if err := binary.Read(br, binary.LittleEndian, &n); err != nil {
			return nil, fmt.Errorf("npy: reading the header length: %w", err)
		}
		hlen = int(n)
	default:
		return nil, fmt.Errorf("npy: unsupported version %d.%d", major, pre[len(magic)+1])
	}
	h := make([]byte, hlen)
	if _, err := io.ReadFull(br, h); err != nil {
		return nil, fmt.Errorf("npy: reading the header: %w", err)
	}
	a, err := parseHeader(string(h))
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(br)
	if err != nil {
		return nil, fmt.Errorf("npy: reading the data: %w", err)
	}
	n := 1
	for _, d := range a.Shape {
		if d > 0 && n > len(b)/d {
			n = -1 // more than the data holds
			break
		}
		n *= d
	}
	if n < 0 || 8*n != len(b) {
		return nil, fmt.Errorf("npy: shape %v does not match the %d bytes of data", a.Shape, len(b))
	}
	switch a.Descr {
	case Float64:
		a.Floats = make([]float64, n)
		for k := range a.Floats {
			a.Floats[k] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*k:]))
		}
	case Int64:
		a.Ints = make([]int64, n)
		for k := range a.Ints {
			a.Ints[k] = int64(binary.LittleEndian.Uint64(b[8*k:]))
		}
	}
	return a, nil
}

// parseHeader reads descr, fortran_order and shape from a header dict.
func parseHeader(h string) (*Array, error) {
	d, f, s := descrRe.FindStringSubmatch(h), fortranRe.FindStringSubmatch(h), shapeRe.FindStringSubmatch(h)
	if d == nil || f == nil || s == nil {
		return nil, fmt.Errorf("npy: header %q lacks descr, fortran_order or shape", strings.TrimSpace(h))
	}
	if d[1] != Float64 && d[1] != Int64 {
		return nil, fmt.Errorf("npy: dtype %q: only %s and %s are read", d[1], Float64, Int64)
	}
	a := &Array{Descr: d[1], FortranOrder: f[1] == "True", Shape: []int{}}
	for _, p := range strings.Split(s[1], ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 {
			return nil, fmt.Errorf("npy: bad shape (%s)", s[1])
		}
		a.Shape = append(a.Shape, v)
	}
	return a, nil
}
