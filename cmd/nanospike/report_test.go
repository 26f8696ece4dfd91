package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/nanospike/nanospike/experiment"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReportRegeneratesAndChecks(t *testing.T) {
	runs := t.TempDir()
	code, _, stderr := runCLI(t, compareArgs(runs, "--devices", "ideal,pcmo", "--seeds", "2")...)
	require.Equal(t, 0, code, stderr)
	docs := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(docs, "records"), 0o755))
	rec, err := os.ReadFile(filepath.Join(runs, experiment.CompareJSON))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(docs, "records", "tiny.json"), rec, 0o644))
	md := filepath.Join(docs, "page.md")
	const page = "# Page\n\nText before.\n\n<!-- report: records/tiny.json table -->\nstale\n<!-- end report -->\n\n" +
		"<!-- report: records/tiny.json figure accuracy-vs-energy -->\n<!-- end report -->\n\n" +
		"<!-- report: records/tiny.json energy -->\n<!-- end report -->\n\n" +
		"<!-- report: records/tiny.json figure energy-training -->\n<!-- end report -->\n\nText after.\n"
	require.NoError(t, os.WriteFile(md, []byte(page), 0o644))

	code, _, stderr = runCLI(t, "report", "--check", md)
	assert.Equal(t, 1, code, "a stale block fails the check")
	assert.Contains(t, stderr, md)

	code, stdout, stderr := runCLI(t, "report", md)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "4 generated blocks, rewritten")
	got, err := os.ReadFile(md)
	require.NoError(t, err)
	want, err := os.ReadFile(filepath.Join(runs, experiment.CompareMD))
	require.NoError(t, err)
	table, energyPart, ok := strings.Cut(string(want), "\nEnergy by part")
	require.True(t, ok, "compare.md has the energy table")
	assert.Contains(t, string(got), table, "the table is compare.md's")
	_, energyRows, _ := strings.Cut(energyPart, "\n\n")
	assert.Contains(t, string(got), energyRows, "the energy view is compare.md's energy table")
	assert.Contains(t, energyRows, "device share")
	assert.FileExists(t, filepath.Join(docs, "img", "tiny-energy-training.png"))
	assert.Contains(t, string(got), "Text before.")
	assert.Contains(t, string(got), "Text after.")
	assert.Contains(t, string(got), "](img/tiny-accuracy-vs-energy.png)")
	assert.FileExists(t, filepath.Join(docs, "img", "tiny-accuracy-vs-energy.png"))

	code, stdout, stderr = runCLI(t, "report", "--check", md)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "up to date")

	// A number edited by hand is caught.
	edited := regexp.MustCompile(`\| ideal \| (\d)`).ReplaceAllStringFunc(string(got), func(s string) string {
		d := s[len(s)-1]
		return s[:len(s)-1] + string('0'+(d-'0'+1)%10)
	})
	require.NotEqual(t, string(got), edited)
	require.NoError(t, os.WriteFile(md, []byte(edited), 0o644))
	code, _, stderr = runCLI(t, "report", "--check", md)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "differ from their records")
	assert.Equal(t, 1, strings.Count(strings.TrimSpace(stderr), "\n")+1, "one line: %s", stderr)

	// Bad records are named in one line.
	for _, c := range []struct{ body, want string }{
		{`{"rule":"stdp"}`, "not a compare record"},
		{`{"kind":"nanospike compare","version":1}`, "format 1"},
		{`{"kind":"nanospike compare","version":2,"rows":[]}`, "no runs"},
		{`not json`, "not a compare record"},
	} {
		require.NoError(t, os.WriteFile(filepath.Join(docs, "records", "tiny.json"), []byte(c.body), 0o644))
		code, _, stderr = runCLI(t, "report", "--check", md)
		assert.Equal(t, 1, code, c.body)
		assert.Contains(t, stderr, filepath.Join("records", "tiny.json"), c.body)
		assert.Contains(t, stderr, c.want, c.body)
		assert.Equal(t, 1, strings.Count(strings.TrimSpace(stderr), "\n")+1, "one line: %s", stderr)
	}
}

// TestReportViewsOfSeveralRecords: the learning-curve (lengths) and
// update-scheme (updates) views join records that differ in one setting,
// and refuse records that differ in more.
func TestReportViewsOfSeveralRecords(t *testing.T) {
	docs := t.TempDir()
	rec := func(name string, args ...string) {
		runs := t.TempDir()
		code, _, stderr := runCLI(t, append(compareArgs(runs, "--seeds", "2"), args...)...)
		require.Equal(t, 0, code, stderr)
		b, err := os.ReadFile(filepath.Join(runs, experiment.CompareJSON))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(docs, name), b, 0o644))
	}
	rec("l20.json", "--devices", "ideal,pcmo", "--train-samples", "20")
	rec("l40.json", "--devices", "ideal,pcmo")
	bp := []string{"--rule", "backprop", "--devices", "ideal,pcmo", "--hidden", "20", "--steps", "10"}
	rec("acc.json", append(bp, "--update", "accumulate")...)
	rec("round.json", append(bp, "--update", "round")...)
	md := filepath.Join(docs, "p.md")
	page := "<!-- report: l20.json lengths l40.json -->\n<!-- end report -->\n<!-- report: acc.json updates round.json -->\n<!-- end report -->\n"
	require.NoError(t, os.WriteFile(md, []byte(page), 0o644))
	code, _, stderr := runCLI(t, "report", md)
	require.Equal(t, 0, code, stderr)
	got, err := os.ReadFile(md)
	require.NoError(t, err)
	assert.Contains(t, string(got), "| training images | seeds | split-half ρ | collapsed runs | paired neighbours told apart | ideal | pcmo |")
	assert.Contains(t, string(got), "| 20 | 1, 2 |")
	assert.Contains(t, string(got), "| 40 | 1, 2 |")
	assert.FileExists(t, filepath.Join(docs, "img", "l20-curves.png"))
	assert.Contains(t, string(got), "| device | accumulate: accuracy (%) | accumulate: Δ vs ideal (pp) [95 % CI] | round: accuracy (%) |")
	assert.Contains(t, string(got), "- round: ")

	page = "<!-- report: l20.json lengths acc.json -->\n<!-- end report -->\n"
	require.NoError(t, os.WriteFile(md, []byte(page), 0o644))
	code, _, stderr = runCLI(t, "report", md)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "differ in more than the training images")
}

// TestDocsTablesMatchRecords ties every generated table in README.md and
// docs/ to its stored records: a number edited by hand, or a record
// changed without `make tables`, fails it.
func TestDocsTablesMatchRecords(t *testing.T) {
	files := []string{"../../README.md"}
	more, err := filepath.Glob("../../docs/*.md")
	require.NoError(t, err)
	files = append(files, more...)
	blocks := 0
	for _, f := range files {
		md, err := os.ReadFile(f)
		require.NoError(t, err)
		gen, n, err := experiment.RegenerateFile(f, md, false)
		require.NoError(t, err, f)
		blocks += n
		if string(gen) != string(md) {
			t.Errorf("%s: generated blocks differ from their records; run make tables (or nanospike report %s)", f, f)
		}
	}
	assert.Positive(t, blocks, "the docs hold generated tables")
}
