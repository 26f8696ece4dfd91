package experiment

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// FilePerm is the mode of the files nanospike writes (folders get 0755): readable by all, as
// os.Create's files are under the usual umask, which a temporary file (0600) is not.
const FilePerm os.FileMode = 0o644

// WriteFileAtomic writes data to path through a temporary file in the same
// folder and a rename, so a reader (or a crash) never sees half a file. The
// file gets FilePerm.
func WriteFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(FilePerm)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// WriteJSON writes v as indented JSON to path, atomically.
func WriteJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding %s: %w", path, err)
	}
	return WriteFileAtomic(path, append(b, '\n'))
}

// ReadJSON reads path into v; errors name the file.
func ReadJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return decodeJSON(path, b, v)
}

// decodeJSON decodes b, the contents of path, into v; an error names path.
func decodeJSON(path string, b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// lockFile is the file a run holds locked while it writes into its folder.
const lockFile = ".lock"

// LockRun makes dir (creating it) the process's own until unlock is called: a second run into
// the same folder fails at once, naming the holder's pid. It also removes the temporary files
// an interrupted run may have left (WriteFileAtomic's and SaveFile's), which only the holder
// may do.
func LockRun(dir string) (unlock func(), err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, lockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	ok, err := tryLock(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if !ok {
		b, _ := os.ReadFile(path)
		f.Close()
		holder := strings.TrimSpace(string(b))
		if holder == "" {
			holder = "another process"
		} else {
			holder = "process " + holder
		}
		return nil, fmt.Errorf("%s is in use by %s (its lock %s): wait for it, or use another --out", dir, holder, path)
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	removeTemporaries(dir)
	// Unlocking closes the file (the lock goes with it) but leaves it: removing it could let a
	// process that opened it before the removal and one that creates it anew both hold a lock.
	return func() { f.Close() }, nil
}

// removeTemporaries deletes the temporary files of interrupted writes in dir.
func removeTemporaries(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, en := range entries {
		n := en.Name()
		if i := strings.LastIndex(n, ".tmp"); i >= 0 && !en.IsDir() && strings.Trim(n[i+len(".tmp"):], "0123456789") == "" {
			_ = os.Remove(filepath.Join(dir, n))
		}
	}
}

// runFiles are the files a run writes into its folder (a --force overwrite removes them).
var runFiles = []string{ConfigFile, MetricsFile, ModelFile, CheckpointFile, ProgressFile, "weights.png", "curves.png", "curves.svg", "eval.json"}
