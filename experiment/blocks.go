package experiment

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
)

// A generated block in a markdown file starts with a marker naming the
// record it is generated from (a path relative to the markdown file) and a
// view, and ends with BlockEnd:
//
//	<!-- report: records/stdp.json table -->
//	…generated…
//	<!-- end report -->
//
// Everything between the two lines belongs to the generator; the rest of
// the file is left as written.
var blockMarker = regexp.MustCompile(`(?m)^<!-- report: (\S+) ([^>]*?) -->\n`)

// BlockEnd ends a generated block.
const BlockEnd = "<!-- end report -->"

// Regenerate returns md with the body of every generated block replaced by
// gen(record, view) (view split into words), and the number of blocks. An
// error names the block's record.
func Regenerate(md []byte, gen func(record string, view []string) (string, error)) ([]byte, int, error) {
	var out bytes.Buffer
	rest := md
	n := 0
	for {
		loc := blockMarker.FindSubmatchIndex(rest)
		if loc == nil {
			out.Write(rest)
			return out.Bytes(), n, nil
		}
		n++
		out.Write(rest[:loc[1]])
		rec, view := string(rest[loc[2]:loc[3]]), strings.Fields(string(rest[loc[4]:loc[5]]))
		body := rest[loc[1]:]
		end := bytes.Index(body, []byte(BlockEnd))
		if end < 0 {
			return nil, 0, fmt.Errorf("block of %s has no %q", rec, BlockEnd)
		}
		if next := blockMarker.FindIndex(body[:end]); next != nil {
			return nil, 0, fmt.Errorf("block of %s has no %q before the next block", rec, BlockEnd)
		}
		if len(view) == 0 {
			return nil, 0, fmt.Errorf("block of %s names no view", rec)
		}
		g, err := gen(rec, view)
		if err != nil {
			return nil, 0, fmt.Errorf("block of %s: %w", rec, err)
		}
		out.WriteString(g)
		out.WriteString(BlockEnd)
		rest = body[end+len(BlockEnd):]
	}
}
