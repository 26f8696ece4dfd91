package plots

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"strconv"
)

// WriteCSV writes a table of columns of equal length under a header row (one name per
// column), each number in the shortest form that reads back exactly. It panics if the header
// and the columns do not match (a programmer's error).
func WriteCSV(w io.Writer, header []string, cols ...[]float64) error {
	if len(header) != len(cols) {
		panic(fmt.Sprintf("plots: %d header names for %d columns", len(header), len(cols)))
	}
	n := 0
	for i, c := range cols {
		if i == 0 {
			n = len(c)
		} else if len(c) != n {
			panic(fmt.Sprintf("plots: column %q has %d rows, column %q has %d", header[i], len(c), header[0], n))
		}
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return err
	}
	row := make([]string, len(cols))
	for r := range n {
		for j, c := range cols {
			row[j] = strconv.FormatFloat(c[r], 'g', -1, 64)
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// SaveCSV writes a table (see WriteCSV) to the file path.
func SaveCSV(path string, header []string, cols ...[]float64) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("plots: %w", err)
	}
	if err := WriteCSV(f, header, cols...); err != nil {
		f.Close()
		return fmt.Errorf("plots: %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("plots: %s: %w", path, err)
	}
	return nil
}

// WriteTable writes rows of strings as CSV, the first being the header, for tables that mix
// text and numbers (a summary per device).
func WriteTable(w io.Writer, rows [][]string) error {
	cw := csv.NewWriter(w)
	if err := cw.WriteAll(rows); err != nil {
		return err
	}
	return cw.Error()
}

// SaveTable writes rows of strings as CSV to the file path (see WriteTable).
func SaveTable(path string, rows [][]string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("plots: %w", err)
	}
	if err := WriteTable(f, rows); err != nil {
		f.Close()
		return fmt.Errorf("plots: %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("plots: %s: %w", path, err)
	}
	return nil
}
