package npy

import (
	"bytes"
	"encoding/binary"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// header returns the header text of a written file and checks its frame: magic, version 1.0,
// data aligned to 64 bytes, the header ending in '\n'.
func header(t *testing.T, b []byte) string {
	t.Helper()
	require.Greater(t, len(b), 10)
	require.Equal(t, "\x93NUMPY", string(b[:6]))
	require.Equal(t, []byte{1, 0}, b[6:8])
	n := int(binary.LittleEndian.Uint16(b[8:10]))
	assert.Zero(t, (10+n)%64, "data starts at a multiple of 64")
	h := string(b[10 : 10+n])
	assert.True(t, strings.HasSuffix(h, "\n"))
	return strings.TrimRight(h, " \n")
}

func TestNpyFloatRoundTrip(t *testing.T) {
	data := []float64{0, 1.5, -2, math.Pi, 1e-300, math.Inf(1)}
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, []int{2, 3}, data))
	assert.Equal(t, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", header(t, buf.Bytes()))
	a, err := Read(bytes.NewReader(buf.Bytes()))
	require.NoError(t, err)
	assert.Equal(t, Float64, a.Descr)
	assert.False(t, a.FortranOrder)
	assert.Equal(t, []int{2, 3}, a.Shape)
	assert.Equal(t, data, a.Floats)
	assert.Nil(t, a.Ints)
}

func TestNpyIntRoundTrip(t *testing.T) {
	data := []int{3, -1, 0, 9}
	var buf bytes.Buffer
	require.NoError(t, WriteInt(&buf, []int{4}, data))
	assert.Equal(t, "{'descr': '<i8', 'fortran_order': False, 'shape': (4,), }", header(t, buf.Bytes()))
	a, err := Read(&buf)
	require.NoError(t, err)
	assert.Equal(t, Int64, a.Descr)
	assert.Equal(t, []int{4}, a.Shape)
	assert.Equal(t, []int64{3, -1, 0, 9}, a.Ints)
}

func TestNpyErrors(t *testing.T) {
	var buf bytes.Buffer
	assert.ErrorContains(t, Write(&buf, []int{2, 2}, []float64{1, 2, 3}), "shape [2 2] holds 4 elements, got 3")
	_, err := Read(strings.NewReader("PK\x03\x04 not npy"))
	assert.ErrorContains(t, err, "not a .npy file")

	buf.Reset()
	require.NoError(t, Write(&buf, []int{3}, []float64{1, 2, 3}))
	_, err = Read(bytes.NewReader(buf.Bytes()[:buf.Len()-1]))
	assert.ErrorContains(t, err, "does not match", "truncated data")
}
