package datasets

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// IDX magic numbers: two zero bytes, the element type (0x08 = unsigned
// byte) and the number of dimensions.
const (
	magicLabels = 0x00000801
	magicImages = 0x00000803
)

// maxItems bounds the item count read from a header, so that a corrupt
// header cannot make the reader allocate gigabytes.
const maxItems = 10_000_000

// ErrFormat is wrapped by every error about a malformed IDX file.
var ErrFormat = errors.New("malformed IDX file")

// IDX is the content of one IDX file of unsigned bytes: Dims[0] items of
// Dims[1]×Dims[2]… bytes each, row-major in Data.
type IDX struct {
	Dims []int
	Data []uint8
}

// ReadIDXFile reads an IDX file, gzipped (".gz") or not. Errors name the file.
func ReadIDXFile(path string) (*IDX, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err // *PathError names the file
	}
	defer f.Close()
	var r io.Reader = bufio.NewReaderSize(f, 1<<16)
	if strings.HasSuffix(path, ".gz") {
		z, err := gzip.NewReader(r)
		if err != nil {
			return nil, fmt.Errorf("%s: %w: gzip: %v", path, ErrFormat, err)
		}
		defer z.Close()
		r = z
	}
	idx, err := ReadIDX(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return idx, nil
}

// ReadIDX parses an uncompressed IDX stream of unsigned bytes. It checks the
// magic number, the dimensions, that exactly the announced number of bytes
// follows and that nothing follows them. A gzip error (corrupt or truncated
// archive) met while reading is reported as ErrFormat.
func ReadIDX(r io.Reader) (*IDX, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrFormat, truncated(err))
	}
	if hdr[0] != 0 || hdr[1] != 0 {
		return nil, fmt.Errorf("%w: bad magic number 0x%08x", ErrFormat, binary.BigEndian.Uint32(hdr[:]))
	}
	if hdr[2] != 0x08 {
		return nil, fmt.Errorf("%w: element type 0x%02x, want 0x08 (unsigned byte)", ErrFormat, hdr[2])
	}
	nd := int(hdr[3])
	if nd < 1 || nd > 4 {
		return nil, fmt.Errorf("%w: %d dimensions, want 1 to 4", ErrFormat, nd)
	}
	dims := make([]int, nd)
	size := 1
	for i := range dims {
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return nil, fmt.Errorf("%w: dimension %d: %v", ErrFormat, i, truncated(err))
		}
		d := binary.BigEndian.Uint32(b[:])
		if d > maxItems || (i > 0 && d > 4096) {
			return nil, fmt.Errorf("%w: dimension %d is %d, too large", ErrFormat, i, d)
		}
		dims[i] = int(d)
		size *= int(d)
	}
	if size > maxItems*64 {
		return nil, fmt.Errorf("%w: %d bytes announced, too large", ErrFormat, size)
	}
	data := make([]uint8, size)
	if n, err := io.ReadFull(r, data); err != nil {
		return nil, fmt.Errorf("%w: truncated: %d of %d data bytes: %v", ErrFormat, n, size, truncated(err))
	}
	var one [1]byte
	if n, err := r.Read(one[:]); n > 0 {
		return nil, fmt.Errorf("%w: trailing bytes after %d data bytes", ErrFormat, size)
	} else if err != nil && err != io.EOF {
		return nil, fmt.Errorf("%w: after data: %v", ErrFormat, err)
	}
	return &IDX{Dims: dims, Data: data}, nil
}

func truncated(err error) error {
	if err == io.ErrUnexpectedEOF || err == io.EOF {
		return errors.New("unexpected end of file")
	}
	return err
}

// WriteIDX writes an IDX file of unsigned bytes (used by tests and for
// exporting subsets).
func WriteIDX(w io.Writer, idx *IDX) error {
	var buf bytes.Buffer
	buf.Write([]byte{0, 0, 0x08, byte(len(idx.Dims))})
	for _, d := range idx.Dims {
		_ = binary.Write(&buf, binary.BigEndian, uint32(d))
	}
	buf.Write(idx.Data)
	_, err := w.Write(buf.Bytes())
	return err
}
