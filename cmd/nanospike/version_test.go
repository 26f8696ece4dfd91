package main

import (
	"encoding/json"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestVersion(t *testing.T) {
	code, out, errOut := runCLI(t, "version")
	require.Equal(t, 0, code, errOut)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	require.Len(t, lines, 3, out)
	assert.Regexp(t, `^version: \S`, lines[0])
	assert.Equal(t, "commit:  "+buildCommit(), lines[1])
	assert.Equal(t, "go:      "+runtime.Version(), lines[2])

	code, out, errOut = runCLI(t, "version", "--json")
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, 1, strings.Count(out, "\n"), "one line: %q", out)
	var v versionInfo
	require.NoError(t, json.Unmarshal([]byte(out), &v))
	assert.NotEmpty(t, v.Version)
	assert.Equal(t, buildCommit(), v.Commit)
	assert.Equal(t, runtime.Version(), v.Go)

	code, _, errOut = runCLI(t, "version", "extra")
	assert.Equal(t, 2, code)
	assert.Contains(t, errOut, `unexpected argument "extra"`)
}

// TestVersionCommitStamp: make build's stamp is the commit, whatever the go command recorded.
func TestVersionCommitStamp(t *testing.T) {
	prev := commitStamp
	commitStamp = "0123456789ab+dirty"
	t.Cleanup(func() { commitStamp = prev })
	code, out, errOut := runCLI(t, "version", "--json")
	require.Equal(t, 0, code, errOut)
	var v versionInfo
	require.NoError(t, json.Unmarshal([]byte(out), &v))
	assert.Equal(t, "0123456789ab+dirty", v.Commit)
}
